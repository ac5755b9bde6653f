"""How fast one client may vote: a sliding window of the last minute, kept in
this process (each replica counts its own), keyed by the client's address."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_S = 60.0
MAX_CLIENTS = 10_000  # clients remembered; beyond, the quietest are forgotten


class RateLimit:
    """At most ``per_minute`` calls of :meth:`allow` per client in any 60 seconds."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError(f"a rate limit is at least 1 a minute, not {per_minute}")
        self.per_minute = per_minute
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Whether ``client`` may act now; counted when it may."""
        now = self._clock()
        with self._lock:
            times = self._seen.setdefault(client, deque())
            while times and times[0] <= now - WINDOW_S:
                times.popleft()
            if len(times) >= self.per_minute:
                return False
            times.append(now)
            if len(self._seen) > MAX_CLIENTS:
                self._forget(now)
            return True

    def _forget(self, now: float) -> None:
        for client in [c for c, times in self._seen.items() if not times or times[-1] <= now - WINDOW_S]:
            del self._seen[client]
        while len(self._seen) > MAX_CLIENTS:
            del self._seen[next(iter(self._seen))]
