"""Dates and times as the customer reads them: in the site's time zone, named, and in the
conventions of the customer's language ("4 Mar 2026, 17:05 EET", "04.03.2026, 17:05 EET"),
by Babel's CLDR data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

# English for the service's European customers (24-hour clock, day before month).
LOCALES = {"en": "en_GB", "el": "el_GR", "de": "de_DE", "fr": "fr_FR", "es": "es_ES"}


def moment_text(moment: datetime, zone: str | None, language: str) -> str:
    """The moment in `zone` (UTC when the site is not known), with the zone's name."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(zone or "UTC"))
    locale = LOCALES.get(language, "en_GB")
    return (f"{format_date(local, 'medium', locale=locale)}, "
            f"{format_time(local, 'short', locale=locale)} {local.tzname() or zone or 'UTC'}")


def day_text(day: date, language: str) -> str:
    """A date alone ("2 Apr 2026", "02.04.2026")."""
    return format_date(day, "medium", locale=LOCALES.get(language, "en_GB"))
