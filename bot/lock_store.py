"""Rasa's Redis lock store with every change of a conversation's lock atomic (runs inside the
Rasa server's environment; `ASSISTANT_LOCK_STORE_URL` selects it, launcher/rasa_config.py).

Rasa Open Source 3.6's `RedisLockStore` reads a conversation's ticket lock, changes it in the
process and writes it back. Two replicas that take a ticket for the same conversation at the
same moment both read "no lock", both write a lock holding ticket 0, and both handle their
message at once (RasaHQ/rasa#9213; the concurrent lock store that fixed it left the open-source
edition). The cluster test of two messages sent at once to both replicas caught it. Here each
read-change-write is one Redis transaction: WATCH the key, change, MULTI/EXEC, and again from
the read when another replica changed the key in between. The stored lock is Rasa's own
(`TicketLock`), so the two stores can be swapped on the same Redis database."""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Any]]


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None,
                 **kwargs: Any) -> None:
        if endpoint_config is not None:  # as Rasa builds a lock store named by its class
            kwargs = {**endpoint_config.kwargs, **kwargs}
            kwargs.setdefault("host", endpoint_config.url or "localhost")
        super().__init__(**kwargs)

    def _change(self, conversation_id: Text, change: Change) -> Any:
        """Apply `change` (the lock or None -> the new lock or None to delete it, and a
        result) to the stored lock atomically; returns the result."""
        key = self.key_prefix + conversation_id
        outcome: list = []

        def transaction(pipe: Any) -> None:
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else None
            new, result = change(lock)
            outcome[:] = [result]
            pipe.multi()
            if new is not None:
                pipe.set(key, new.dumps())
            elif stored:
                pipe.delete(key)

        self.red.transaction(transaction, key)
        return outcome[0] if outcome else None

    def issue_ticket(self, conversation_id: Text,
                     lock_lifetime: float = LOCK_LIFETIME) -> int:
        def take(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return int(self._change(conversation_id, take))
        except Exception as exc:  # as RedisLockStore: the channel reports a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: Text) -> None:
        def expire(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, expire)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Finish the ticket and delete the lock when nobody waits, in one transaction (a
        ticket issued in between keeps the lock)."""
        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish)
