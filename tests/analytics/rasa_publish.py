"""Publishes recorded events through Rasa's own event brokers; run by the tests with the Rasa
environment's Python (.venv-rasa): `python rasa_publish.py sql DB_FILE EVENTS.json` or
`python rasa_publish.py pika HOST PORT QUEUE EVENTS.json`."""

from __future__ import annotations

import asyncio
import json
import sys


async def pika(host: str, port: str, queue: str, path: str) -> None:
    import rasa.shared.core.events  # noqa: F401  (the broker uses it; Rasa's server imports it)
    from rasa.core.brokers.pika import PikaEventBroker

    broker = PikaEventBroker(host, "guest", "guest", port=int(port), queues=[queue],
                             event_loop=asyncio.get_running_loop())
    await broker.connect()
    for event in json.load(open(path, encoding="utf-8")):
        broker.publish(event)
    while broker._background_tasks:  # the publishes still under way
        await asyncio.sleep(0.05)
    await broker.close()


def sql(db: str, path: str) -> None:
    from rasa.core.brokers.sql import SQLEventBroker

    broker = SQLEventBroker(dialect="sqlite", db=db)
    for event in json.load(open(path, encoding="utf-8")):
        broker.publish(event)


if __name__ == "__main__":
    if sys.argv[1] == "pika":
        asyncio.run(pika(*sys.argv[2:6]))
    else:
        sql(*sys.argv[2:4])
