"""The cluster of `make cluster` on this machine: two Rasa replicas and two API replicas behind
HAProxy, PostgreSQL as the tracker and ticket store, Redis as the lock store, RabbitMQ as the
event broker (the machine's own services; fresh databases and a fresh queue per run, Redis
database 3).

The ticket store and the tracker store each live on a PostgreSQL server of the test's own
(postgres_server.py), so that a test can restart one of them under load.

Turns alternating between replicas keep the conversation; two messages of one conversation sent
at once to both replicas are handled one after the other; a Rasa replica or an API replica
killed with SIGKILL between two turns leaves the conversation to the other one, with no event
lost, and the supervisor starts it again; the ticket database restarted while conversations go
on: escalations in between are spooled and filed after, none lost or filed twice; a Rasa
replica killed in the middle of a turn, the customer's repeat served by the other with the
ticket the interrupted action opened; the conversation database restarted between two turns:
the chat says the assistant is briefly unavailable while it is down (not silence), and the
next turn on either replica goes on where the conversation was; an action
slower than its deadline (the tickets table locked) answers "still working on it", then its
answer comes late and once, and the same message sent again is not run twice."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.dialogue.messages import say
from core.settings import Settings
from launcher.cluster import ClusterError, Layout, check_services, start_cluster
from launcher.supervisor import StartupError, Supervisor
from tests.cluster.postgres_server import PostgresServer, PostgresServerError
from tests.conftest import RASA_BIN, free_port, response_text, unavailable

pytestmark = [pytest.mark.cluster, pytest.mark.e2e]
BALANCER_NOTICES_S = 3.0  # launcher/cluster.py CHECK: inter 1s, fall 2
ACTION_DEADLINE_S = 10.0  # shorter than the default 20 s, so the slow-action test is short


@dataclass
class Cluster:
    settings: Settings
    layout: Layout
    supervisor: Supervisor
    tickets_db: PostgresServer
    tracker_db: PostgresServer

    @property
    def rasa(self) -> str:  # the balancer
        return f"http://{self.settings.rasa_host}:{self.settings.rasa_port}"

    @property
    def api(self) -> str:
        return f"http://{self.settings.api_host}:{self.settings.api_port}"

    def replica(self, i: int) -> str:
        return f"http://127.0.0.1:{self.layout.rasa_ports[i - 1]}"

    def messages(self, base: str, sender: str, message: str) -> list[dict]:
        response = httpx.post(f"{base}/webhooks/rest/webhook",
                              json={"sender": sender, "message": message}, timeout=90)
        response.raise_for_status()
        return response.json()

    def chat(self, base: str, sender: str, message: str) -> list[str]:
        return [m["text"] for m in self.messages(base, sender, message) if "text" in m]

    def events(self, sender: str) -> list[dict]:
        response = httpx.get(f"{self.rasa}/conversations/{sender}/tracker", timeout=30)
        response.raise_for_status()
        return response.json()["events"]

    def kill(self, name: str) -> int:
        """SIGKILL, then wait until the process is gone: a connection made in the instant
        before it dies would be accepted and then dropped (this kills between two turns)."""
        pid = self.supervisor.pid(name)
        assert pid is not None, f"{name} is not running"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
        # The balancer's health checks (every second, down after two failures) take the
        # replica out of rotation; a request it still sent there in between could meet the
        # replica's restarting process and fail (a 502 in CI).
        time.sleep(BALANCER_NOTICES_S)
        return pid

    def wait_running_again(self, name: str, old_pid: int, url: str, timeout: float = 240):
        """The supervisor started `name` again and it answers at `url`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.supervisor.pid(name)
            if pid is not None and pid != old_pid:
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(1)
        pytest.fail(f"{name} was not started again within {timeout:.0f} s")


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for the supervisor to reap it)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    if not RASA_BIN.exists():
        pytest.fail("the Rasa environment is missing: run `make setup` (make test does)")
    run = uuid.uuid4().hex[:10]
    state = tmp_path_factory.mktemp("cluster")
    try:
        tickets_db = PostgresServer(free_port()).init()
        tracker_db = PostgresServer(free_port()).init()
    except PostgresServerError as exc:
        unavailable(f"a PostgreSQL server of the test's own: {exc}")
    try:
        tickets_db.start()
        tracker_db.start()
        settings = Settings(
            api_port=free_port(), rasa_port=free_port(), data_dir=state,
            index_dir=state / "index",
            database_url=f"postgresql+psycopg://postgres@127.0.0.1:{tickets_db.port}/tickets",
            tracker_store_url=f"{tracker_db.url}/tracker",
            lock_store_url="redis://127.0.0.1:6379/3",
            event_broker_url="amqp://guest:guest@127.0.0.1:5672/",
            event_broker_queue=f"cluster_events_{run}",
            action_deadline_s=ACTION_DEADLINE_S,
        )
        check_services(settings)
    except (PostgresServerError, ClusterError) as exc:
        tickets_db.remove()
        tracker_db.remove()
        unavailable(str(exc))
    layout = Layout((free_port(), free_port()), (free_port(), free_port()))
    log = open(state / "cluster.log", "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    supervisor = None
    stop = threading.Event()
    keeper = threading.Thread(target=lambda: supervisor and supervisor.supervise(
        until=stop.is_set, poll=0.3), daemon=True)
    try:
        try:
            supervisor, settings = start_cluster(settings, layout, log)
        except StartupError as exc:
            pytest.fail(f"the cluster did not start: {exc}")
        keeper.start()
        yield Cluster(settings, layout, supervisor, tickets_db, tracker_db)
    finally:
        stop.set()
        if keeper.is_alive():
            keeper.join(timeout=10)
        if supervisor is not None:
            supervisor.stop()
        tickets_db.remove()
        tracker_db.remove()
        subprocess.run(["rabbitmqctl", "delete_queue", f"cluster_events_{run}"],
                       capture_output=True, check=False)
        log.close()


def conversation() -> str:
    return f"cluster-{uuid.uuid4().hex[:12]}"


def turns(events: list[dict]) -> list[list[str]]:
    """The conversation as turns: each user message with what followed it up to the next
    action_listen. A user event inside another turn means two turns were handled at once."""
    out: list[list[str]] = []
    open_turn = False
    for event in events:
        if event["event"] == "user":
            assert not open_turn, f"a message arrived inside another turn: {out[-1]} in " + \
                str([(e["event"], e.get("text") or e.get("name"), e.get("timestamp"))
                     for e in events])
            out.append([event["text"]])
            open_turn = True
        elif event["event"] == "action" and open_turn:
            out[-1].append(event["name"])
            if event["name"] == "action_listen":
                open_turn = False
    return out


def test_the_balancer_serves_chat_and_health(cluster, domain):
    health = httpx.get(f"{cluster.api}/healthz", timeout=30)
    assert health.status_code == 200, health.text
    body = health.json()
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["rasa"]["status"] == "ok"
    assert cluster.chat(cluster.rasa, conversation(), "Hello there") == [
        response_text(domain, "utter_greet", "en")]


def test_turns_alternating_between_replicas_keep_the_conversation(cluster):
    sender = conversation()
    cluster.chat(cluster.replica(1), sender, "Bonsoir")
    first = cluster.chat(cluster.replica(2), sender, "xkcd qwpz")
    second = cluster.chat(cluster.replica(1), sender, "zzvb plokm")
    # The second miss in a row escalates: only if replica 1 saw what replica 2 did.
    assert first == [say("please_rephrase", "fr")]
    assert second == [say("offer_human_after_misses", "fr"), say("ask_serial_for_ticket", "fr")]
    tracker = httpx.get(f"{cluster.replica(2)}/conversations/{sender}/tracker",
                        timeout=30).json()
    assert tracker["slots"]["language"] == "fr"
    assert [t[0] for t in turns(tracker["events"])] == ["Bonsoir", "xkcd qwpz", "zzvb plokm"]


def test_two_messages_at_once_on_two_replicas_are_handled_one_after_the_other(cluster, domain):
    sender = conversation()
    cluster.chat(cluster.rasa, sender, "Hello")
    with ThreadPoolExecutor(max_workers=2) as pool:
        greet = pool.submit(cluster.chat, cluster.replica(1), sender, "Good morning")
        thanks = pool.submit(cluster.chat, cluster.replica(2), sender, "Thank you very much")
        assert greet.result() == [response_text(domain, "utter_greet", "en")]
        assert thanks.result() == [response_text(domain, "utter_you_are_welcome", "en")]
    handled = turns(cluster.events(sender))
    assert sorted(t[0] for t in handled[1:]) == ["Good morning", "Thank you very much"]
    assert all(t[-1] == "action_listen" for t in handled)


def test_a_rasa_replica_killed_mid_conversation_leaves_it_to_the_other(cluster):
    sender = conversation()
    assert cluster.chat(cluster.rasa, sender, "Buenas tardes")
    assert cluster.chat(cluster.rasa, sender, "qqq zzz") == [say("please_rephrase", "es")]
    old = cluster.kill("rasa1")
    # Every turn now, through the balancer, reaches the replica that is left.
    assert cluster.chat(cluster.rasa, sender, "xxq zzv") == [
        say("offer_human_after_misses", "es"), say("ask_serial_for_ticket", "es")]
    assert cluster.chat(cluster.rasa, sender, "Muchas gracias")
    assert [t[0] for t in turns(cluster.events(sender))] == [
        "Buenas tardes", "qqq zzz", "xxq zzv", "Muchas gracias"]
    cluster.wait_running_again("rasa1", old, f"{cluster.replica(1)}/version")
    tracker = httpx.get(f"{cluster.replica(1)}/conversations/{sender}/tracker",
                        timeout=30).json()
    assert [t[0] for t in turns(tracker["events"])][-1] == "Muchas gracias"


def test_an_api_replica_killed_leaves_the_actions_to_the_other(cluster):
    sender = conversation()
    cluster.chat(cluster.rasa, sender, "Guten Tag")
    old = cluster.kill("api1")
    # Every reply below comes from a custom action, called through the balancer.
    for text in ("asdf qwer", "ghjk yxcv"):
        replies = cluster.chat(cluster.rasa, sender, text)
        assert replies and replies[0] in {say("please_rephrase", "de"),
                                          say("offer_human_after_misses", "de")}
    actions = [e["name"] for e in cluster.events(sender) if e["event"] == "action"]
    assert actions.count("action_handle_fallback") == 2
    port = cluster.layout.api_ports[0]
    # Back in the balancer's rotation once warm (GET /readyz, its health check).
    cluster.wait_running_again("api1", old, f"http://127.0.0.1:{port}/readyz")


def test_events_reach_the_analytics_through_the_broker_queue(cluster):
    # Rasa's Pika broker puts every event on the RabbitMQ queue; the API replicas consume it
    # into the analytics tables (analytics/).
    from sqlalchemy import create_engine, select

    from db.analytics import AnalyticsConversation

    sender = conversation()
    cluster.chat(cluster.rasa, sender, "Hello")
    engine = create_engine(cluster.settings.database_url)
    try:
        deadline = time.monotonic() + 30
        messages = 0
        while messages < 1 and time.monotonic() < deadline:
            with engine.connect() as connection:
                messages = connection.execute(select(AnalyticsConversation.user_messages).where(
                    AnalyticsConversation.conversation_id == sender)).scalar() or 0
            time.sleep(0.5)
        assert messages == 1, f"the events of {sender} did not reach the analytics from " \
            f"RabbitMQ queue {cluster.settings.event_broker_queue}"
    finally:
        engine.dispose()


# Urgent reports (one per language): safety instruction, then a P1 ticket at once.
URGENT = {"en": "Help, there is smoke coming out of the pump motor!",
          "el": "Βγαίνει καπνός από τον κινητήρα της αντλίας!",
          "de": "Hilfe, aus dem Motor der Pumpe kommt Rauch!",
          "fr": "Au secours, il y a de la fumée qui sort du moteur de la pompe !",
          "es": "¡Socorro, sale humo del motor de la bomba!"}


def custom(messages: list[dict], kind: str) -> dict:
    found = [m["custom"] for m in messages
             if isinstance(m.get("custom"), dict) and m["custom"].get("kind") == kind]
    assert found, f"no {kind} in {messages}"
    return found[0]


class Load:
    """Conversations going on through the balancer in threads: greetings and thanks, each
    answer checked; what failed is kept."""

    def __init__(self, cluster: Cluster, conversations: int) -> None:
        self.cluster, self.stop = cluster, threading.Event()
        self.turns, self.errors = 0, []  # type: ignore[var-annotated]
        self.threads = [threading.Thread(target=self._talk, daemon=True)
                        for _ in range(conversations)]

    def _talk(self) -> None:
        sender = conversation()
        while not self.stop.is_set():
            for text in ("Hello", "Thank you"):
                try:
                    if not self.cluster.chat(self.cluster.rasa, sender, text):
                        self.errors.append(f"{text!r}: no answer")
                except httpx.HTTPError as exc:
                    self.errors.append(f"{text!r}: {exc!r}")
                self.turns += 1
                time.sleep(0.3)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)


def _database_health(cluster: Cluster) -> tuple[int, str]:
    response = httpx.get(f"{cluster.api}/healthz", timeout=30)
    return response.status_code, response.json()["checks"]["database"]["status"]


def _wait_for(what: str, condition, timeout: float) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout:.0f} s")
        time.sleep(0.5)


def test_the_ticket_database_restarted_under_load_loses_and_doubles_no_ticket(cluster):
    import psycopg

    from tickets import spool

    spool_dir = cluster.settings.escalation_spool_dir
    before = conversation()
    filed = custom(cluster.messages(cluster.rasa, before, URGENT["en"]), "ticket")
    assert filed["priority"] == "P1" and filed.get("ticket_number"), filed
    queued: dict[str, dict] = {}
    with Load(cluster, conversations=4) as load:
        time.sleep(2)
        cluster.tickets_db.stop()
        _wait_for("health says the database is down",
                  lambda: _database_health(cluster) == (503, "down"), 15)
        for language, text in URGENT.items():
            sender = conversation()
            messages = cluster.messages(cluster.rasa, sender, text)
            assert custom(messages, "safety"), messages
            queued[sender] = custom(messages, "ticket")
            assert queued[sender]["priority"] == "P1", (language, queued[sender])
            assert queued[sender]["reference"].startswith("Q-"), (language, queued[sender])
        assert len(spool.pending(spool_dir)) == len(URGENT)
        cluster.tickets_db.start()
        _wait_for("health says the database is back",
                  lambda: _database_health(cluster) == (200, "ok"), 30)
        _wait_for("the spooled escalations filed", lambda: not spool.pending(spool_dir), 30)
        time.sleep(2)
    assert load.errors == [], load.errors  # the conversations never noticed
    assert load.turns >= 20
    assert not list(spool_dir.glob("*.rejected"))
    with psycopg.connect(f"{cluster.tickets_db.url}/tickets") as conn:
        stored = conn.execute("SELECT conversation_id, priority FROM tickets").fetchall()
    per_conversation = {sender: [p for c, p in stored if c == sender]
                        for sender in (before, *queued)}
    assert all(priorities == ["P1"] for priorities in per_conversation.values()), \
        per_conversation


def test_the_conversation_database_restarted_between_two_turns(cluster):
    sender = conversation()
    via_page = f"{cluster.api}/chat/api/messages"

    def page(text: str) -> httpx.Response:  # the web chat's own path (the API's proxy)
        return httpx.post(via_page, json={"conversation_id": sender, "message": text},
                          timeout=90)

    def conversations_health() -> tuple[int, str]:
        response = httpx.get(f"{cluster.api}/healthz", timeout=30)
        return response.status_code, response.json()["checks"]["conversations"]["status"]

    # One turn on each replica, so both hold pooled connections to the database.
    assert cluster.chat(cluster.replica(1), sender, "Bonjour")
    assert cluster.chat(cluster.replica(2), sender, "xkcd qwpz") == [say("please_rephrase", "fr")]
    replicas = {name: cluster.supervisor.pid(name) for name in ("rasa1", "rasa2")}
    cluster.tracker_db.stop()
    try:
        assert conversations_health() == (503, "down")
        during = page("zzvb plokm")
        # Rasa answers a failed turn with no messages; the page says the assistant is briefly
        # unavailable (and offers the hotline and a callback) instead of showing nothing.
        assert during.status_code == 503, during.text
        status = httpx.get(f"{cluster.api}/chat/api/status", timeout=30).json()
        assert status["assistant"] == "down", status
    finally:
        cluster.tracker_db.start()
    assert conversations_health() == (200, "ok")
    # Neither replica restarted, and the first turn of each after the restart is answered,
    # from where the conversation was: this is its second miss in a row.
    assert cluster.chat(cluster.replica(1), sender, "zzvb plokm") == [
        say("offer_human_after_misses", "fr"), say("ask_serial_for_ticket", "fr")]
    assert cluster.chat(cluster.replica(2), sender, "Merci beaucoup")
    after = page("Au revoir")
    assert after.status_code == 200 and after.json()["messages"], after.text
    assert {name: cluster.supervisor.pid(name) for name in replicas} == replicas
    assert [t[0] for t in turns(cluster.events(sender))] == [
        "Bonjour", "xkcd qwpz", "zzvb plokm", "Merci beaucoup", "Au revoir"]


def _texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages if m.get("text")]


def _kinds(messages: list[dict]) -> list[str]:
    return [m["custom"]["kind"] for m in messages if isinstance(m.get("custom"), dict)]


def test_an_action_slower_than_its_deadline_answers_late_and_once(cluster):
    import psycopg

    sender = conversation()
    with psycopg.connect(f"{cluster.tickets_db.url}/tickets") as holder:
        # Another transaction holds the tickets table (a long migration, a stuck report):
        # the urgent report's action waits for it past its deadline.
        holder.execute("LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        first = cluster.messages(cluster.rasa, sender, URGENT["fr"])
        waited = time.monotonic() - started
        assert _texts(first) == [say("still_working", "fr")], first
        assert ACTION_DEADLINE_S <= waited < ACTION_DEADLINE_S + 15, waited
        # Pressed Enter again: the first is still working, so it is not run a second time.
        again = cluster.messages(cluster.rasa, sender, URGENT["fr"] + " ")
        assert _texts(again) == [say("still_working_on_it", "fr")], again
        holder.rollback()
    late: list[dict] = []

    def answered() -> bool:
        body = httpx.get(f"{cluster.api}/chat/api/conversations/{sender}/replies",
                         timeout=30).json()
        late.extend(body["late"])
        return bool(late)

    _wait_for("the late answer reaches the chat's poll", answered, 30)
    assert len(late) == 1 and _kinds(late[0]["messages"])[:2] == ["safety", "ticket"], late
    ticket = custom(late[0]["messages"], "ticket")
    assert ticket["priority"] == "P1" and ticket.get("ticket_number"), ticket
    # Shown once; the next turn applies what the late turn changed and shows nothing again.
    after = cluster.messages(cluster.rasa, sender, "Merci beaucoup")
    assert "safety" not in _kinds(after) and "ticket" not in _kinds(after), after
    tracker = httpx.get(f"{cluster.rasa}/conversations/{sender}/tracker", timeout=30).json()
    assert tracker["slots"]["late_cursor"] == late[0]["id"]
    with psycopg.connect(f"{cluster.tickets_db.url}/tickets") as conn:
        stored = conn.execute("SELECT number FROM tickets WHERE conversation_id = %s",
                              (sender,)).fetchall()
    assert [row[0] for row in stored] == [ticket["ticket_number"]]


def test_a_rasa_replica_killed_in_the_middle_of_a_turn(cluster):
    """The turn dies with the replica (its events were not saved yet); the action it called
    goes on in the API and opens the P1 ticket; the customer sends the report again, the other
    replica answers, and the ticket is that one, not a second."""
    import psycopg

    sender = conversation()
    failed: list[BaseException] = []

    def first_try() -> None:
        try:
            cluster.messages(cluster.replica(1), sender, URGENT["de"])
        except httpx.HTTPError as exc:  # the replica is killed under this request
            failed.append(exc)

    with psycopg.connect(f"{cluster.tickets_db.url}/tickets") as holder:
        # The action waits for the tickets table, so the turn is still going on at the kill.
        holder.execute("LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE")
        trying = threading.Thread(target=first_try)
        trying.start()
        time.sleep(3)
        old = cluster.kill("rasa1")
        trying.join(timeout=60)
        holder.rollback()
    assert failed, "the request to the killed replica should have failed"

    def stored() -> list[int]:
        with psycopg.connect(f"{cluster.tickets_db.url}/tickets") as conn:
            return [row[0] for row in conn.execute(
                "SELECT number FROM tickets WHERE conversation_id = %s", (sender,))]

    _wait_for("the interrupted action opens its ticket", lambda: len(stored()) == 1, 30)
    again = cluster.messages(cluster.rasa, sender, URGENT["de"])
    assert _kinds(again)[:2] == ["safety", "ticket"], again
    assert custom(again, "ticket")["ticket_number"] == stored()[0]
    assert len(stored()) == 1
    assert [t[0] for t in turns(cluster.events(sender))] == [URGENT["de"]]
    cluster.wait_running_again("rasa1", old, f"{cluster.replica(1)}/version")
