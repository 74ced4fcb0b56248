"""Rate limits and paces, keyed by user, host or service. Pure: the caller passes the time."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

MAX_KEYS = 10_000


@dataclass
class SlidingWindow:
    """At most `limit` events per `window` seconds per key."""

    limit: int
    window: float
    _events: dict[int | str, deque[float]] = field(default_factory=dict)

    def retry_after(self, key: int | str, now: float) -> float:
        """Seconds until `key` may act again (0 when it may act now); records the act if so."""
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return events[0] + self.window - now
        events.append(now)
        if len(self._events) > MAX_KEYS:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
            del self._events[key]


@dataclass
class HostPace:
    """Starts to one host: a burst of `burst` at once, then one every `interval` seconds.

    A host left alone for `burst * interval` seconds has its whole burst back (the generic
    cell rate algorithm: `_due` is when the host's next start would be due at the steady pace).
    """

    interval: float
    burst: int = 1
    _due: dict[str, float] = field(default_factory=dict)

    def reserve(self, host: str, now: float, max_wait: float | None = None) -> float | None:
        """Book the next slot for `host`; return how long to wait before starting.

        None (and nothing booked) when the wait would be longer than `max_wait`.
        """
        due = max(now, self._due.get(host, now))
        start = max(now, due - (self.burst - 1) * self.interval)
        if max_wait is not None and start - now > max_wait:
            return None
        self._due[host] = due + self.interval
        if len(self._due) > MAX_KEYS:
            for key in [k for k, t in self._due.items() if t <= now]:
                del self._due[key]
        return start - now
