"""The analytics consumer: a thread beside the API (api/background.py) that keeps the
analytics tables up to date from Rasa's event broker.

- SQL broker: every `interval_s` it reads the rows after its durable cursor
  (`analytics_cursors`, named after the broker's database) and stores them with the cursor
  in one transaction; a full batch is followed at once by the next.
- RabbitMQ (Pika broker): it consumes the queue, a batch at a time (up to `batch` messages or
  what came within `linger_s`), and acknowledges the batch after its transaction; a crash
  before that redelivers it, which adds nothing twice.

Several API replicas may each run one: on RabbitMQ they share the queue's messages, on the
SQL broker they read the same rows; either way each conversation is folded under its lock
(analytics/store.py). It connects, and reconnects, by itself: the API starts whether or not
the broker is there, and /healthz says which."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine, make_url

from analytics.sources import SqlBrokerSource, parse_message
from analytics.store import cursor_position, ingest

logger = logging.getLogger(__name__)


class Consumer:
    """What both consumers share: the thread, the counters, the lag of each event (the time
    from Rasa's timestamp to its commit here) and the status for /healthz."""

    name = "analytics"

    def __init__(self, engine: Engine, *, batch: int = 500, interval_s: float = 0.5,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.batch = batch
        self.interval_s = interval_s
        self.clock = clock
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self.events = 0       # events stored (new)
        self.received = 0     # events read
        self.refused = 0      # messages that were not JSON events
        self.error = ""
        self.lags: deque[tuple[float, float]] = deque(maxlen=200_000)  # (commit time, lag s)
        self._thread: threading.Thread | None = None

    def start(self) -> Consumer:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        delay = 1.0
        while not self.stopping.is_set():
            try:
                self.run_until_stopped()
                return
            except Exception as exc:  # noqa: BLE001 - said by /healthz; the thread lives on
                self.connected.clear()
                if str(exc) != self.error:
                    logger.warning("analytics consumer: %s; retrying", exc)
                self.error = str(exc) or type(exc).__name__
                self.stopping.wait(delay)
                delay = min(delay * 2, 30.0)

    def run_until_stopped(self) -> None:
        raise NotImplementedError

    def _store(self, events: list[dict[str, Any]], cursor: tuple[str, int] | None) -> None:
        result = ingest(self.engine, events, cursor=cursor)
        committed = self.clock()
        self.received += result.received
        self.events += result.new
        for event in events:
            stamp = event.get("timestamp")
            if isinstance(stamp, int | float):
                self.lags.append((committed, max(0.0, committed - float(stamp))))
        self.error = ""

    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "status": "ok" if self.connected.is_set() and not self.error else "down",
            "source": self.source, "events": self.events, "received": self.received}
        if not self.connected.is_set() and not self.error:
            status["detail"] = "connecting"
        if self.refused:
            status["refused"] = self.refused
        if self.lags:
            status["last_lag_s"] = round(self.lags[-1][1], 3)
        if self.error:
            status["detail"] = self.error
        return status

    @property
    def source(self) -> str:
        raise NotImplementedError


class SqlBrokerConsumer(Consumer):
    """Reads Rasa's SQL broker table after its durable cursor."""

    name = "analytics-sql"

    def __init__(self, engine: Engine, broker: Engine, **kwargs: Any) -> None:
        super().__init__(engine, **kwargs)
        self.broker = SqlBrokerSource(broker)
        url = make_url(broker.url)
        # One cursor per broker database: another database (a test's) starts from its start.
        self.cursor_name = f"sql:{url.host or ''}:{url.database or ''}"[:200]

    @property
    def source(self) -> str:
        return make_url(self.broker.engine.url).render_as_string(hide_password=True)

    def poll(self) -> int:
        """One read and store; how many rows were read."""
        after = cursor_position(self.engine, self.cursor_name)
        rows = self.broker.read(after, self.batch)
        self.connected.set()
        if not rows:
            return 0
        position = self.broker.advance(after, rows)
        events = [row.event for row in rows if row.event is not None]
        self.refused += sum(1 for row in rows if row.event is None)
        self._store(events, (self.cursor_name, position))
        return len(rows)

    def run_until_stopped(self) -> None:
        while not self.stopping.is_set():
            if self.poll() < self.batch:
                self.stopping.wait(self.interval_s)


class RabbitConsumer(Consumer):
    """Consumes the queue Rasa's Pika broker publishes to."""

    name = "analytics-amqp"

    def __init__(self, engine: Engine, url: str, queue: str, *, linger_s: float = 0.2,
                 **kwargs: Any) -> None:
        super().__init__(engine, **kwargs)
        parsed = make_url(url)
        if parsed.get_backend_name() not in ("amqp", "amqps"):
            raise ValueError(f"an amqp:// URL is needed, not {url!r}")
        self.url, self.queue, self.linger_s = url, queue, linger_s

    @property
    def source(self) -> str:
        return f"{make_url(self.url).render_as_string(hide_password=True)} queue {self.queue}"

    def run_until_stopped(self) -> None:
        import pika  # the RabbitMQ client (the consumer's only use of it)

        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            channel = connection.channel()
            # As Rasa's Pika broker declares it (durable); it binds it to its exchange.
            channel.queue_declare(self.queue, durable=True)
            channel.basic_qos(prefetch_count=self.batch)
            self.connected.set()
            self.error = ""
            pending: list[tuple[int, dict[str, Any] | None]] = []
            first_at = 0.0
            for method, _properties, body in channel.consume(
                    self.queue, inactivity_timeout=self.linger_s):
                if method is not None:
                    if not pending:
                        first_at = time.monotonic()
                    pending.append((method.delivery_tag, parse_message(body)))
                due = pending and (len(pending) >= self.batch or method is None
                                   or time.monotonic() - first_at >= self.linger_s)
                if due:
                    self._flush(channel, pending)
                    pending = []
                if self.stopping.is_set():
                    break
            if pending:
                channel.basic_nack(pending[-1][0], multiple=True, requeue=True)
            channel.cancel()
        finally:
            if connection.is_open:
                connection.close()

    def _flush(self, channel: Any, pending: list[tuple[int, dict[str, Any] | None]]) -> None:
        events = [event for _tag, event in pending if event is not None]
        try:
            self._store(events, None)
        except Exception:
            # Back on the queue, to be tried again (the database is briefly down).
            channel.basic_nack(pending[-1][0], multiple=True, requeue=True)
            raise
        self.refused += sum(1 for _tag, event in pending if event is None)
        channel.basic_ack(pending[-1][0], multiple=True)


def consumer_for(engine: Engine, *, broker_url: str, queue: str, interval_s: float,
                 broker_engine: Callable[[str], Engine]) -> Consumer:
    """The consumer of the configured broker: RabbitMQ for an amqp:// URL, else the SQL
    broker's database."""
    if make_url(broker_url).get_backend_name() in ("amqp", "amqps"):
        return RabbitConsumer(engine, broker_url, queue, interval_s=interval_s)
    return SqlBrokerConsumer(engine, broker_engine(broker_url), interval_s=interval_s)
