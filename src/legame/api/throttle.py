"""Guessing API keys, slowed down: after :data:`MAX_FAILURES` wrong keys from one client
within :data:`WINDOW_SECONDS`, that client gets 429 (with ``Retry-After``) until its oldest
failure leaves the window.

A client is the address the request comes from (behind a reverse proxy, that is the proxy:
put the limit there too). Only keys presented and refused count: a request without a key,
and the right key, change nothing, so one client's guesses never lock out another. The
API's bearer keys and the dashboard's sign-in form share one :class:`FailedKeys` per app
(``app.state.failed_keys``); its clock is injectable, so tests need no sleeping.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

#: Wrong keys a client may present within the window before it is refused.
MAX_FAILURES = 20
#: The window, in seconds.
WINDOW_SECONDS = 300.0
#: Clients remembered at once; the one seen least recently is forgotten first.
MAX_CLIENTS = 10_000


class FailedKeys:
    """Wrong keys per client in a sliding window, and how long a client must wait."""

    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self.max_clients = max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, client: str | None) -> int | None:
        """Seconds ``client`` (an address; None: unknown) must wait before presenting a key
        again; None: it may now."""
        with self._lock:
            times = self._recent(client)
            if len(times) < self.max_failures:
                return None
            return max(1, math.ceil(times[-self.max_failures] + self.window - self.clock()))

    def failed(self, client: str | None) -> None:
        """Count a wrong key from ``client``."""
        with self._lock:
            times = self._recent(client)
            times.append(self.clock())
            while len(times) > self.max_failures:
                times.popleft()
            self._failures[client or ""] = times
            self._failures.move_to_end(client or "")
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)

    def _recent(self, client: str | None) -> deque[float]:
        times = self._failures.get(client or "", deque())
        since = self.clock() - self.window
        while times and times[0] <= since:
            times.popleft()
        return times
