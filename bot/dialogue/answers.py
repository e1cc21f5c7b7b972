"""Answers from the service data: maintenance schedules, spare parts, contract and warranty.

Texts of the knowledge pack (task descriptions, part names) come in the customer's language
from the translated catalogues (knowledge/i18n), English where a translation is missing."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.dialogue.messages import say
from bot.dialogue.replies import Reply
from bot.dialogue.service import AssetInfo, PartInfo, ServiceData
from bot.dialogue.text import fold

Catalogues = dict[str, dict[str, dict[str, Any]]]  # language -> family -> catalogue


def _translated(catalogues: Catalogues, language: str, family: str, section: str, key: str,
                field: str, english: str) -> str:
    entry = (((catalogues.get(language) or {}).get(family) or {}).get(section) or {}).get(key)
    value = entry.get(field) if isinstance(entry, dict) else None
    return value if isinstance(value, str) and value.strip() else english


def _interval(task: dict[str, Any], language: str) -> str:
    parts = []
    if task.get("interval_hours"):
        parts.append(say("every_hours", language, hours=task["interval_hours"]))
    if task.get("interval_months"):
        parts.append(say("every_months", language, months=task["interval_months"]))
    return " / ".join(parts)


def maintenance_answer(asset: AssetInfo, language: str, *, service: ServiceData,
                       catalogues: Catalogues) -> Reply:
    lines = [say("maintenance_header", language, model=asset.model)]
    for task in service.maintenance.get(asset.family, []):
        if task.get("models") and asset.model not in task["models"]:
            continue
        label = _translated(catalogues, language, asset.family, "maintenance_schedule",
                            task["id"], "label", str(task.get("label", "")))
        text = _translated(catalogues, language, asset.family, "maintenance_schedule",
                           task["id"], "task", str(task.get("task", "")))
        interval = _interval(task, language)
        lines.append(f"- {label}{f' ({interval})' if interval else ''}: {text}")
    if asset.running_hours:
        lines.append(say("running_hours", language, hours=f"{asset.running_hours:,}".replace(
            ",", " ")))
    return Reply("\n".join(lines), custom={"kind": "maintenance", "model": asset.model})


def _words(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"\w{3,}", fold(text))}


def match_parts(query: str, candidates: list[PartInfo], language: str,
                catalogues: Catalogues) -> list[PartInfo]:
    """Parts whose name (English or in the customer's language) shares words with the query,
    best first; prefixes of five letters absorb plurals and most inflection."""
    asked = _words(query)
    scored = []
    for part in candidates:
        name = _translated(catalogues, language, part.family, "parts", part.part_no, "name",
                           part.name)
        overlap = len(asked & (_words(name) | _words(part.name)))
        if overlap:
            scored.append((overlap, part))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    return [part for score, part in scored if score == best]


def part_answer(part: PartInfo, language: str, *, service: ServiceData,
                catalogues: Catalogues, asset: AssetInfo | None) -> str:
    name = _translated(catalogues, language, part.family, "parts", part.part_no, "name",
                       part.name)
    warehouse = service.warehouse_for(asset.region) if asset else None
    if warehouse and part.stock.get(warehouse, 0) > 0:
        availability = say("part_in_stock_at", language, count=part.stock[warehouse],
                           warehouse=service.warehouse_name(warehouse))
    elif sum(part.stock.values()) > 0:
        availability = say("part_in_stock_elsewhere", language, count=sum(part.stock.values()))
    else:
        availability = say("part_out_of_stock", language, days=f"{part.lead_time_days:g}")
    price = f"{part.price_eur:,.2f}".replace(",", " ")
    text = say("part_answer", language, part_no=part.part_no, name=name, price=price,
               availability=availability, days=f"{part.lead_time_days:g}",
               models=", ".join(part.compatible_models))
    if asset and asset.tier:
        discount = service.tier(asset.tier).get("parts_discount_pct") or 0
        if discount:
            text += " " + say("part_discount", language, discount=discount,
                              tier=service.tier(asset.tier)["name"])
    return text


def spare_part_answer(query: str, language: str, *, service: ServiceData,
                      catalogues: Catalogues, part_number: str | None,
                      asset: AssetInfo | None) -> Reply | None:
    """The answer about a named part or parts matched by name; None when nothing matches."""
    if part_number and part_number in service.parts:
        parts = [service.parts[part_number]]
    else:
        pool = service.parts_for(model=asset.model) if asset else list(service.parts.values())
        parts = match_parts(query, pool, language, catalogues)[:4]
    if not parts:
        return None
    text = "\n".join(part_answer(p, language, service=service, catalogues=catalogues,
                                 asset=asset) for p in parts)
    return Reply(text, custom={"kind": "spare_part",
                               "part_numbers": [p.part_no for p in parts]})


def contract_answer(asset: AssetInfo, language: str, *, service: ServiceData,
                    today: date) -> Reply:
    tier = service.tier(asset.tier or "basic")
    hours = tier["response_time_h"]
    lines = [say("contract_header", language, customer=asset.customer_name or "",
                 tier=tier["name"], window=tier.get("coverage_window", "")),
             say("contract_response_times", language, p1=hours["P1"], p2=hours["P2"],
                 p3=hours["P3"], p4=hours["P4"])]
    lines.append(say("contract_hotline_yes" if tier.get("hotline_24_7") else
                     "contract_hotline_no", language))
    lines.append(say("contract_visits", language,
                     visits=tier.get("preventive_visits_per_year", 0),
                     discount=tier.get("parts_discount_pct", 0)))
    warranty = service.warranty
    months = int(warranty.get("standard_months_from_commissioning", 24))
    if asset.install_date:
        if tier.get("extended_warranty"):
            months = max(months, 60)
        end = _add_months(asset.install_date, months)
        key = "warranty_active" if end >= today else "warranty_expired"
        lines.append(say(key, language, serial=asset.serial or asset.model,
                         end=end.isoformat(), months=months))
    return Reply("\n".join(lines), custom={"kind": "contract", "tier": tier["id"]})


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, 28))
