"""Webhook notifications from the outbox: nothing is lost while the receiver is down."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from db.tickets import OutboxEvent
from tests.conftest import free_port
from tests.tickets.receiver import Receiver
from tests.tickets.test_store import create
from tickets.database import reading
from tickets.outbox import DeliveryPolicy, deliver_due, pending_count, sign


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture()
def receiver():
    hook = Receiver(free_port())
    yield hook
    hook.stop()


def test_events_survive_a_receiver_outage_and_arrive_once(engine, receiver):
    clock, policy = Clock(), DeliveryPolicy(base_delay_s=2, max_delay_s=30)
    create(engine)  # ticket.created + ticket.escalated
    with httpx.Client() as client:
        # receiver down: connection refused, each event rescheduled with backoff
        assert deliver_due(engine, client=client, url=receiver.url, secret="s", now=clock,
                           policy=policy) == (0, 2)
        assert deliver_due(engine, client=client, url=receiver.url, secret="s", now=clock,
                           policy=policy) == (0, 0)  # not due before the backoff delay
        clock.advance(2)
        assert deliver_due(engine, client=client, url=receiver.url, secret="s", now=clock,
                           policy=policy) == (0, 2)
        with reading(engine) as session:
            rows = session.scalars(select(OutboxEvent)).all()
        assert {r.attempts for r in rows} == {2}
        assert {r.next_attempt_at for r in rows} == {clock.now + timedelta(seconds=4)}
        # receiver up but failing: still retried
        receiver.start()
        receiver.status = 503
        clock.advance(4)
        assert deliver_due(engine, client=client, url=receiver.url, secret="s", now=clock,
                           policy=policy) == (0, 2)
        # receiver healthy: everything arrives, once, signed
        receiver.status = 200
        create(engine, key="second")
        clock.advance(8)
        assert deliver_due(engine, client=client, url=receiver.url, secret="s", now=clock,
                           policy=policy) == (4, 0)
        clock.advance(600)
        assert deliver_due(engine, client=client, url=receiver.url, secret="s", now=clock,
                           policy=policy) == (0, 0)
        # stopped again, then started: the next events wait and then arrive
        receiver.stop()
        create(engine, key="third", escalation_reason=None)
        assert deliver_due(engine, client=client, url=receiver.url, secret="s", now=clock,
                           policy=policy)[1] == 1
        receiver.start()
        clock.advance(2)
        assert deliver_due(engine, client=client, url=receiver.url, secret="s", now=clock,
                           policy=policy) == (1, 0)
    assert [e["event"] for e in receiver.received] == [
        "ticket.created", "ticket.escalated", "ticket.created", "ticket.escalated",
        "ticket.created"]
    assert len({e["event_id"] for e in receiver.received}) == 5
    assert pending_count(engine) == 0
    first = receiver.received[0]
    assert first["ticket"]["customer_id"] == "CUST-001" and first["ticket"]["priority"] == "P2"
    import json

    body = json.dumps(first, sort_keys=True).encode()
    assert receiver.headers[0]["X-Helios-Signature"] == sign(body, "s")


def test_backoff_grows_exponentially_and_is_capped():
    policy = DeliveryPolicy(base_delay_s=2, max_delay_s=30)
    assert [policy.delay(n).total_seconds() for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]


def test_worker_in_the_app_lifespan_delivers(app, api_settings, keys, receiver):
    receiver.start()
    app.dependency_overrides.clear()
    # No broker: telemetry published on the machine's broker (a simulator running) would open
    # tickets of its own in this app and reach the receiver too.
    settings = api_settings.model_copy(update={"tickets_webhook_url": receiver.url,
                                               "tickets_worker_interval_s": 0.2,
                                               "mqtt_url": ""})
    from api.deps import get_settings

    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app) as client:
        response = client.post("/api/v1/tickets", headers={"Authorization":
                                                           f"Bearer {keys['engineer']}"},
                               json={"customer_id": "CUST-003", "subject": "chiller alarm",
                                     "description": "HP alarm", "type": "incident"})
        assert response.status_code == 201
        deadline = time.monotonic() + 20
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [e["event"] for e in receiver.received] == ["ticket.created"]
    assert receiver.received[0]["ticket"]["id"] == response.json()["id"]
    # The worker addresses it: an engineer's P3 from the console reaches no one.
    assert (receiver.received[0]["kind"], receiver.received[0]["recipients"]) == (
        "incident", [])



def test_production_refuses_an_unsigned_webhook(api_settings):
    from api.background import lifespan
    from api.deps import get_settings
    from api.main import create_app

    production = api_settings.model_copy(update={
        "environment": "production", "tickets_webhook_url": "http://127.0.0.1:9/hook",
        "tickets_webhook_secret": None})
    application = create_app()
    application.dependency_overrides[get_settings] = lambda: production

    async def start() -> None:
        async with lifespan(application):
            pass

    import asyncio

    with pytest.raises(RuntimeError, match="WEBHOOK_SECRET"):
        asyncio.run(start())
