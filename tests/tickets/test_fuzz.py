"""Property-based fuzzing of the ticket API from its OpenAPI schema: no input makes a 5xx.

Bounded (a few examples per operation) so that it runs in well under two minutes; raise
FUZZ_EXAMPLES for a longer hunt."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.auth import key_store
from api.deps import engine_for, get_settings
from api.main import create_app
from core.settings import Settings
from db.migrate import upgrade
from tickets import store
from tickets.catalog import default_catalog
from tickets.domain import Actor, NewTicket

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
FUZZED_PATHS = r"^/api/v1/(tickets|conversations)"


@pytest.fixture()
def fuzz_key(tmp_path) -> tuple[Settings, str]:
    url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    upgrade(url)
    config = Settings(database_url=url, data_dir=tmp_path, tickets_worker_interval_s=0,
                      tickets_max_body_bytes=64 * 1024)
    key, _ = key_store.create_key(engine_for(config), role="admin", name="fuzzer")
    # a ticket for the operations that name one to find something now and then
    return config, key


def seed_ticket(config: Settings) -> str:
    ticket, _ = store.create_ticket(
        engine_for(config), actor=Actor(name="seed", role="assistant"),
        catalog=default_catalog(), now=datetime.now(UTC),
        new=NewTicket(customer_id="CUST-001", subject="seed", description="seed",
                      type="incident", conversation_id="conv-fuzz"))
    return ticket.id


def aim_at_real_records(case: schemathesis.Case, ticket_id: str) -> None:
    if case.path_parameters:
        if "ticket_id" in case.path_parameters:
            case.path_parameters["ticket_id"] = ticket_id
        if "conversation_id" in case.path_parameters:
            case.path_parameters["conversation_id"] = "conv-fuzz"
    if isinstance(case.body, dict) and "customer_id" in case.body:
        case.body["customer_id"] = "CUST-001"
        for reference in ("serial", "site_id", "family"):
            case.body.pop(reference, None)


def test_no_input_makes_a_server_error(fuzz_key):
    config, key = fuzz_key
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: config
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(
        path_regex=FUZZED_PATHS)
    ticket_id = seed_ticket(config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures: list[str] = []
    statuses: set[tuple[str, int]] = set()
    for operation in operations:

        @given(case=operation.as_strategy(), real=st.booleans())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def no_server_error(case: schemathesis.Case, real: bool) -> None:
            if real:  # half the cases aim at things that exist, to get past the 404s and 422s
                aim_at_real_records(case, ticket_id)
            response = case.call(headers={"Authorization": f"Bearer {key}"})
            statuses.add((case.method, response.status_code))
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> "
                                f"{response.status_code}: {response.text[:300]}")

        no_server_error()
    assert not failures, "\n".join(failures)
    # the fuzzer got past validation too: it created and changed tickets
    assert {("POST", 201), ("PATCH", 200)} <= statuses, sorted(statuses)
