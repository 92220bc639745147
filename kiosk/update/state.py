"""What the updater remembers between runs: the anti-rollback floor and the freshness clock.

One small JSON file written durably (kiosk/durable.py). The kiosk keeps one in its data dir
(`update/state.json`, for its own checks and the technician screen); the root-owned
`sala-update` unit keeps the authoritative one in /var/lib/sala-update, out of the kiosk
user's reach, so a compromised kiosk process cannot lower the floor.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from kiosk.durable import write_atomic
from kiosk.update.manifest import Manifest
from kiosk.update.versions import compare
from sync import protocol

STATE_FILE = "state.json"


def _max_version(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if compare(a, b) >= 0 else b


def _later(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if protocol.parse_date(a) >= protocol.parse_date(b) else b


@dataclass
class UpdateState:
    highest_version: str | None = None  # the newest version ever installed or accepted
    floor_version: str | None = None  # the highest `min_version` of any verified manifest
    # The `issued_at` of the manifest that raised the floor to `floor_version`: a signed
    # downgrade issued before it cannot have known that floor, so it does not lift it.
    floor_issued_at: str | None = None
    newest_issued_at: str | None = None  # the latest `issued_at` of any verified manifest
    last_contact: str | None = None  # server time of the last successful sync (RFC 3339)

    def reference_time(self) -> datetime | None:
        """Freshness is measured against this, never the device clock alone: the later of the
        last server contact and the newest manifest seen. An offline kiosk's clock stops
        here, so weeks offline expire nothing; a replayed old manifest is still refused."""
        newest = _later(self.last_contact, self.newest_issued_at)
        return protocol.parse_date(newest) if newest else None

    def floor_since(self) -> datetime | None:
        """When the floor was raised to `floor_version`. A state written before this was kept
        falls back to the newest manifest seen, which is no earlier: a downgrade issued after
        every manifest the kiosk has verified still lifts the floor."""
        since = self.floor_issued_at or self.newest_issued_at
        return protocol.parse_date(since) if since else None

    def note_contact(self, server_time: datetime) -> None:
        self.last_contact = _later(self.last_contact, protocol.format_date(server_time))

    def accept(self, m: Manifest) -> None:
        """Raise the floors after a release was verified (never lowers anything)."""
        self.highest_version = _max_version(self.highest_version, m.version)
        if self.floor_version is None or compare(m.min_version, self.floor_version) > 0:
            self.floor_version = m.min_version
            self.floor_issued_at = protocol.format_date(m.issued_at)
        self.newest_issued_at = _later(self.newest_issued_at, protocol.format_date(m.issued_at))


def load(directory: Path) -> UpdateState:
    try:
        raw = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UpdateState()
    except (OSError, ValueError):  # damaged: start from nothing, the installed version rules
        return UpdateState()
    known = UpdateState.__dataclass_fields__
    return UpdateState(**{k: v for k, v in raw.items() if k in known and isinstance(v, str)})


def save(directory: Path, state: UpdateState) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    write_atomic(directory / STATE_FILE, protocol.canonical_json(asdict(state)), mode=0o600)
