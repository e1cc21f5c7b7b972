"""A small in-process rate limit for public endpoints that create work for people (the web
chat's callback request): at most `limit` requests per client in a sliding window. Per API
replica; a deployment behind a balancer divides the budget among its replicas."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    def __init__(self, limit: int, window_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self._clock = limit, window_s, clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """True, and the request counted, if the client is under its limit."""
        now = self._clock()
        with self._lock:
            times = self._seen.setdefault(client, deque())
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            if len(self._seen) > 10_000:  # forget clients that went quiet
                for key in [k for k, v in self._seen.items() if not v]:
                    del self._seen[key]
            return True
