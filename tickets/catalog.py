"""Service data the tickets need, loaded from the knowledge pack in the repository:
customers with their sites and installed equipment, contract tiers with SLA hours and clocks,
error-code severities per family, and each country's time zone and public holidays."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from tickets.errors import ServiceDataError, UnknownReferenceError

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
CALENDAR_FILE = Path(__file__).resolve().parent / "calendar.yml"
PRIORITIES = ("P1", "P2", "P3", "P4")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WINDOW = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)-(Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
                     r"(\d\d):(\d\d)-(\d\d):(\d\d)")


@dataclass(frozen=True)
class Asset:
    serial: str
    model: str
    family: str
    site_id: str


@dataclass(frozen=True)
class Site:
    site_id: str
    name: str
    country: str
    time_zone: str


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    country: str
    language: str
    tier: str
    sites: dict[str, Site]
    assets: dict[str, Asset]


@dataclass(frozen=True)
class Tier:
    """A contract tier's SLA: hours per priority and when its clock runs."""

    tier_id: str
    clock: str  # "calendar_hours" (24/7) or "business_hours"
    weekdays: frozenset[int]  # 0 = Monday; coverage days of a business-hours clock
    opens: time
    closes: time
    response_h: dict[str, float]
    resolution_h: dict[str, float]


@dataclass(frozen=True)
class Catalog:
    customers: dict[str, Customer]
    tiers: dict[str, Tier]
    families: dict[str, dict[str, str]] = field(default_factory=dict)  # family -> code -> severity
    holidays: dict[str, tuple[str, ...]] = field(default_factory=dict)  # country -> rules

    def customer(self, customer_id: str) -> Customer:
        try:
            return self.customers[customer_id]
        except KeyError:
            raise UnknownReferenceError("customer_id", customer_id,
                                        f"unknown customer {customer_id!r}") from None

    def error_severity(self, family: str | None, code: str) -> str | None:
        families = [family] if family else list(self.families)
        for name in families:
            severity = self.families.get(name, {}).get(code.upper())
            if severity:
                return severity
        return None

    def is_holiday(self, country: str, day: date) -> bool:
        return any(_holiday_date(rule, day.year) == day for rule in self.holidays.get(country, ()))


def _easter(year: int) -> date:
    """Western (Gregorian) Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * ell) // 433
    month = (h + ell - 7 * m + 90) // 25
    return date(year, month, (h + ell - 7 * m + 33 * month + 19) % 32)


def _orthodox_easter(year: int) -> date:
    """Orthodox Easter Sunday (Meeus' Julian algorithm, shifted to the Gregorian calendar)."""
    a, b, c = year % 4, year % 7, year % 19
    d = (19 * c + 15) % 30
    e = (2 * a + 4 * b - d + 34) % 7
    month, day = divmod(d + e + 114, 31)
    return date.fromordinal(date(year, month, day + 1).toordinal() + 13)


@lru_cache(maxsize=256)
def _holiday_date(rule: str, year: int) -> date:
    match = re.fullmatch(r"(orthodox_easter|easter)([+-]\d+)?", rule)
    if match:
        base = _easter(year) if match.group(1) == "easter" else _orthodox_easter(year)
        return date.fromordinal(base.toordinal() + int(match.group(2) or 0))
    month, day = (int(part) for part in rule.split("-"))
    return date(year, month, day)


def _hours(value: dict[str, Any], where: str) -> dict[str, float]:
    try:
        return {p: float(value[p]) for p in PRIORITIES}
    except (KeyError, TypeError, ValueError) as exc:
        raise ServiceDataError(f"{where}: needs numeric hours for P1-P4 ({exc})") from exc


def _tier(entry: dict[str, Any], source: Path) -> Tier:
    where = f"{source.name}: contract_tiers[{entry.get('id')}]"
    clock = entry.get("sla_clock")
    if clock not in ("calendar_hours", "business_hours"):
        raise ServiceDataError(f"{where}: sla_clock must be calendar_hours or business_hours")
    weekdays, opens, closes = frozenset(range(7)), time(0), time(0)
    if clock == "business_hours":
        match = _WINDOW.match(str(entry.get("coverage_window", "")))
        if not match:
            raise ServiceDataError(f"{where}: coverage_window must read like 'Mon-Fri 08:00-17:00'")
        first, last = DAYS.index(match.group(1)), DAYS.index(match.group(2))
        weekdays = frozenset(range(first, last + 1))
        opens = time(int(match.group(3)), int(match.group(4)))
        closes = time(int(match.group(5)), int(match.group(6)))
    return Tier(entry["id"], clock, weekdays, opens, closes,
                _hours(entry.get("response_time_h", {}), f"{where}.response_time_h"),
                _hours(entry.get("resolution_target_h", {}), f"{where}.resolution_target_h"))


def load_catalog(knowledge_dir: Path = KNOWLEDGE_DIR,
                 calendar_file: Path = CALENDAR_FILE) -> Catalog:
    """Read service.yml, the family files and the site calendar; refuse malformed entries."""
    service_file = knowledge_dir / "service.yml"
    service = yaml.safe_load(service_file.read_text(encoding="utf-8"))
    calendar = yaml.safe_load(calendar_file.read_text(encoding="utf-8"))["countries"]
    tiers = {entry["id"]: _tier(entry, service_file) for entry in service["contract_tiers"]}
    model_family: dict[str, str] = {}
    families: dict[str, dict[str, str]] = {}
    for fam in service["meta"]["families"]:
        data = yaml.safe_load((knowledge_dir / fam["file"]).read_text(encoding="utf-8"))
        family_id = data["family"]["id"]
        model_family.update({model["id"]: family_id for model in data.get("models", [])})
        families[family_id] = {str(c["code"]).upper(): c["severity"]
                               for c in data.get("error_codes", [])}
    customers: dict[str, Customer] = {}
    for entry in service["customers"]:
        where = f"{service_file.name}: customers[{entry.get('customer_id')}]"
        country = entry["country"]
        if country not in calendar:
            raise ServiceDataError(
                f"{where}: country {country} has no entry in {calendar_file.name}")
        if entry["contract_tier"] not in tiers:
            raise ServiceDataError(f"{where}: unknown contract_tier {entry['contract_tier']!r}")
        try:
            ZoneInfo(calendar[country]["time_zone"])
        except ZoneInfoNotFoundError as exc:
            raise ServiceDataError(f"{calendar_file.name}: {country}: unknown time zone") from exc
        sites: dict[str, Site] = {}
        assets: dict[str, Asset] = {}
        for site in entry.get("sites", []):
            sites[site["site_id"]] = Site(site["site_id"], site["name"], country,
                                          calendar[country]["time_zone"])
            for item in site.get("equipment", []):
                if item["model_id"] not in model_family:
                    raise ServiceDataError(f"{where}: {item['serial_no']}: unknown model "
                                           f"{item['model_id']!r}")
                assets[item["serial_no"]] = Asset(item["serial_no"], item["model_id"],
                                                  model_family[item["model_id"]], site["site_id"])
        customers[entry["customer_id"]] = Customer(
            entry["customer_id"], entry["name"], country, entry.get("language", "en"),
            entry["contract_tier"], sites, assets)
    holidays = {country: tuple(str(rule) for rule in data.get("holidays", []))
                for country, data in calendar.items()}
    return Catalog(customers, tiers, families, holidays)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The repository's service data, loaded once per process."""
    return load_catalog()
