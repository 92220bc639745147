"""Retry delays: tell a dead link apart from a server that asks us to wait.

- The server is overloaded or failing (5xx, 429, anything it answered): exponential backoff
  with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"), a window never
  shorter than one sync interval, capped, honouring `Retry-After`. This spreads a commune's
  kiosks so they don't all hammer a recovering server at once.
- The link failed (connection refused, reset or timed out): probe soon and cheaply (the caller
  pings), a few seconds apart, growing gently to a modest cap, and resume the moment the link is
  back. A flapping rural link is down for seconds, not minutes: the long window would waste most
  of its up time (tests/bench/sync_bench.py, profile `flapping`). Only while the outage is young,
  though: one that outlasts `patience` may be shared by every kiosk (the server's uplink, a
  restart), and falls back to the long jittered window, so they do not return in a herd
  (tests/bench/server_bench.py, outage).

Clock and random source are passed in so tests can drive it without sleeping.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from sync.protocol import parse_uint

BASE_SECONDS = 2.0
CAP_SECONDS = 600.0
# The jitter window is never shorter than one sync interval: after a short outage, kiosks that
# failed only once or twice would otherwise all come back within seconds of each other
# (tests/bench/server_bench.py: 5.65x the steady rate without the floor, 1.7x with it).
FLOOR_SECONDS = 60.0
# After a link failure: probe after 2 s, 3 s, 4.5 s… up to 15 s (each drawn from the upper half
# of its value, so a kiosk's probes don't tick in step with anything), for one sync interval.
PROBE_BASE_SECONDS = 2.0
PROBE_GROWTH = 1.5
PROBE_CAP_SECONDS = 15.0
PROBE_PATIENCE_SECONDS = 60.0


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:  # delta-seconds in ASCII digits: float() would take "٣" or "1e3"
        return float(parse_uint(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class Backoff:
    """Counts consecutive failures and says how long to wait before the next try."""

    base: float = BASE_SECONDS
    cap: float = CAP_SECONDS
    floor: float = FLOOR_SECONDS
    probe_base: float = PROBE_BASE_SECONDS
    probe_cap: float = PROBE_CAP_SECONDS
    patience: float = PROBE_PATIENCE_SECONDS
    clock: Callable[[], float] = field(default=lambda: 0.0)
    rand: Callable[[], float] = field(default=_random.random)
    failures: int = 0  # answered failures (5xx, 429…) and link failures past `patience`
    probes: int = 0  # link failures of the current outage, while it is young
    offline_since: float | None = None  # when the current outage was first noticed
    not_before: float = 0.0

    @property
    def failing(self) -> bool:
        """True until the next success: the caller must not wait a whole interval first."""
        return self.failures > 0 or self.probes > 0

    def delay(self, retry_after: float | None = None) -> float:
        """The wait after one more failure: uniform in [0, min(cap, max(floor, base·2^n))],
        and at least Retry-After."""
        ceiling = min(self.cap, max(self.floor, self.base * (2.0 ** min(self.failures, 30))))
        wait = self.rand() * ceiling
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap))
        return wait

    def failed(self, retry_after: float | None = None) -> float:
        """Record a failure the server answered (5xx, 429, a refusal): returns the chosen wait
        and remembers when the next try is due. The link works, so any outage is over."""
        self.offline_since = None
        self.probes = 0
        return self._window(retry_after)

    def _window(self, retry_after: float | None) -> float:
        wait = self.delay(retry_after)
        self.failures += 1
        self.not_before = self.clock() + wait
        return wait

    def probe_delay(self) -> float:
        """The wait before the next probe of a young outage: in [d/2, d] with
        d = min(probe_cap, probe_base·1.5^n)."""
        top = min(self.probe_cap, self.probe_base * PROBE_GROWTH ** min(self.probes, 30))
        return top * (0.5 + 0.5 * self.rand())

    def link_failed(self) -> float:
        """Record a failure of the link itself (refused, reset, timed out): a short wait before
        a cheap probe while the outage is young, then the long jittered window."""
        now = self.clock()
        if self.offline_since is None:
            self.offline_since = now
        if now - self.offline_since >= self.patience:
            return self._window(None)
        wait = self.probe_delay()
        self.probes += 1
        self.not_before = now + wait
        return wait

    def succeeded(self) -> None:
        self.failures = 0
        self.probes = 0
        self.offline_since = None
        self.not_before = 0.0

    def remaining(self) -> float:
        """Seconds until the next try is allowed (0 when due)."""
        return max(0.0, self.not_before - self.clock())
