"""Rasa's SQL tracker store, made to survive a restart of its database and to fail loudly while
the database is down (runs inside the Rasa server's environment; launcher/rasa_config.py names
it in endpoints.yml). Tables, events and queries stay Rasa's own.

Two things in Rasa Open Source 3.6 that the cluster test of the conversation database
restarted between two turns caught:

- The store's SQLAlchemy engine has no `pool_pre_ping`. After the database restarted, every
  pooled connection was dead, and the first turn of each replica failed. Here a connection is
  checked with a cheap round trip when taken from the pool and replaced when it is dead.
- The agent wraps every tracker store in `FailSafeTrackerStore`, which answers a failed read
  with "no such conversation" and keeps a failed write in the process's memory. While the
  database was down, a customer in the middle of a diagnosis got the greeting of a new
  conversation in English, and what was said then was never stored. Here the agent keeps this
  store unwrapped: a turn whose conversation cannot be read or written fails, the REST channel
  answers it with no messages, and the web chat's proxy says the assistant is briefly
  unavailable (api/routes/chat.py). Nothing is answered from a forgotten conversation.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.agent import Agent
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain


class DurableSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        # The same engine options Rasa chose (pool size, schema), plus the ping.
        pinged = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.engine.dispose()
        self.engine = pinged
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)


_stock_wrapper = Agent._create_tracker_store


def _create_tracker_store(store: TrackerStore | None, domain: Domain) -> TrackerStore:
    if isinstance(store, DurableSQLTrackerStore):
        store.domain = domain
        return store
    return _stock_wrapper(store, domain)


# Applied when Rasa imports this module, which it does to build the tracker store named in
# endpoints.yml, before it builds the agent around it.
Agent._create_tracker_store = staticmethod(_create_tracker_store)  # type: ignore[method-assign]
