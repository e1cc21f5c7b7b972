"""ASSISTANT_KNOWLEDGE_DIR moves all of the knowledge pack: one loader reads it, and the expert
system, the dialogue's service answers and the ticket catalogue all see the deployment's own
facts (a fault's text, a part's price, a contract's response time)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.dialogue.answers import spare_part_answer
from bot.dialogue.service import default_service_data
from core.knowledge.loader import default_knowledge
from core.settings import PROJECT_ROOT, get_settings
from rules.simulate import Operator, run_session
from runtime.resources import diagnoser_for
from tickets.catalog import default_catalog
from tickets.domain import NewTicket, build_ticket

FAULT, FAMILY = "pump_not_primed_air_bound", "centrifugal_process_pump"
FAULT_NAME, OWN_FAULT_NAME = "Pump not primed or air-bound", "Casing full of air, prime it"
PART, PRICE, OWN_PRICE = "HSC-OF-037", "52.00", "61.00"
PREMIUM_HOURS = "response_time_h: {P1: 1, P2: 4, P3: 8, P4: 24}"
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def _replace_once(path: Path, old: str, new: str, *, on_line_with: str | None = None) -> None:
    text = path.read_text(encoding="utf-8")
    if on_line_with is not None:
        line = next(x for x in text.splitlines() if on_line_with in x)
        old, new = line, line.replace(old, new)
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _clear_caches() -> None:
    for cached in (get_settings, default_catalog, default_service_data):
        cached.cache_clear()


@pytest.fixture()
def own_pack(tmp_path, monkeypatch):
    pack = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", pack)
    _replace_once(pack / "pumps.yml", f"name: {FAULT_NAME}", f"name: {OWN_FAULT_NAME}")
    _replace_once(pack / "compressors.yml", "unit_price_eur: 52", "unit_price_eur: 61",
                  on_line_with=f"part_no: {PART}")
    _replace_once(pack / "service.yml", PREMIUM_HOURS, PREMIUM_HOURS.replace("P1: 1,", "P1: 2,"))
    monkeypatch.setenv("ASSISTANT_KNOWLEDGE_DIR", str(pack))
    _clear_caches()
    yield pack
    _clear_caches()


def _diagnosed_fault_name() -> str:
    diagnoser = diagnoser_for(get_settings())
    family = diagnoser.kb.families[FAMILY]
    _state, out, _questions = run_session(diagnoser,
                                          Operator(family, diagnoser.models[FAMILY], FAULT))
    assert out["conclusion"]["fault_id"] == FAULT
    return str(out["conclusion"]["fault_name"])


def _parts_answer() -> str:
    reply = spare_part_answer("oil filter", "en", service=default_service_data(),
                              catalogues=default_knowledge().catalogues, part_number=PART,
                              asset=None)
    assert reply is not None
    return reply.text


def _premium_p1_response_hours() -> float:
    new = NewTicket(customer_id="CUST-001", subject="A022", description="no flow",
                    type="incident", priority="P1")  # CUST-001: premium 24/7, calendar hours
    ticket = build_ticket(new, catalog=default_catalog(), created_by="bot", now=NOW)
    return float((ticket["response_due_at"] - NOW) / timedelta(hours=1))


def test_a_deployments_own_pack_is_read_everywhere(own_pack):
    assert get_settings().knowledge_dir == own_pack
    assert _diagnosed_fault_name() == OWN_FAULT_NAME
    assert OWN_PRICE in _parts_answer()
    assert _premium_p1_response_hours() == 2


def test_the_repositorys_pack_by_default():
    assert _diagnosed_fault_name() == FAULT_NAME
    assert PRICE in _parts_answer()
    assert _premium_p1_response_hours() == 1
