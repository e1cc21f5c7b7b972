"""The site calendar: national and regional holidays, sites mapped to their subdivision, and
malformed calendars refused with the file and the entry named."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.settings import PROJECT_ROOT
from tickets import sla
from tickets.catalog import (
    CALENDAR_FILE,
    check_holiday_rule,
    default_catalog,
    load_calendar,
    load_catalog,
)
from tickets.errors import ServiceDataError

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
CATALOG = default_catalog()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("site", "subdivision"), [
    ("S-003-01", "DE-BW"),  # Pforzheim
    ("S-004-01", "DE-BY"),  # Bamberg
    ("S-007-01", "ES-AN"),  # Dos Hermanas, Sevilla
    ("S-008-01", "ES-VC"),  # Valencia
    ("S-008-02", "ES-VC"),  # Almassora, Castellón
    ("S-009-01", "GB-ENG"),  # Cambridge
    ("S-005-01", None),  # Annecy: France's regional holidays are Alsace-Moselle's only
    ("S-001-01", None),
])
def test_sites_lie_in_their_subdivision(site, subdivision):
    sites = {s.site_id: s for c in CATALOG.customers.values() for s in c.sites.values()}
    assert sites[site].subdivision == subdivision


@pytest.mark.parametrize(("country", "subdivision", "day", "holiday"), [
    ("DE", "DE-BW", date(2026, 1, 6), True),  # Epiphany
    ("DE", "DE-BY", date(2026, 1, 6), True),
    ("DE", None, date(2026, 1, 6), False),  # not a national holiday
    ("DE", "DE-BW", date(2026, 6, 4), True),  # Corpus Christi: Easter (5 April) + 60
    ("DE", "DE-BY", date(2027, 5, 27), True),  # ... and in 2027 (Easter 28 March)
    ("DE", "DE-BY", date(2026, 8, 15), True),  # Assumption (Bamberg)
    ("DE", "DE-BW", date(2026, 8, 15), False),
    ("DE", "DE-BW", date(2026, 11, 1), True),  # All Saints
    ("DE", "DE-BW", date(2026, 10, 3), True),  # national holidays hold in every region
    ("ES", "ES-VC", date(2026, 3, 19), True),  # Sant Josep
    ("ES", "ES-VC", date(2026, 4, 6), True),  # Easter Monday
    ("ES", "ES-VC", date(2026, 6, 24), True),  # Sant Joan
    ("ES", "ES-VC", date(2026, 10, 9), True),  # Dia de la Comunitat Valenciana
    ("ES", "ES-AN", date(2026, 3, 19), False),
    ("ES", "ES-AN", date(2026, 2, 28), True),  # Día de Andalucía
    ("ES", "ES-AN", date(2026, 4, 2), True),  # Maundy Thursday
    ("ES", "ES-AN", date(2026, 4, 6), False),
    ("GB", None, date(2026, 5, 4), True),  # Early May bank holiday: first Monday of May
    ("GB", None, date(2026, 5, 25), True),  # Spring bank holiday: last Monday of May
    ("GB", "GB-ENG", date(2026, 8, 31), True),  # Summer bank holiday: last Monday of August
    ("GB", "GB-ENG", date(2027, 8, 30), True),
    ("GB", None, date(2026, 8, 31), False),
])
def test_national_and_regional_holidays(country, subdivision, day, holiday):
    assert CATALOG.is_holiday(country, day, subdivision) is holiday


@pytest.mark.parametrize(("customer", "priority", "created", "response_due"), [
    # standard Mon-Sat 07-19 Bamberg: P2 (8 h) opened Wed 3 June 2026 15:00 local: 4 h on
    # Wednesday, Thursday is Corpus Christi in Bavaria, 4 h on Friday
    ("CUST-004", "P2", utc(2026, 6, 3, 13), utc(2026, 6, 5, 9)),
    # ... and Epiphany (Tuesday 6 January 2026): Monday 15:00 -> Wednesday 11:00
    ("CUST-004", "P2", utc(2026, 1, 5, 14), utc(2026, 1, 7, 10)),
    # basic Mon-Fri 08-17 Seville: P1 (8 h) opened Wed 1 April 2026 16:00 local: 1 h on
    # Wednesday, Maundy Thursday (Andalusia) and Good Friday (Spain), 7 h on Monday
    ("CUST-007", "P1", utc(2026, 4, 1, 14), utc(2026, 4, 6, 13)),
    # 24/7 Valencia: Sant Josep changes nothing for a calendar-hours clock
    ("CUST-008", "P1", utc(2026, 3, 19, 10), utc(2026, 3, 19, 11)),
])
def test_business_clocks_skip_regional_holidays(customer, priority, created, response_due):
    due = sla.deadlines(catalog=CATALOG, customer=CATALOG.customer(customer), site_id=None,
                        priority=priority, created_at=created)
    assert due.response_due_at == response_due


@pytest.mark.parametrize(("rule", "year", "expected"), [
    ("Mon>=05-01", 2026, date(2026, 5, 4)),
    ("Mon>=05-01", 2028, date(2028, 5, 1)),  # 1 May 2028 is a Monday
    ("Mon<=05-31", 2026, date(2026, 5, 25)),
    ("Sun<=03-31", 2026, date(2026, 3, 29)),
    ("easter-3", 2026, date(2026, 4, 2)),
    ("orthodox_easter+1", 2026, date(2026, 4, 13)),
])
def test_rule_dates(rule, year, expected):
    from tickets.catalog import _holiday_date

    check_holiday_rule(rule)
    assert _holiday_date(rule, year) == expected


def test_a_one_off_rule_holds_in_its_year_only(tmp_path):
    text = CALENDAR_FILE.read_text(encoding="utf-8").replace(
        'holidays: ["02-28", "easter-3"]', 'holidays: ["02-28", "easter-3", 2027-03-01]')
    calendar = tmp_path / "calendar.yml"
    calendar.write_text(text, encoding="utf-8")
    catalog = load_catalog(KNOWLEDGE_DIR, calendar)
    assert catalog.is_holiday("ES", date(2027, 3, 1), "ES-AN")
    assert not catalog.is_holiday("ES", date(2026, 3, 1), "ES-AN")


def test_the_repository_calendar_loads():
    calendar = load_calendar()
    assert set(calendar.sites.values()) <= set(calendar.subdivisions)
    assert calendar.time_zones["ES"] == "Europe/Madrid"


BW = 'holidays: ["01-06", "easter+60", "11-01"]'


@pytest.mark.parametrize(("old", "new", "message"), [
    (BW, 'holidays: ["01-06", "13-01"]',
     r"calendar\.yml: subdivisions\[DE-BW\]\.holidays\[1\]: '13-01' names no date"),
    (BW, 'holidays: ["02-29"]', r"subdivisions\[DE-BW\]\.holidays\[0\]: '02-29' names no date"),
    (BW, 'holidays: ["Corpus Christi"]',
     r"subdivisions\[DE-BW\]\.holidays\[0\]: 'Corpus Christi' is not a holiday rule"),
    (BW, "holidays: [106]", r"subdivisions\[DE-BW\]\.holidays\[0\]: 106 is not a holiday rule"),
    (BW, "holidays: []", r"subdivisions\[DE-BW\]\.holidays: lists no holiday"),
    (BW, 'holidays: "01-06"', r"subdivisions\[DE-BW\]\.holidays: must be a list"),
    ("  DE-BW:\n", "  XX-BW:\n", r"subdivisions\[XX-BW\]: country XX is not under countries"),
    ("  DE-BW:\n", "  Baden:\n", r"subdivisions\[Baden\]: a subdivision is an ISO 3166-2 code"),
    ("    name: Baden-Württemberg\n", "", r"subdivisions\[DE-BW\]: needs a name"),
    ("    name: Baden-Württemberg\n", "    name: BW\n    time_zone: Europe/Stuttgart\n",
     r"subdivisions\[DE-BW\]\.time_zone: unknown time zone 'Europe/Stuttgart'"),
    ("S-003-01: DE-BW", "S-003-01: DE-XX", r"calendar\.yml: sites\[S-003-01\]: 'DE-XX' is not"),
    ("S-003-01: DE-BW", "S-999-01: DE-BW",
     r"calendar\.yml: sites\[S-999-01\]: no such site in service\.yml"),
    ("S-003-01: DE-BW", "S-003-01: ES-VC",
     r"calendar\.yml: sites\[S-003-01\]: ES-VC is not in DE"),
    ("Europe/Berlin", "Europe/Bonn", r"countries\[DE\]\.time_zone: unknown time zone"),
    ('"easter-2", "easter+1", "05-01"', '"easter-2", "easter+1", "05-32"',
     r"calendar\.yml: countries\[DE\]\.holidays\[3\]: '05-32' names no date"),
    ("sites:\n", "site:\n", r"calendar\.yml: unknown section\(s\) \['site'\]"),
    ("countries:\n", "countries: [\n", r"calendar\.yml: not valid YAML"),
])
def test_malformed_calendar_names_file_and_entry(tmp_path, old, new, message):
    text = CALENDAR_FILE.read_text(encoding="utf-8")
    assert old in text, old
    calendar = tmp_path / "calendar.yml"
    calendar.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ServiceDataError, match=message):
        load_catalog(KNOWLEDGE_DIR, calendar)
