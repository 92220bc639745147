"""A signed-in staff member's session: who, in which role, and since when idle.

Qt-free: the clerk screens hold one, call `touch(now)` on every tap and end it when
`expired(now)` says so (three minutes idle), so a citizen never finds a staff screen open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.staff.errors import NotAllowed, SessionExpired
from kiosk.staff.model import IDLE_TIMEOUT, Action, Role, role_can
from kiosk.text import Text


@dataclass
class StaffSession:
    staff_id: str
    name: Text
    role: Role
    started_at: datetime
    last_activity: datetime
    ended: bool = False  # expired or signed out: no more actions
    signed_out: bool = False  # the end is in the audit (StaffDesk.sign_out)

    @classmethod
    def start(cls, staff_id: str, name: Text, role: Role, now: datetime) -> StaffSession:
        return cls(staff_id, name, role, started_at=now, last_activity=now)

    def expired(self, now: datetime) -> bool:
        """True once ended, or after `IDLE_TIMEOUT` without activity."""
        return self.ended or now - self.last_activity >= IDLE_TIMEOUT

    def touch(self, now: datetime) -> None:
        """Record activity; an expired session stays expired (SessionExpired)."""
        if self.expired(now):
            self.ended = True
            raise SessionExpired(
                "The staff session ended.", minutes=int(IDLE_TIMEOUT.total_seconds() // 60)
            )
        self.last_activity = max(self.last_activity, now)

    def can(self, action: Action | str) -> bool:
        """Whether this role may do `action` (see kiosk.staff.model.PERMISSIONS)."""
        return role_can(self.role, action)

    def require(self, action: Action | str, now: datetime) -> None:
        """Touch the session and check the role: SessionExpired or NotAllowed otherwise."""
        self.touch(now)
        if not self.can(action):
            raise NotAllowed(f"Role {self.role} may not {Action(action)}.")

    def end(self) -> None:
        self.ended = True
