"""A telemetry message from an installed unit, checked against the knowledge pack.

Topic `helios/telemetry/<serial>`, payload JSON:
`{"ts": "<ISO 8601 with zone>", "readings": {"<observation id>": <number|bool|string>},
"running_hours": <number, optional>, "active_codes": ["<error code>", ...]}`, in the pack's
observation ids and units. Whatever does not fit (an unknown serial, an observation the unit's
family does not have, a wrong type, a value outside the physical range of its unit, a code the
family does not know, malformed JSON) is refused with the reason: counted and logged by the
consumer, never a ticket. Pure domain logic: no broker, no database."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.knowledge.model import Family, KnowledgeBase
from rules.units import RangeError, check_range

TOPIC_PREFIX = "helios/telemetry/"
MAX_PAYLOAD_BYTES = 64 * 1024


class TelemetryError(ValueError):
    """A message that cannot be used; `reason` is a short category for the counters."""

    def __init__(self, reason: str, detail: str, serial: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail, self.serial = reason, detail, serial


@dataclass(frozen=True)
class Unit:
    serial: str
    model: str
    family: Family
    customer_id: str
    site_id: str


@dataclass(frozen=True)
class Telemetry:
    unit: Unit
    at: datetime
    readings: dict[str, bool | float | str]
    active_codes: tuple[str, ...] = ()
    running_hours: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def serial(self) -> str:
        return self.unit.serial


class Fleet:
    """The installed units of the pack (service.yml), by serial."""

    def __init__(self, kb: KnowledgeBase) -> None:
        family_of = {model: fam for fam in kb.families.values() for model in fam.models}
        self.units: dict[str, Unit] = {}
        for customer in kb.service.customers:
            for site in customer.sites:
                for item in site.equipment:
                    family = family_of.get(item.model_id)
                    if family is not None:
                        self.units[item.serial_no] = Unit(item.serial_no, item.model_id, family,
                                                          customer.customer_id, site.site_id)

    def unit(self, serial: str) -> Unit | None:
        return self.units.get(serial)


def serial_of(topic: str) -> str:
    if not topic.startswith(TOPIC_PREFIX) or "/" in topic[len(TOPIC_PREFIX):]:
        raise TelemetryError("bad_topic", f"topic {topic!r} is not {TOPIC_PREFIX}<serial>")
    serial = topic[len(TOPIC_PREFIX):]
    if not serial:
        raise TelemetryError("bad_topic", "the topic names no serial")
    return serial


def parse(topic: str, payload: bytes, fleet: Fleet) -> Telemetry:
    """The message as telemetry of a known unit, or TelemetryError saying why not."""
    serial = serial_of(topic)
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise TelemetryError("too_large", f"{len(payload)} bytes", serial)
    unit = fleet.unit(serial)
    if unit is None:
        raise TelemetryError("unknown_serial", f"no installed unit {serial}", serial)
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise TelemetryError("malformed_json", str(exc)[:200], serial) from None
    if not isinstance(data, dict):
        raise TelemetryError("malformed_json", "the payload is not a JSON object", serial)
    at = _timestamp(data.get("ts"), serial)
    raw = data.get("readings", {})
    if not isinstance(raw, dict):
        raise TelemetryError("wrong_type", "readings is not an object", serial)
    readings = {name: _reading(unit.family, name, value, serial) for name, value in raw.items()}
    codes = data.get("active_codes", [])
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise TelemetryError("wrong_type", "active_codes is not a list of codes", serial)
    unknown = [c for c in codes if c not in unit.family.error_codes]
    if unknown:
        raise TelemetryError("unknown_code", f"{unknown[0]} is no code of the "
                             f"{unit.model}", serial)
    hours = data.get("running_hours")
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int | float)
                              or not math.isfinite(hours) or not 0 <= hours <= 1_000_000):
        raise TelemetryError("wrong_type", "running_hours is not a number of hours", serial)
    return Telemetry(unit, at, readings, tuple(dict.fromkeys(codes)),
                     None if hours is None else float(hours))


def _timestamp(value: Any, serial: str) -> datetime:
    if not isinstance(value, str):
        raise TelemetryError("bad_timestamp", "ts is missing or not a string", serial)
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise TelemetryError("bad_timestamp", f"ts {value[:40]!r} is not ISO 8601",
                             serial) from None
    if at.tzinfo is None:
        raise TelemetryError("bad_timestamp", "ts has no time zone", serial)
    return at


def _reading(family: Family, name: str, value: Any, serial: str) -> bool | float | str:
    observation = family.observations.get(name)
    if observation is None:
        raise TelemetryError("unknown_observation", f"{name} is no observation of the "
                             f"{family.name}", serial)
    if observation.type == "boolean":
        if not isinstance(value, bool):
            raise TelemetryError("wrong_type", f"{name} must be true or false", serial)
        return value
    if observation.type == "choice":
        if not isinstance(value, str) or value not in observation.choices:
            raise TelemetryError("wrong_type", f"{name} must be one of "
                                 f"{', '.join(observation.choices)}", serial)
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            not math.isfinite(value):
        raise TelemetryError("wrong_type", f"{name} must be a number", serial)
    try:
        check_range(float(value), observation.unit)
    except RangeError as exc:
        raise TelemetryError("out_of_range", f"{name}: {exc}", serial) from None
    return float(value)
