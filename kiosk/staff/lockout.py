"""The wrong-PIN rule, as pure functions of a state and a time (the clock is passed in).

After `MAX_FAILURES` wrong PINs or codes in a row the account locks for `FIRST_LOCK`; each
further lock lasts twice the one before, up to `LONGEST_LOCK`. A right PIN, a supervisor's
unlock or a back-office unlock code starts the count afresh.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

MAX_FAILURES = 3
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)


@dataclass(frozen=True)
class LockState:
    failures: int = 0  # wrong tries since the last lock or success
    locks: int = 0  # locks since the last success or unlock
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def minutes_left(self, now: datetime) -> int:
        """Whole minutes until the lock opens by itself, rounded up (0 when not locked)."""
        if not self.locked(now):
            return 0
        assert self.locked_until is not None
        return max(1, math.ceil((self.locked_until - now).total_seconds() / 60))

    def tries_left(self) -> int:
        return max(0, MAX_FAILURES - self.failures)


def lock_duration(nth: int) -> timedelta:
    """How long the `nth` lock (1-based) lasts: 1, 2, 4, ... minutes, never over an hour."""
    if nth <= 1:
        return FIRST_LOCK
    doubled: timedelta = FIRST_LOCK * (1 << min(nth - 1, 32))
    return min(LONGEST_LOCK, doubled)


def after_failure(state: LockState, now: datetime) -> LockState:
    """The state after one more wrong PIN or code at `now`. The third in a row locks; a wrong
    code typed while locked (an unlock code) can lock again, longer."""
    failures = state.failures + 1
    if failures < MAX_FAILURES:
        return replace(state, failures=failures)
    locks = state.locks + 1
    until = now + lock_duration(locks)
    if state.locked_until is not None and state.locked_until > until:
        until = state.locked_until
    return LockState(failures=0, locks=locks, locked_until=until)


CLEARED = LockState()
