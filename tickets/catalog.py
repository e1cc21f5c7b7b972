"""Service data the tickets need, from the shared knowledge model (`core.knowledge`):
customers with their sites and installed equipment, contract tiers with SLA hours and clocks,
error-code severities per family, and the site calendar (tickets/calendar.yml): each country's
time zone and public holidays, the regional holidays of subdivisions (German Länder, Spanish
autonomous communities, ...) and which subdivision each site lies in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from core.knowledge.loader import default_knowledge, load_knowledge
from core.knowledge.model import Contact, ContractTier, KnowledgeBase, Technician
from tickets.errors import ServiceDataError, UnknownReferenceError

SERVICE_FILE = "service.yml"
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
    subdivision: str | None = None  # ISO 3166-2 code, e.g. "DE-BW"; None: national holidays only
    region: str | None = None  # the service region: whose engineers are on call for it


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    country: str
    language: str
    tier: str
    sites: dict[str, Site]
    assets: dict[str, Asset]
    contact: Contact | None = None  # the contact on file: alerts, reminders, one-time codes


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
    regional_holidays: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "DE-BW" -> rules
    # The service desk's engineers (service.yml technicians): id -> name. A ticket is assigned
    # to one of them by id, never to free text a customer might be shown.
    technicians: dict[str, str] = field(default_factory=dict)
    # Who is paged for a P1: the on-call engineers of each service region.
    on_call: dict[str, tuple[Technician, ...]] = field(default_factory=dict)

    def technician(self, technician_id: str) -> str:
        """The engineer's name; raises UnknownReferenceError for an id not on the list."""
        try:
            return self.technicians[technician_id]
        except KeyError:
            raise UnknownReferenceError(
                "assignee", technician_id,
                f"unknown engineer {technician_id!r}: assign one of the technicians list "
                f"(GET /api/v1/technicians)") from None

    def customer(self, customer_id: str) -> Customer:
        try:
            return self.customers[customer_id]
        except KeyError:
            raise UnknownReferenceError("customer_id", customer_id,
                                        f"unknown customer {customer_id!r}") from None

    def customer_or_unidentified(self, customer_id: str | None) -> Customer:
        return self.unidentified() if customer_id is None else self.customer(customer_id)

    def unidentified(self) -> Customer:
        """Whom a ticket belongs to before the customer is known (an emergency reported before
        anyone gave the machine's serial): the contract with the fastest P1 response, on a 24/7
        clock in UTC, so that no emergency waits for its contract to be found."""
        tier = min(self.tiers.values(), key=lambda t: (t.response_h.get("P1", float("inf")),
                                                       t.clock != "calendar_hours"))
        return Customer(customer_id="", name="", country="", language="en", tier=tier.tier_id,
                        sites={}, assets={})

    def error_severity(self, family: str | None, code: str) -> str | None:
        families = [family] if family else list(self.families)
        for name in families:
            severity = self.families.get(name, {}).get(code.upper())
            if severity:
                return severity
        return None

    def is_holiday(self, country: str, day: date, subdivision: str | None = None) -> bool:
        """A public holiday of the country, or of the subdivision (region) when one is given."""
        if day in _holidays_in(self.holidays.get(country, ()), day.year):
            return True
        return subdivision is not None and day in _holidays_in(
            self.regional_holidays.get(subdivision, ()), day.year)


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


_EASTER_RULE = re.compile(r"(orthodox_easter|easter)([+-]\d{1,3})?")
_FIXED_RULE = re.compile(r"(\d{4}-)?(\d\d)-(\d\d)")
_WEEKDAY_RULE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(>=|<=)(\d\d)-(\d\d)")
RULE_FORMS = ("MM-DD", "YYYY-MM-DD", "easter+N", "orthodox_easter+N", "Mon>=MM-DD", "Mon<=MM-DD")


def check_holiday_rule(rule: str) -> None:
    """Raise ValueError (saying why) unless `rule` is a holiday rule of calendar.yml.

    MM-DD every year (02-29 is refused: it is not a date every year); YYYY-MM-DD once;
    easter+N / orthodox_easter-N days from (Western / Orthodox) Easter Sunday; Mon>=05-01 the
    first Monday on or after 1 May, Mon<=05-31 the last Monday on or before 31 May (the tz
    database's notation; any weekday)."""
    easter = _EASTER_RULE.fullmatch(rule)
    if easter:
        return
    fixed = _FIXED_RULE.fullmatch(rule)
    weekday = _WEEKDAY_RULE.fullmatch(rule)
    if fixed:
        year, month, day = int((fixed.group(1) or "2001-")[:4]), fixed.group(2), fixed.group(3)
    elif weekday:
        year, month, day = 2001, weekday.group(3), weekday.group(4)
    else:
        raise ValueError(f"{rule!r} is not a holiday rule (one of {', '.join(RULE_FORMS)})")
    try:
        date(year, int(month), int(day))  # 2001 is no leap year: every-year rules must exist
    except ValueError:
        raise ValueError(f"{rule!r} names no date every year it applies to") from None


@lru_cache(maxsize=1024)
def _holiday_date(rule: str, year: int) -> date | None:
    """The day `rule` (already checked) falls on in `year`; None if not that year."""
    easter = _EASTER_RULE.fullmatch(rule)
    if easter:
        base = _easter(year) if easter.group(1) == "easter" else _orthodox_easter(year)
        return date.fromordinal(base.toordinal() + int(easter.group(2) or 0))
    weekday = _WEEKDAY_RULE.fullmatch(rule)
    if weekday:
        target = DAYS.index(weekday.group(1))
        anchor = date(year, int(weekday.group(3)), int(weekday.group(4)))
        if weekday.group(2) == ">=":
            return date.fromordinal(anchor.toordinal() + (target - anchor.weekday()) % 7)
        return date.fromordinal(anchor.toordinal() - (anchor.weekday() - target) % 7)
    fixed = _FIXED_RULE.fullmatch(rule)
    assert fixed is not None, rule
    if fixed.group(1) and int(fixed.group(1)[:4]) != year:
        return None
    return date(year, int(fixed.group(2)), int(fixed.group(3)))


@lru_cache(maxsize=1024)
def _holidays_in(rules: tuple[str, ...], year: int) -> frozenset[date]:
    return frozenset(day for rule in rules if (day := _holiday_date(rule, year)) is not None)


def _hours(value: dict[str, Any], where: str) -> dict[str, float]:
    try:
        return {p: float(value[p]) for p in PRIORITIES}
    except (KeyError, TypeError, ValueError) as exc:
        raise ServiceDataError(f"{where}: needs numeric hours for P1-P4 ({exc})") from exc


def _tier(tier: ContractTier) -> Tier:
    where = f"{SERVICE_FILE}: contract_tiers[{tier.id}]"
    clock = tier.sla_clock
    if clock not in ("calendar_hours", "business_hours"):
        raise ServiceDataError(f"{where}: sla_clock must be calendar_hours or business_hours")
    weekdays, opens, closes = frozenset(range(7)), time(0), time(0)
    if clock == "business_hours":
        match = _WINDOW.match(tier.coverage_window)
        if not match:
            raise ServiceDataError(f"{where}: coverage_window must read like 'Mon-Fri 08:00-17:00'")
        first, last = DAYS.index(match.group(1)), DAYS.index(match.group(2))
        weekdays = frozenset(range(first, last + 1))
        opens = time(int(match.group(3)), int(match.group(4)))
        closes = time(int(match.group(5)), int(match.group(6)))
    return Tier(tier.id, clock, weekdays, opens, closes,
                _hours(tier.response_time_h, f"{where}.response_time_h"),
                _hours(tier.resolution_target_h, f"{where}.resolution_target_h"))


@dataclass(frozen=True)
class SiteCalendar:
    """calendar.yml, checked: time zones and holiday rules per country and subdivision, and the
    subdivision of each site that has regional holidays."""

    time_zones: dict[str, str]  # country -> IANA zone
    holidays: dict[str, tuple[str, ...]]  # country -> rules
    subdivisions: dict[str, tuple[str, str | None, tuple[str, ...]]]  # code -> country, zone, rules
    sites: dict[str, str]  # site id -> subdivision code


_SUBDIVISION = re.compile(r"([A-Z]{2})-[A-Z0-9]{1,3}")


def _mapping(value: Any, where: str) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise ServiceDataError(f"{where}: must be a mapping")
    return value


def _zone(value: Any, where: str) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceDataError(f"{where}.time_zone: unknown time zone {value!r}") from None
    return str(value)


def _rules(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ServiceDataError(f"{where}.holidays: must be a list of holiday rules")
    rules = []
    for index, item in enumerate(value):
        # YAML reads an unquoted 2026-06-24 as a date; every other rule is text
        rule = item.isoformat() if isinstance(item, date) else item
        if not isinstance(rule, str):
            raise ServiceDataError(f"{where}.holidays[{index}]: {item!r} is not a holiday rule "
                                   f"(one of {', '.join(RULE_FORMS)}; quote it)")
        try:
            check_holiday_rule(rule)
        except ValueError as exc:
            raise ServiceDataError(f"{where}.holidays[{index}]: {exc}") from None
        rules.append(rule)
    return tuple(rules)


def load_calendar(calendar_file: Path = CALENDAR_FILE) -> SiteCalendar:
    """Read and check the site calendar; a malformed entry raises ServiceDataError naming the
    file, the entry and the rule it breaks."""
    name = calendar_file.name
    try:
        data = yaml.safe_load(calendar_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ServiceDataError(f"{name}: not valid YAML ({exc})") from None
    data = _mapping(data, name)
    unknown = set(data) - {"countries", "subdivisions", "sites"}
    if unknown:
        raise ServiceDataError(f"{name}: unknown section(s) {sorted(unknown)}")
    time_zones: dict[str, str] = {}
    holidays: dict[str, tuple[str, ...]] = {}
    for country, entry in _mapping(data.get("countries"), f"{name}: countries").items():
        where = f"{name}: countries[{country}]"
        if not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
            raise ServiceDataError(f"{where}: a country is an ISO 3166-1 code such as DE")
        entry = _mapping(entry, where)
        time_zones[country] = _zone(entry.get("time_zone"), where)
        holidays[country] = _rules(entry.get("holidays", []), where)
    subdivisions: dict[str, tuple[str, str | None, tuple[str, ...]]] = {}
    for code, entry in _mapping(data.get("subdivisions") or {}, f"{name}: subdivisions").items():
        where = f"{name}: subdivisions[{code}]"
        match = _SUBDIVISION.fullmatch(str(code))
        if not match:
            raise ServiceDataError(f"{where}: a subdivision is an ISO 3166-2 code such as DE-BW")
        if match.group(1) not in time_zones:
            raise ServiceDataError(f"{where}: country {match.group(1)} is not under countries")
        entry = _mapping(entry, where)
        if not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise ServiceDataError(f"{where}: needs a name")
        zone = _zone(entry["time_zone"], where) if "time_zone" in entry else None
        rules = _rules(entry.get("holidays"), where)
        if not rules:
            raise ServiceDataError(f"{where}.holidays: lists no holiday")
        subdivisions[str(code)] = (match.group(1), zone, rules)
    sites: dict[str, str] = {}
    for site_id, code in _mapping(data.get("sites") or {}, f"{name}: sites").items():
        if code not in subdivisions:
            raise ServiceDataError(f"{name}: sites[{site_id}]: {code!r} is not under subdivisions")
        sites[str(site_id)] = code
    return SiteCalendar(time_zones, holidays, subdivisions, sites)


def catalog_from(knowledge: KnowledgeBase, calendar_file: Path = CALENDAR_FILE) -> Catalog:
    """The ticket catalogue of a loaded knowledge pack and the site calendar; refuse entries
    that break the SLA rules or do not fit the calendar."""
    service = knowledge.service
    calendar = load_calendar(calendar_file)
    tiers = {tier.id: _tier(tier) for tier in service.tiers.values()}
    model_family = {model: family.id for family in knowledge.families.values()
                    for model in family.models}
    families = {family.id: {code.upper(): error.severity
                            for code, error in family.error_codes.items()}
                for family in knowledge.families.values()}
    customers: dict[str, Customer] = {}
    for entry in service.customers:
        where = f"{SERVICE_FILE}: customers[{entry.customer_id}]"
        country = entry.country
        if country not in calendar.time_zones:
            raise ServiceDataError(
                f"{where}: country {country} has no entry in {calendar_file.name}")
        if entry.contract_tier not in tiers:
            raise ServiceDataError(f"{where}: unknown contract_tier {entry.contract_tier!r}")
        sites: dict[str, Site] = {}
        assets: dict[str, Asset] = {}
        for site in entry.sites:
            subdivision = calendar.sites.get(site.site_id)
            zone = calendar.time_zones[country]
            if subdivision is not None:
                sub_country, sub_zone, _ = calendar.subdivisions[subdivision]
                if sub_country != country:
                    raise ServiceDataError(
                        f"{calendar_file.name}: sites[{site.site_id}]: {subdivision} is not "
                        f"in {country}, the country of {entry.customer_id}")
                zone = sub_zone or zone
            sites[site.site_id] = Site(site.site_id, site.name, country, zone, subdivision,
                                       site.region)
            for item in site.equipment:
                if item.model_id not in model_family:
                    raise ServiceDataError(f"{where}: {item.serial_no}: unknown model "
                                           f"{item.model_id!r}")
                assets[item.serial_no] = Asset(item.serial_no, item.model_id,
                                               model_family[item.model_id], site.site_id)
        customers[entry.customer_id] = Customer(
            entry.customer_id, entry.name, country, entry.language, entry.contract_tier,
            sites, assets, entry.contact)
    known_sites = {site for customer in customers.values() for site in customer.sites}
    for site_id in calendar.sites:
        if site_id not in known_sites:
            raise ServiceDataError(f"{calendar_file.name}: sites[{site_id}]: no such site in "
                                   f"{SERVICE_FILE}")
    regional = {code: rules for code, (_, _, rules) in calendar.subdivisions.items()}
    technicians = {t.id: t.name for t in service.technicians}
    on_call: dict[str, tuple[Technician, ...]] = {}
    for tech in service.technicians:
        if tech.on_call and tech.region:
            on_call[tech.region] = (*on_call.get(tech.region, ()), tech)
    return Catalog(customers, tiers, families, calendar.holidays, regional, technicians,
                   on_call)


def load_catalog(knowledge_dir: Path, calendar_file: Path = CALENDAR_FILE) -> Catalog:
    """The catalogue of the pack in `knowledge_dir`, read afresh by the knowledge loader."""
    return catalog_from(load_knowledge(knowledge_dir), calendar_file)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The configured knowledge pack's service data (ASSISTANT_KNOWLEDGE_DIR, as for the expert
    system), built once per process."""
    return catalog_from(default_knowledge())
