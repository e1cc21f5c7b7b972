"""The real system for end-to-end tests: trained model, Rasa server and API on free ports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from core.settings import Settings
from db.tickets import Ticket
from launcher.supervisor import StartupError, Supervisor
from launcher.system import start_system, wait_until_warm
from tests.conftest import RASA_BIN, free_port


@dataclass
class RunningSystem:
    settings: Settings
    supervisor: Supervisor
    log: Path

    @property
    def rasa(self) -> str:
        return f"http://{self.settings.rasa_host}:{self.settings.rasa_port}"

    @property
    def api(self) -> str:
        return f"http://{self.settings.api_host}:{self.settings.api_port}"

    def chat(self, sender: str, message: str, identity: str | None = None) -> list[dict]:
        """One message through Rasa's REST channel; with the signed identity the chat page
        forwards (as metadata) when `identity` is given."""
        body: dict[str, Any] = {"sender": sender, "message": message}
        if identity:
            body["metadata"] = {"identity": identity}
        response = httpx.post(f"{self.rasa}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def identity(self, customer_id: str) -> str:
        """A token proving the customer, as the portal's sign-in issues it."""
        from datetime import UTC, datetime, timedelta  # only the tests that sign in need it

        from core import identity
        from core.signing import secret_for

        secret = secret_for(self.settings.data_dir, self.settings.link_secret)
        token, _ = identity.issue(customer_id, secret, now=datetime.now(UTC),
                                  ttl=timedelta(hours=1))
        return token

    def ticket(self, number: int) -> dict[str, Any]:
        """The stored ticket, read from the system's database."""
        engine = create_engine(self.settings.resolved_db_url(self.settings.database_url))
        try:
            with engine.connect() as connection:
                row = connection.execute(select(Ticket.__table__).where(
                    Ticket.number == number)).mappings().one()
                return dict(row)
        finally:
            engine.dispose()


def start(settings: Settings, log: Path) -> Supervisor:
    # Left open: the supervisor's reader threads write the children's output here until exit.
    out = open(log, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    try:
        supervisor = start_system(settings, out)
    except StartupError as exc:
        pytest.fail(f"the system did not start: {exc}")
    # As a balancer waits before it sends a replica customers (GET /readyz).
    if not wait_until_warm(settings):
        pytest.fail("the API did not load its slow parts in time (GET /readyz)")
    return supervisor


@pytest.fixture(scope="session")
def system_settings(tmp_path_factory) -> Settings:
    if not RASA_BIN.exists():
        pytest.fail("the Rasa environment is missing: run `make setup` (make test does)")
    state = tmp_path_factory.mktemp("state")
    return Settings(
        api_port=free_port(), rasa_port=free_port(), data_dir=state,
        database_url=f"sqlite:///{state}/tickets.db",
        tracker_store_url=f"sqlite:///{state}/rasa_tracker.db",
        index_dir=state / "index",
    )


@pytest.fixture(scope="session")
def system(system_settings, tmp_path_factory) -> Iterator[RunningSystem]:
    log = tmp_path_factory.mktemp("logs") / "system.log"
    supervisor = start(system_settings, log)
    running = RunningSystem(system_settings, supervisor, log)
    try:
        yield running
    finally:
        running.supervisor.stop()
