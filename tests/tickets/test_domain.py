"""SLA clocks, priority rules and the status workflow (pure functions, no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.settings import PROJECT_ROOT
from tickets import sla, workflow
from tickets.catalog import default_catalog, load_catalog
from tickets.domain import NewTicket, build_ticket, plan_update
from tickets.errors import ServiceDataError, TicketConflictError, UnknownReferenceError
from tickets.priority import derive_priority

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
CATALOG = default_catalog()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("customer", "priority", "created", "response_due"), [
    # premium 24/7 (Greece): calendar hours, a Saturday night counts
    ("CUST-001", "P1", utc(2026, 11, 28, 3, 0), utc(2026, 11, 28, 4, 0)),
    # basic Mon-Fri 08-17 Brussels: 1 h on Friday, 7 h on Monday
    ("CUST-006", "P1", utc(2026, 11, 27, 15, 0), utc(2026, 11, 30, 14, 0)),
    # basic, opened on a Saturday: the clock starts on Monday 08:00 local
    ("CUST-006", "P1", utc(2026, 11, 28, 10, 0), utc(2026, 11, 30, 15, 0)),
    # basic Seville: Tuesday 8 December is a Spanish public holiday
    ("CUST-007", "P1", utc(2026, 12, 7, 15, 0), utc(2026, 12, 9, 14, 0)),
    # standard Mon-Sat 07-19 Berlin: 4 h on Saturday, Sunday off, 4 h on Monday
    ("CUST-004", "P2", utc(2026, 11, 28, 14, 0), utc(2026, 11, 30, 10, 0)),
    # basic across the spring daylight-saving change (Brussels, 29 March 2026)
    ("CUST-006", "P1", utc(2026, 3, 27, 15, 0), utc(2026, 3, 30, 13, 0)),
    # Greek Orthodox Easter Monday 2026 (13 April) is skipped for a standard contract
    # (2 h on Saturday 17-19 local, Sunday off, Monday a holiday, 6 h on Tuesday from 07:00)
    ("CUST-002", "P2", utc(2026, 4, 11, 14, 0), utc(2026, 4, 14, 10, 0)),
])
def test_response_deadline(customer, priority, created, response_due):
    due = sla.deadlines(catalog=CATALOG, customer=CATALOG.customer(customer), site_id=None,
                        priority=priority, created_at=created)
    assert due.response_due_at == response_due


def test_resolution_deadline_of_a_24_7_contract_is_calendar_time():
    due = sla.deadlines(catalog=CATALOG, customer=CATALOG.customer("CUST-009"), site_id=None,
                        priority="P2", created_at=utc(2026, 12, 25, 12, 0))
    assert due.resolution_due_at == utc(2026, 12, 26, 12, 0)
    assert due.clock == "calendar_hours" and due.time_zone == "Europe/London"


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"ticket_type": "question"}, "P4"),
    ({"ticket_type": "service_request"}, "P4"),
    ({"ticket_type": "incident"}, "P3"),
    ({"ticket_type": "incident", "error_code": "E102", "family": "rotary_screw_compressor"}, "P2"),
    ({"ticket_type": "incident", "error_code": "e101"}, "P3"),
    ({"ticket_type": "incident", "escalation_reason": "critical"}, "P1"),
    ({"ticket_type": "incident", "production_down": True}, "P1"),
    # asking for a lower priority than the rules give does not lower it
    ({"ticket_type": "incident", "requested": "P4", "error_code": "E102"}, "P2"),
    ({"ticket_type": "question", "requested": "P2"}, "P2"),
])
def test_priority_rules(kwargs, expected):
    args = {"requested": None, "escalation_reason": None, "error_code": None, "family": None}
    assert derive_priority(catalog=CATALOG, **{**args, **kwargs}) == expected


def test_workflow_happy_path_and_reopen():
    path = ["new", "triaged", "assigned", "in_progress", "waiting_customer", "in_progress",
            "resolved", "closed", "triaged"]
    for current, target in zip(path, path[1:], strict=False):
        workflow.check_transition(current, target)


def test_refused_transition_names_the_allowed_ones():
    with pytest.raises(TicketConflictError) as info:
        workflow.check_transition("new", "resolved")
    assert info.value.allowed == ["triaged", "assigned"]


def new_ticket(**overrides):
    values = {"customer_id": "CUST-001", "subject": "E102", "description": "trips",
              "type": "incident"}
    return NewTicket(**{**values, **overrides})


def test_asset_fills_model_family_and_site():
    values = build_ticket(new_ticket(serial="W120-2022-00031", error_code="E102"),
                          catalog=CATALOG, created_by="bot", now=utc(2026, 11, 27, 12))
    assert (values["model"], values["family"], values["site_id"]) == (
        "HWC-120", "air_cooled_water_chiller", "S-001-01")
    assert values["language"] == "el" and values["contract_tier"] == "premium_24_7"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"customer_id": "CUST-999"}, "customer_id"),
    ({"serial": "H37S-2019-00412"}, "serial"),  # CUST-002's compressor, not CUST-001's
    ({"site_id": "S-002-01"}, "site_id"),
    ({"family": "toasters"}, "family"),
])
def test_unknown_references_are_refused(overrides, field):
    with pytest.raises(UnknownReferenceError) as info:
        build_ticket(new_ticket(**overrides), catalog=CATALOG, created_by="bot",
                     now=utc(2026, 11, 27, 12))
    assert info.value.field == field


def test_assignment_moves_a_new_ticket_to_assigned_and_priority_recomputes_sla():
    values = build_ticket(new_ticket(), catalog=CATALOG, created_by="bot",
                          now=utc(2026, 11, 27, 12))
    changes = plan_update(values, assignee="T-GR-01", priority="P1", catalog=CATALOG,
                          now=utc(2026, 11, 27, 12, 5))
    assert changes["status"] == "assigned" and changes["assignee"] == "T-GR-01"
    assert changes["response_due_at"] == utc(2026, 11, 27, 13)  # premium P1: 1 h
    assert changes["next_due_at"] == changes["response_due_at"]


def test_malformed_service_data_names_file_and_entry(tmp_path):
    text = (KNOWLEDGE_DIR / "service.yml").read_text(encoding="utf-8").replace(
        "coverage_window: Mon-Fri 08:00-17:00", "coverage_window: weekdays", 1)
    (tmp_path / "service.yml").write_text(text, encoding="utf-8")
    for family in ("compressors.yml", "pumps.yml", "chillers.yml"):
        (tmp_path / family).write_text((KNOWLEDGE_DIR / family).read_text(encoding="utf-8"),
                                       encoding="utf-8")
    with pytest.raises(ServiceDataError, match=r"service.yml: contract_tiers\[basic\]"):
        load_catalog(tmp_path)
