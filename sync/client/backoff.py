"""Retry delays: exponential backoff with full jitter, capped, honouring `Retry-After`.

Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter") spreads a commune's
kiosks so they don't all hammer the server the moment the link comes back. Clock and random
source are passed in so tests can drive it without sleeping.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

BASE_SECONDS = 2.0
CAP_SECONDS = 600.0
# The jitter window is never shorter than one sync interval: after a short outage, kiosks that
# failed only once or twice would otherwise all come back within seconds of each other
# (tests/bench/server_bench.py: 5.65x the steady rate without the floor, 1.7x with it).
FLOOR_SECONDS = 60.0


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
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
    clock: Callable[[], float] = field(default=lambda: 0.0)
    rand: Callable[[], float] = field(default=_random.random)
    failures: int = 0
    not_before: float = 0.0

    def delay(self, retry_after: float | None = None) -> float:
        """The wait after one more failure: uniform in [0, min(cap, max(floor, base·2^n))],
        and at least Retry-After."""
        ceiling = min(self.cap, max(self.floor, self.base * (2.0 ** min(self.failures, 30))))
        wait = self.rand() * ceiling
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap))
        return wait

    def failed(self, retry_after: float | None = None) -> float:
        """Record a failure; returns the chosen wait and remembers when the next try is due."""
        wait = self.delay(retry_after)
        self.failures += 1
        self.not_before = self.clock() + wait
        return wait

    def succeeded(self) -> None:
        self.failures = 0
        self.not_before = 0.0

    def remaining(self) -> float:
        """Seconds until the next try is allowed (0 when due)."""
        return max(0.0, self.not_before - self.clock())
