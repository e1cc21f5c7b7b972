"""The conversation store of the Rasa servers (bot/tracker_store.py), in Rasa's own
environment, on a PostgreSQL server of the test's own that goes down and comes back between two
turns. Rasa's stock SQL store is run beside it, to show what each difference closes:

- while the database is down, the agent's store fails the read, where the stock one (behind
  Rasa's FailSafeTrackerStore) answers "no such conversation" and the turn would start afresh;
- once it is back, the first read succeeds, where the stock one fails it (dead pooled
  connections; the fail-safe wrapper again says "no such conversation") and only then
  reconnects."""

from __future__ import annotations

import json
import subprocess
import textwrap
import uuid

import pytest

from core.settings import PROJECT_ROOT
from launcher.model import rasa_env
from launcher.rasa_config import TRACKER_STORE
from tests.cluster.postgres_server import PostgresServer, PostgresServerError
from tests.conftest import RASA_PY, free_port, requires_rasa_env, unavailable

SCRIPT = """
    import asyncio, json, sys
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    TYPES = {{"stock": "SQL", "durable": "{durable}"}}

    def store(kind):
        # As the Rasa server builds it: the store named in endpoints.yml, inside the agent.
        named = TrackerStore.create(EndpointConfig(
            url="127.0.0.1", type=TYPES[kind], dialect="postgresql", port={port},
            db="postgres", username="postgres"))
        return Agent._create_tracker_store(named, Domain.empty())

    async def read(s, sender):
        try:
            tracker = await s.retrieve(sender)
        except Exception as exc:  # the turn fails; the REST channel logs it
            return "failed: " + type(exc).__name__
        if tracker is None:
            return "no such conversation"
        return [e.text for e in tracker.events if isinstance(e, UserUttered)]

    async def main():
        # Separate stores (and pools) for the outage and for the restart.
        stores = {{(kind, phase): store(kind) for kind in TYPES for phase in ("down", "up")}}
        for (kind, phase), s in stores.items():
            tracker = DialogueStateTracker.from_events(
                f"{conversation}-{{kind}}-{{phase}}",
                [UserUttered("my pump leaks"), SlotSet("language", "en")])
            await s.save(tracker)
        result = {{}}
        for phase in ("down", "up"):
            print("ready", flush=True)
            sys.stdin.readline()  # the test stops the server, then starts it again
            for kind in TYPES:
                sender = f"{conversation}-{{kind}}-{{phase}}"
                first = await read(stores[(kind, phase)], sender)
                result[f"{{kind}} {{phase}}"] = [first, await read(stores[(kind, phase)], sender)]
        print(json.dumps(result), flush=True)

    asyncio.run(main())
"""


@pytest.fixture()
def server():
    try:
        pg = PostgresServer(free_port()).init()
        pg.start()
    except PostgresServerError as exc:
        unavailable(f"a PostgreSQL server of the test's own: {exc}")
    yield pg
    pg.remove()


@requires_rasa_env()
def test_the_store_fails_while_the_database_is_down_and_reads_at_once_after(server, tmp_path):
    script = tmp_path / "restart.py"
    script.write_text(textwrap.dedent(SCRIPT).format(
        port=server.port, conversation=uuid.uuid4().hex, durable=TRACKER_STORE), "utf-8")
    with subprocess.Popen([str(RASA_PY), str(script)], cwd=PROJECT_ROOT, env=rasa_env(),
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None and proc.stdin is not None and proc.stderr is not None

        def next_phase() -> None:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line.strip() == "ready", line + proc.stderr.read()[-4000:]  # type: ignore[union-attr]

        next_phase()
        server.stop()
        proc.stdin.write("down\n")
        proc.stdin.flush()
        next_phase()
        server.start()
        out, err = proc.communicate("up\n", timeout=120)
    assert proc.returncode == 0, err[-4000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["durable down"][0].startswith("failed"), result
    assert result["durable up"] == [["my pump leaks"], ["my pump leaks"]], result
    # What the stock store does: a new conversation while the database is down, and again on
    # the first read after it came back (a dead pooled connection, the error hidden).
    assert result["stock down"] == ["no such conversation"] * 2, result
    assert result["stock up"] == ["no such conversation", ["my pump leaks"]], result
