"""The technician's log: `<data dir>/logs/sala.log`, rotated (1 MB x 5), with PII redacted.

Names and answers are never passed to log calls (that is a rule for callers: log ids and
application numbers, not what the citizen typed). What a rule cannot catch, the filter does:
anything shaped like a phone number or a national ID (8+ digits, spaces/dots/dashes allowed,
also in Khmer digits) becomes `[redacted]`, in the message, its arguments and the traceback.
Application numbers, registration ids (UUIDs) and dates are kept: they are what a technician
needs to follow one application through the log, and they say nothing about the citizen.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

LOG_DIR = "logs"
LOG_FILE = "sala.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 5
REDACTED = "[redacted]"

_KEEP = (
    r"\d{6}-(?:\d{2}-)?\d{5,}-\d"  # application number (kiosk/store/appnumber.py)
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # uuid
    r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"  # ISO date/time
)
_PII = r"\+?\d(?:[ .\-]?\d){7,}"  # phones (8+ digits) and 9-digit national IDs
_PATTERN = re.compile(rf"(?<![^\W_])(?:(?P<keep>{_KEEP})|(?P<pii>{_PII}))(?![^\W_])")


def redact(text: str) -> str:
    """`text` with phone- and ID-shaped digit runs replaced by `[redacted]`."""
    return _PATTERN.sub(lambda m: m.group("keep") or REDACTED, text)


class RedactingFilter(logging.Filter):
    """Redacts a record's message (arguments merged in) and its traceback before any handler
    formats it; the record keeps its level, logger and time."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the template, drop the arguments
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RotatingFile(logging.FileHandler):
    """`logging.handlers.RotatingFileHandler`'s rotation (sala.log -> sala.log.1 … .N) on
    the core FileHandler: importing `logging.handlers` pulls in socket, pickle and queue,
    ~13 ms of the kiosk's start-up for one class."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self.max_bytes, self.backups = max_bytes, backups

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.stream is None:
                self.stream = self._open()
            size = self.stream.tell()
            if size and size + len(self.format(record).encode()) + 1 > self.max_bytes:
                self._rotate()
        except Exception:
            self.handleError(record)
            return
        super().emit(record)

    def _rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.stream = None  # reopened by FileHandler.emit
        base = self.baseFilename
        for i in range(self.backups - 1, 0, -1):
            if os.path.exists(f"{base}.{i}"):
                os.replace(f"{base}.{i}", f"{base}.{i + 1}")
        if self.backups > 0:
            os.replace(base, f"{base}.1")
        else:
            os.truncate(base, 0)


def log_path(data_dir: Path) -> Path:
    return Path(data_dir) / LOG_DIR / LOG_FILE


def setup_logging(
    data_dir: Path,
    *,
    level: int = logging.INFO,
    max_bytes: int = MAX_BYTES,
    backups: int = BACKUPS,
) -> Path:
    """Send the root logger to the rotating file in the data dir (once per process and dir:
    `sala kiosk` and `sala sync` both call this; a second call is a no-op)."""
    path = log_path(data_dir)
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "sala_log", None) == str(path):
            return path
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)  # the log is the technician's, like the data dir
    handler = RotatingFile(path, max_bytes, backups)
    handler.sala_log = str(path)  # type: ignore[attr-defined]
    handler.addFilter(RedactingFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return path


def remove_logging(data_dir: Path) -> None:
    """Detach and close the data dir's handler (tests, and before a data dir is deleted)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "sala_log", None) == str(log_path(data_dir)):
            root.removeHandler(handler)
            handler.close()


__all__ = [
    "REDACTED",
    "RedactingFilter",
    "RotatingFile",
    "log_path",
    "redact",
    "remove_logging",
    "setup_logging",
]
