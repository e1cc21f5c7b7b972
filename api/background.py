"""The in-process notification worker: scans for SLA breaches and delivers the outbox (the
lifespan also starts the warm-up of the slow parts, api/warmup.py).

Started by the app's lifespan when `ASSISTANT_TICKETS_WORKER_INTERVAL_S` > 0. Several API
replicas may each run it: events are claimed with a lease, so one event goes out once per
attempt."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import socket
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from analytics.consumer import Consumer as AnalyticsConsumer
from analytics.consumer import consumer_for
from analytics.sources import broker_engine
from api.deps import diagnoser_for, engine_for
from api.warmup import start_warm_up
from core.settings import Settings, get_settings
from db import telemetry
from monitoring import links
from monitoring.consumer import Consumer
from monitoring.monitor import Monitor
from tickets import notify, spool
from tickets.catalog import default_catalog
from tickets.outbox import DeliveryPolicy, deliver_due, scan_breaches

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


class Monitoring:
    """The telemetry consumer (monitoring/) beside the API, when a broker is configured. It is
    built in the background (the knowledge pack loads in seconds) and connects, and reconnects,
    by itself: the API starts whether or not the broker is there, and /healthz says which."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.consumer: Consumer | None = None
        self.error = ""
        self._thread = threading.Thread(target=self._start, name="monitoring", daemon=True)

    def start(self) -> Monitoring:
        self._thread.start()
        return self

    def _start(self) -> None:
        try:
            self._build()
        except Exception as exc:  # noqa: BLE001 - said by /healthz, not lost in a thread
            # A broken knowledge pack stops the API's start with its message; the monitoring
            # only says it is down and why.
            self.error = f"could not start: {exc}"
            logger.error("monitoring %s", self.error)

    def _build(self) -> None:
        settings = self.settings
        diagnoser = diagnoser_for(settings)
        monitor = Monitor(engine_for(settings), diagnoser.kb, default_catalog(),
                          diagnoser=diagnoser, horizon_days=settings.prediction_horizon_days,
                          notice_days=settings.maintenance_notice_days,
                          link_secret=links.secret_for(settings.data_dir, settings.link_secret))
        consumer = Consumer(monitor, settings.mqtt_url,
                            client_id=consumer_id(settings))
        consumer.start()
        self.consumer = consumer

    def status(self) -> dict[str, Any]:
        if self.consumer is None:
            return {"status": "down", "broker": self.settings.mqtt_url,
                    "detail": self.error or "starting"}
        return self.consumer.status()

    def stop(self) -> None:
        self._thread.join(timeout=30)
        if self.consumer is not None:
            self.consumer.stop()


def consumer_id(settings: Settings) -> str:
    """The MQTT client id of this replica's consumer: the same after a restart (its session and
    queue are found again), another for another replica or another database (a test's)."""
    database = hashlib.sha1(str(settings.resolved_db_url(settings.database_url)).encode())
    return f"helios-api-{socket.gethostname()}-{settings.api_port}-{database.hexdigest()[:8]}"


def run_once(settings: Settings, client: httpx.Client) -> tuple[int, int]:
    """One pass: file escalations spooled while the store was down, enqueue new SLA
    breaches, then deliver what is due; (delivered, failed)."""
    engine = engine_for(settings)
    filed = spool.drain(settings.escalation_spool_dir, engine=engine,
                        catalog=default_catalog(), now=_now())
    if filed:
        logger.info("filed %d escalations from the spool", filed)
    scan_breaches(engine, now=_now())
    _forget_old_telemetry(engine, settings)
    if not settings.tickets_webhook_url:
        return 0, 0
    policy = DeliveryPolicy(base_delay_s=settings.tickets_webhook_base_delay_s,
                            max_delay_s=settings.tickets_webhook_max_delay_s)
    # Each ticket event goes out with whom to notify (the customer's contact, the on-call
    # engineers) from the service data as it is now: tickets/notify.py.
    return deliver_due(engine, client=client, url=settings.tickets_webhook_url,
                       secret=settings.tickets_webhook_secret, now=_now, policy=policy,
                       address=notify.addresser(default_catalog()))


_last_forgotten: list[datetime] = []


def _forget_old_telemetry(engine: Engine, settings: Settings) -> None:
    """Retention of telemetry: once an hour, what is older than the retention period goes."""
    now = _now()
    if _last_forgotten and now - _last_forgotten[0] < timedelta(hours=1):
        return
    gone = telemetry.forget_before(engine, now - timedelta(days=settings.telemetry_retention_days))
    _last_forgotten[:] = [now]
    if gone:
        logger.info("forgot %d telemetry messages older than %g days", gone,
                    settings.telemetry_retention_days)


async def worker(settings: Settings, stop: asyncio.Event) -> None:
    last_error = ""
    with httpx.Client() as client:
        while not stop.is_set():
            try:
                await asyncio.to_thread(run_once, settings, client)
                last_error = ""
            except Exception as exc:  # noqa: BLE001 - the worker must outlive any one pass
                # The tables may not exist yet (`python -m db.migrate`), the database is
                # briefly down, or a spool file vanished under another replica: log (once per
                # distinct error) and try again at the next tick.
                if str(exc) != last_error:
                    logger.exception("ticket notification pass failed; retrying")
                last_error = str(exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.tickets_worker_interval_s)


def analytics_consumer(settings: Settings) -> AnalyticsConsumer | None:
    """The consumer of Rasa's event broker that keeps the analytics tables (analytics/);
    None when ASSISTANT_ANALYTICS_POLL_INTERVAL_S is 0."""
    if settings.analytics_poll_interval_s <= 0:
        return None
    return consumer_for(engine_for(settings),
                        broker_url=settings.resolved_db_url(settings.resolved_event_broker_url),
                        queue=settings.event_broker_queue,
                        interval_s=settings.analytics_poll_interval_s,
                        broker_engine=broker_engine)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the worker beside the API (when enabled) and stop it cleanly on shutdown."""
    provider = app.dependency_overrides.get(get_settings, get_settings)
    settings: Settings = provider()
    if (settings.environment == "production" and settings.tickets_webhook_url
            and not settings.tickets_webhook_secret):
        raise RuntimeError("ASSISTANT_TICKETS_WEBHOOK_SECRET must be set in production")
    start_warm_up(settings)
    stop = asyncio.Event()
    task = None
    if settings.tickets_worker_interval_s > 0:
        task = asyncio.create_task(worker(settings, stop), name="ticket-notifications")
    monitoring = Monitoring(settings).start() if settings.mqtt_url else None
    app.state.monitoring = monitoring
    analytics = analytics_consumer(settings)
    app.state.analytics = analytics.start() if analytics is not None else None
    try:
        yield
    finally:
        stop.set()
        if analytics is not None:
            await asyncio.to_thread(analytics.stop)
        if monitoring is not None:
            await asyncio.to_thread(monitoring.stop)
        if task is not None:
            await task
