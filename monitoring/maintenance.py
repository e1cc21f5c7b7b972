"""Maintenance coming due, from the running hours a unit reports and the pack's schedule.

A task with an interval in running hours (`interval_hours` of the family's maintenance
schedule) falls due at every multiple of it. How soon in days depends on how many hours a day
the unit runs: the slope of its reported running hours over the days seen (16 h a day until
at least a day of them is seen). A task due within the notice period is a reminder to the
customer and a service request, once per unit, task and due point. Only the engineers' tasks
(skill `technician`) of at least MIN_INTERVAL_H hours: the daily and weekly checks are the
operator's routine, not a visit. Pure domain logic."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.knowledge.model import Family

MIN_INTERVAL_H = 500.0
DEFAULT_HOURS_PER_DAY = 16.0
MIN_SPAN_S = 86_400.0  # a day of running hours before their own rate is used
DAY = 86_400.0


@dataclass(frozen=True)
class Due:
    task_id: str
    label: str
    task: str
    due_at_hours: float
    hours_left: float
    days_left: float
    parts: tuple[str, ...]


def tasks_by_hours(family: Family, model: str) -> list[dict[str, Any]]:
    return [t for t in family.maintenance
            if isinstance(t.get("interval_hours"), int | float)
            and float(t["interval_hours"]) >= MIN_INTERVAL_H
            and t.get("skill", "technician") == "technician"
            and (not t.get("models") or model in t["models"])]


class RunningHours:
    """A unit's reported running hours over time: its rate in hours per day."""

    def __init__(self) -> None:
        self.points: deque[tuple[float, float]] = deque(maxlen=512)

    def add(self, at: datetime, hours: float) -> None:
        t = at.timestamp()
        if self.points and t - self.points[-1][0] < 600:
            return  # one point per ten minutes is plenty for a rate in hours per day
        self.points.append((t, hours))

    @property
    def latest(self) -> float | None:
        return self.points[-1][1] if self.points else None

    def per_day(self) -> float:
        if len(self.points) < 2 or self.points[-1][0] - self.points[0][0] < MIN_SPAN_S:
            return DEFAULT_HOURS_PER_DAY
        (t0, h0), (t1, h1) = self.points[0], self.points[-1]
        rate = (h1 - h0) / (t1 - t0) * DAY
        return min(max(rate, 0.0), 24.0)


def coming_due(family: Family, model: str, hours: float, per_day: float,
               notice_days: float) -> list[Due]:
    """The tasks due within `notice_days` at `per_day` running hours a day, soonest first."""
    out = []
    for task in tasks_by_hours(family, model):
        interval = float(task["interval_hours"])
        if task.get("first_service_only") and hours >= interval:
            continue  # the run-in service: once, at its interval
        due_at = math.floor(hours / interval + 1) * interval
        left = due_at - hours
        days = math.inf if per_day <= 0 else left / per_day
        if days <= notice_days:
            out.append(Due(str(task["id"]), str(task.get("label", task["id"])),
                           str(task.get("task", "")), due_at, left, days,
                           tuple(task.get("parts") or ())))
    return sorted(out, key=lambda d: d.hours_left)
