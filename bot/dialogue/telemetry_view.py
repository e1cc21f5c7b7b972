"""A unit's telemetry as the customer reads it: each reading named in their language, its value
with the language's decimal mark and its unit ("Differenzdruck am Ölabscheider 1,9 bar"), and
when it was reported. Shared by the chat opened from an alert (bot/dialogue/flows/alerts.py)
and the diagnosis that starts from a unit's recent telemetry (bot/dialogue/flows/diagnosis.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.dialogue.dates import moment_text
from bot.dialogue.messages import catalogue
from tickets.catalog import Catalog


def reading_text(name: str, value: Any, family: Any, language: str) -> str:
    """One reading: its name in the language, the value with its decimal mark, the unit."""
    obs = family.observations.get(name)
    unit = f" {obs.unit}" if obs is not None and obs.unit else ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        value = f"{value:g}" if language == "en" else f"{value:g}".replace(".", ",")
    label = catalogue(language).get(f"reading_{name}") or catalogue("en").get(
        f"reading_{name}") or name
    return f"{label} {value}{unit}"


def readings_text(readings: Mapping[str, Any], family: Any, language: str) -> str:
    """The readings in the order of their names, comma-separated ("" when there are none)."""
    return ", ".join(reading_text(name, value, family, language)
                     for name, value in sorted(readings.items()))


def reported_at(at: datetime, zone: str | None, language: str) -> str:
    """When the unit reported, as the chat says it: in the site's time zone, named, as the
    customer's language writes dates (UTC when the site's zone is not known)."""
    return moment_text(at, zone, language)


def site_zone(customer_id: str | None, site_id: str | None, catalog: Catalog) -> str | None:
    """The time zone of the machine's site, if the catalogue knows it."""
    customer = catalog.customers.get(customer_id or "")
    site = customer.sites.get(site_id or "") if customer else None
    return site.time_zone if site else None
