"""`sala diagnostics --out FILE`: one zip for the ministry's support, with no personal data.

Inside: `logs/` (the rotating log), `versions.json`, `config.json` (secrets removed, the
server URL kept), `self-test.json`, `queue.json` (counts by state) and `sync-errors.json`.

Every text that goes in passes through one scrubber: phone- and ID-shaped numbers are
redacted (kiosk/logs.py), and so is every answer value stored on this kiosk (names, phones,
IDs, and each word of them), because an error text or a log line may quote one and no pattern
can recognise a name. If the store cannot be opened (locked key), the answers are unknown,
so error texts are withheld rather than risked. Written atomically (kiosk/durable.py).
"""

from __future__ import annotations

import io
import json
import platform
import re
import sqlite3
import sys
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kiosk.diagnostics.model import CameraProbe, Context
from kiosk.logs import LOG_DIR, REDACTED, redact

# Key names whose values never leave the kiosk (the server URL is kept on purpose).
_SECRET = re.compile(r"passphrase|secret|token|password|private|key|pin|code", re.IGNORECASE)
_KEEP_KEYS = {"server_url", "commune_code", "kiosk_number"}
_MIN_WORD = 3  # shorter answer words ("M", "km") would redact half of every text
WITHHELD = "[withheld: the store is locked, so personal data cannot be told apart]"


class Scrubber:
    """Redacts phone/ID-shaped numbers and the given personal values from any text."""

    def __init__(self, values: set[str] | None) -> None:
        self.known = values is not None
        words = set()
        for value in values or ():
            words.add(value)
            words.update(w for w in re.split(r"[\s,.;:/()\-]+", value) if len(w) >= _MIN_WORD)
        ordered = sorted((w for w in words if len(w) >= _MIN_WORD), key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(re.escape(w) for w in ordered), re.IGNORECASE) if ordered else None
        )

    def text(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        return redact(text)

    def error(self, text: object) -> str | None:
        """A free error text: scrubbed, or withheld when the answers are unknown."""
        if text is None:
            return None
        return self.text(str(text)) if self.known else WITHHELD

    def tree(self, value: Any, *, free_text: bool = False) -> Any:
        if isinstance(value, dict):
            return {k: self.tree(v, free_text=free_text) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.tree(v, free_text=free_text) for v in value]
        if isinstance(value, str):
            return self.error(value) if free_text else self.text(value)
        return value


def personal_values(ctx: Context) -> set[str] | None:
    """Every string answer of every stored application (None if the store does not open)."""
    from kiosk.model import State

    store = ctx.store
    if store is None:
        return None
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.add(value.strip())
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    for state in State:
        if state.value == "purged":
            continue
        for reg in store.list_by_state(state, limit=1_000_000):
            walk(reg.answers)
    return {v for v in found if v}


def _dist_version(*names: str) -> str | None:
    from importlib import metadata

    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def versions(app: str) -> dict[str, Any]:
    """Qt's version from the installed distribution: the core may not import Qt."""
    opencv = _dist_version("opencv-python-headless", "opencv-python")
    return {
        "app": app,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "qt": _dist_version("PySide6-Essentials", "PySide6"),
        "opencv": opencv,
        "numpy": _dist_version("numpy"),
        "sqlite": sqlite3.sqlite_version,
    }


def _no_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _no_secrets(v)
            for k, v in value.items()
            if k in _KEEP_KEYS or not _SECRET.search(str(k))
        }
    if isinstance(value, list):
        return [_no_secrets(v) for v in value]
    return value


def configuration(ctx: Context) -> dict[str, Any]:
    """The config in use and the enrolment file, without keys, tokens or passphrases."""
    from kiosk.config import ConfigError
    from kiosk.diagnostics.store_checks import IDENTITY_FILE

    out: dict[str, Any] = {}
    try:
        cfg = ctx.load_config()
        out["config"] = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()}
    except ConfigError as exc:
        out["config_error"] = str(exc)
    ident = ctx.data_dir / IDENTITY_FILE
    if ident.exists():
        try:
            out["enrolment"] = json.loads(ident.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            out["enrolment_error"] = type(exc).__name__
    clean: dict[str, Any] = _no_secrets(out)
    return clean


def _logs(data_dir: Path, scrub: Scrubber) -> dict[str, bytes]:
    folder = data_dir / LOG_DIR
    if not folder.is_dir():
        return {}
    return {
        f"logs/{p.name}": scrub.text(p.read_text(encoding="utf-8", errors="replace")).encode()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def build_bundle(ctx: Context) -> dict[str, bytes]:
    """The bundle's files (name -> bytes), every text scrubbed."""
    from kiosk.diagnostics import app_version, run_checks
    from kiosk.diagnostics.queue import read_queue, sync_errors

    with ctx.session():
        results = run_checks(ctx)  # opens the store (its database check), which we reuse
        if ctx.store is None:  # run_checks closed it: open it again for the answers
            from kiosk.diagnostics.store_checks import check_database

            check_database(ctx)
        values = personal_values(ctx) if ctx.store is not None else None
    scrub = Scrubber(values)
    try:
        queue: dict[str, Any] = read_queue(ctx.data_dir)
        errors: dict[str, Any] = sync_errors(ctx.data_dir)
    except (sqlite3.Error, ValueError) as exc:
        queue = {"damaged": type(exc).__name__}
        errors = {}
    for row in queue.get("damaged_rows", []):
        row["why"] = scrub.error(row.get("why"))
    queue["last_sync_error"] = scrub.tree(queue.get("last_sync_error"), free_text=True)
    files = {
        "versions.json": versions(ctx.version or app_version()),
        "config.json": scrub.tree(configuration(ctx)),
        "self-test.json": scrub.tree([r.as_dict() for r in results]),
        "queue.json": queue,
        "sync-errors.json": scrub.tree(errors, free_text=True),
    }
    out = {
        name: json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
        for name, data in files.items()
    }
    out.update(_logs(ctx.data_dir, scrub))
    return out


def write_bundle(data_dir: Path, out: Path, *, camera: CameraProbe | None = None) -> Path:
    """Build and write the zip atomically (a pulled stick leaves the old file or none)."""
    from kiosk.durable import write_atomic

    files = build_bundle(Context(Path(data_dir), camera=camera))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
    write_atomic(Path(out), buf.getvalue(), mode=0o600)
    return Path(out)
