"""The telemetry consumer: an MQTT subscriber (paho-mqtt) that hands each message to the Monitor.

It subscribes to `helios/telemetry/+` at QoS 1 with a persistent MQTT 5 session of its own (one
client id per API replica and database; the session expires an hour after the consumer went
away). The broker queues QoS-1 messages while the consumer is away (across its own restarts,
with persistence on), and a message delivered twice is stored once (db/telemetry.py). With
several replicas every one receives every message and the first to store it evaluates it (the
telemetry table is unique per unit and timestamp; the others count a duplicate): a shared
subscription would split the work, but Mosquitto 2.0 drops what reaches a shared group while
no member is connected, as after a broker restart, and nothing may be lost. paho reconnects by
itself (1 s to 30 s backoff) when the broker goes away; until it is back, `status()` says so,
and /healthz reports it (the assistant runs without a broker). A message the Monitor cannot
handle (the database down) is counted and logged; a bad message is refused there."""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from monitoring.monitor import Monitor
from monitoring.telemetry import TOPIC_PREFIX

logger = logging.getLogger(__name__)

SUBSCRIPTION = f"{TOPIC_PREFIX}+"
SESSION_EXPIRY_S = 3600  # how long the broker keeps a consumer's queue while it is away


class Consumer:
    def __init__(self, monitor: Monitor, url: str, client_id: str, *,
                 session_expiry_s: int = SESSION_EXPIRY_S) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("mqtt", "tcp") or not parsed.hostname:
            raise ValueError(f"ASSISTANT_MQTT_URL must be mqtt://host[:port], not {url!r}")
        self.monitor, self.url, self.subscription = monitor, url, SUBSCRIPTION
        self.host, self.port = parsed.hostname, parsed.port or 1883
        self.client_id, self.session_expiry_s = client_id, session_expiry_s
        self.credentials = (parsed.username, parsed.password) if parsed.username else None
        # MQTT 5, a persistent session (clean start off, an expiry): while the consumer is
        # away the broker keeps its subscription and queues the QoS-1 messages for it; a
        # consumer that never comes back leaves nothing queued after the expiry.
        self.client = self._client()
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._connected
        self.client.on_disconnect = self._disconnected
        self.client.on_message = self._message
        self.client.on_subscribe = self._subscribed
        self.subscribed = threading.Event()
        self.last_error = ""

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.client_id,
                             protocol=mqtt.MQTTv5)
        if self.credentials:
            client.username_pw_set(*self.credentials)
        return client

    def _expiry(self, seconds: int) -> Properties:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = seconds
        return properties

    def start(self) -> None:
        self.client.connect_async(self.host, self.port, keepalive=30, clean_start=False,
                                  properties=self._expiry(self.session_expiry_s))
        self.client.loop_start()

    def stop(self, *, forget: bool = False) -> None:
        """Disconnect; with `forget`, also end the session at the broker (a consumer that will
        not come back, as in tests and benchmarks, leaves no queue behind)."""
        self.client.disconnect()
        self.client.loop_stop()
        if forget:
            once = self._client()
            try:
                once.connect(self.host, self.port, keepalive=5, clean_start=True,
                             properties=self._expiry(0))
                once.disconnect()
            except OSError:
                logger.warning("MQTT %s: the session of %s could not be ended", self.url,
                               self.client_id)

    def status(self) -> dict[str, Any]:
        counts = dict(self.monitor.counts)
        up = self.client.is_connected() and self.subscribed.is_set()
        result: dict[str, Any] = {"status": "ok" if up else "down", "broker": self.url,
                                  "accepted": counts.pop("accepted", 0),
                                  "refused": {k.removeprefix("refused:"): v
                                              for k, v in counts.items()
                                              if k.startswith("refused:")},
                                  "duplicates": counts.get("duplicate", 0),
                                  "failed": counts.get("failed", 0)}
        if not up:
            result["detail"] = self.last_error or "not connected to the broker yet"
        return result

    # paho's callbacks (its network thread) ------------------------------------------------
    def _connected(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any,
                   _properties: Any) -> None:
        if reason.is_failure:
            self.last_error = f"the broker refused the connection: {reason}"
            logger.warning("MQTT %s: %s", self.url, self.last_error)
            return
        client.subscribe(self.subscription, qos=1)

    def _subscribed(self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: Any,
                    _properties: Any) -> None:
        if any(reason.is_failure for reason in reasons):
            self.last_error = f"the broker refused the subscription: {reasons}"
            logger.warning("MQTT %s: %s", self.url, self.last_error)
            return
        self.subscribed.set()
        logger.info("monitoring: subscribed to %s on %s", self.subscription, self.url)

    def _disconnected(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any,
                      _properties: Any) -> None:
        self.subscribed.clear()
        self.last_error = f"disconnected from the broker: {reason}"
        logger.warning("MQTT %s: %s; reconnecting", self.url, self.last_error)

    def _message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            self.monitor.handle(message.topic, bytes(message.payload))
        except Exception:  # noqa: BLE001 - the consumer must outlive any one message
            self.monitor.count("failed")
            logger.exception("telemetry on %s could not be handled", message.topic)
