"""Trends per reading, extrapolated to the limit where a fault's evidence starts to hold.

Each unit's readings are averaged into buckets of telemetry time (ten minutes by default: a
unit reporting every second gives 600 values per bucket, and the mean of them is what drifts),
the last WINDOW buckets kept. A least-squares line through the bucket means gives the slope and
its standard error; a trend is *predictive* when it is fitted on at least MIN_SPAN_S of
telemetry, its slope is clear of the noise (t >= T_MIN), the line is still inside the reading's
normal cell but has moved DRIFT_MIN of the way to its edge (monitoring/baseline.py), and it
reaches that edge within the horizon and within EXTRAPOLATE times the span it was fitted on: a
line is not trusted much further than what was seen.

What the crossing means comes from the pack: the faults whose evidence on that reading holds
just beyond the edge, and their error codes ("separator_dp_bar reaches 0.8 bar in about 9 days:
E131"). Pure domain logic: the Monitor feeds it and keeps its state per unit in memory (seeded
from the stored telemetry when a unit is first seen after a restart)."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from core.knowledge.model import Family
from monitoring.baseline import Band, bands

BUCKET_S = 600.0  # seconds of telemetry time per bucket
WINDOW = 288  # buckets kept per reading (two days of ten-minute buckets)
MIN_BUCKETS = 12  # fewer give no trend
MIN_SPAN_S = 12 * 3600.0  # nor less than this much telemetry time
# Slope / standard error: clear of the noise of the bucket means. A fleet of 43 units with a
# dozen readings each is tested every bucket: a threshold a single test would find strict
# still lets noise through somewhere every day (a 24 h normal fleet at t >= 6 did, twice).
T_MIN = 8.0
EXTRAPOLATE = 4.0  # a line is trusted up to this many times the span it was fitted on
# ... and only once the reading has moved this share of the way from the middle of its normal
# range to the limit: a slope alone, however clear, may be a unit settling.
DRIFT_MIN = 0.25
DAY = 86_400.0


@dataclass(frozen=True)
class Trend:
    observation: str
    slope_per_day: float
    current: float  # the line's value at the last bucket
    t_value: float
    span_s: float


@dataclass(frozen=True)
class Prediction:
    observation: str
    limit: float
    eta_s: float  # seconds of telemetry time until the line crosses the limit
    trend: Trend
    faults: tuple[str, ...]  # whose evidence holds beyond the limit
    codes: tuple[str, ...]  # their error codes (not the P1 ones)

    @property
    def days(self) -> float:
        return self.eta_s / DAY


@dataclass
class _Series:
    """Bucket means of one reading: (bucket start, sum, count), oldest first."""

    buckets: deque[tuple[float, float, int]] = field(
        default_factory=lambda: deque(maxlen=WINDOW))

    def add(self, t: float, value: float, bucket_s: float) -> None:
        start = math.floor(t / bucket_s) * bucket_s
        if self.buckets and self.buckets[-1][0] == start:
            _, total, count = self.buckets[-1]
            self.buckets[-1] = (start, total + value, count + 1)
        elif not self.buckets or start > self.buckets[-1][0]:
            self.buckets.append((start, value, 1))
        # A value older than the last bucket (a late message) is left out: the trend is of
        # what the unit does now.


class Trends:
    """The readings of one unit, bucketed, and what their trends predict."""

    def __init__(self, family: Family, *, bucket_s: float = BUCKET_S) -> None:
        self.family, self.bucket_s = family, bucket_s
        self.series: dict[str, _Series] = {}

    def add(self, at: datetime, readings: dict[str, bool | float | str]) -> None:
        t = at.timestamp()
        for name in bands(self.family):
            value = readings.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.series.setdefault(name, _Series()).add(t, float(value), self.bucket_s)

    def trend(self, name: str) -> Trend | None:
        series = self.series.get(name)
        if series is None or len(series.buckets) < MIN_BUCKETS or \
                series.buckets[-1][0] - series.buckets[0][0] < MIN_SPAN_S:
            return None
        # The last bucket may still be filling: its mean is as good as the others'.
        xs = [start + self.bucket_s / 2 for start, _, _ in series.buckets]
        ys = [total / count for _, total, count in series.buckets]
        if max(ys) == min(ys):
            return Trend(name, 0.0, ys[-1], 0.0, xs[-1] - xs[0])
        slope, intercept, stderr = _least_squares(np.asarray(xs), np.asarray(ys))
        t_value = math.inf if stderr == 0 else abs(slope) / stderr
        return Trend(name, slope * DAY, intercept + slope * xs[-1], t_value, xs[-1] - xs[0])

    def predictions(self, horizon_days: float) -> list[Prediction]:
        """The readings whose trend reaches the edge of their normal cell within the horizon,
        soonest first."""
        out = []
        for name, band in bands(self.family).items():
            trend = self.trend(name)
            if trend is None or trend.t_value < T_MIN or trend.slope_per_day == 0:
                continue
            prediction = self._crossing(band, trend, horizon_days)
            if prediction is not None:
                out.append(prediction)
        return sorted(out, key=lambda p: p.eta_s)

    def _crossing(self, band: Band, trend: Trend, horizon_days: float) -> Prediction | None:
        rising = trend.slope_per_day > 0
        limit = band.ceiling if rising else band.floor
        obs = self.family.observations[band.observation]
        if not math.isfinite(limit) or obs.cell_of(trend.current) != band.cell:
            return None  # no edge that way, or already past it (a sign, not a forecast)
        if abs(trend.current - band.center) < DRIFT_MIN * abs(limit - band.center):
            return None
        eta = (limit - trend.current) / trend.slope_per_day * DAY
        if eta <= 0 or eta > horizon_days * DAY or eta > EXTRAPOLATE * trend.span_s:
            return None
        beyond = limit + (1 if rising else -1) * max(abs(limit) * 1e-3, 1e-3)
        faults = tuple(f.id for f in self.family.faults.values() if any(
            ev.condition.observation == band.observation and ev.condition.holds(beyond)
            for ev in f.evidence))
        codes = tuple(sorted({code for fid in faults for code in self.family.codes_of(fid)
                              if self.family.severity_priority.get(
                                  self.family.error_codes[code].severity) != "P1"}))
        return Prediction(band.observation, limit, eta, trend, faults, codes)


def _least_squares(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Slope, intercept and the slope's standard error of the least-squares line."""
    x0 = x - x.mean()
    sxx = float(x0 @ x0)
    slope = float(x0 @ (y - y.mean())) / sxx
    intercept = float(y.mean()) - slope * float(x.mean())
    residuals = y - (intercept + slope * x)
    dof = max(1, len(x) - 2)
    stderr = math.sqrt(float(residuals @ residuals) / dof / sxx)
    return slope, intercept, stderr
