"""The scanner's "scan to folder" directory: new files become pages, then move to done/.

Polled (no inotify dependency, works on SMB shares and Windows alike) from a worker thread.
A file is taken only once its size and mtime held still for SCAN_STABLE_POLLS polls, so a
scanner still writing it is never read half-done. Files are never deleted: taken ones move to
done/, ones that cannot be read move to rejected/ so the technician can look at them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from kiosk.capture import thresholds as T
from kiosk.capture.errors import CaptureError
from kiosk.capture.imports import import_file

_IGNORED_SUFFIXES = {".tmp", ".part", ".crdownload", ".partial"}


@dataclass(frozen=True)
class ScannedFile:
    """One file taken from the folder: its pages, or the error that made it rejected."""

    name: str
    pages: list[bytes]
    error: CaptureError | None = None
    moved_to: Path | None = None


class ScanFolder:
    def __init__(self, folder: Path, *, stable_polls: int = T.SCAN_STABLE_POLLS) -> None:
        self.folder = Path(folder)
        self.stable_polls = stable_polls
        self._seen: dict[Path, tuple[int, int, int]] = {}  # path -> (size, mtime_ns, polls held)

    def _candidates(self) -> list[Path]:
        try:
            entries = list(self.folder.iterdir())
        except OSError as exc:
            raise CaptureError(
                "capture.error.scan_folder_missing", folder=str(self.folder)
            ) from exc
        return sorted(
            p
            for p in entries
            if p.is_file()
            and not p.name.startswith((".", "~"))
            and p.suffix.lower() not in _IGNORED_SUFFIXES
        )

    def poll(self) -> list[Path]:
        """Files that have stopped changing, oldest name first; call once per timer tick."""
        ready: list[Path] = []
        current = self._candidates()
        for path in current:
            try:
                st = path.stat()
            except OSError:
                continue
            key = (st.st_size, st.st_mtime_ns)
            prev = self._seen.get(path)
            held = prev[2] + 1 if prev is not None and prev[:2] == key else 0
            self._seen[path] = (*key, held)
            if st.st_size > 0 and held >= self.stable_polls - 1 and prev is not None:
                ready.append(path)
        for gone in set(self._seen) - set(current):
            del self._seen[gone]
        return ready

    def _move(self, path: Path, sub: str) -> Path:
        target_dir = self.folder / sub
        target_dir.mkdir(exist_ok=True)
        target = target_dir / path.name
        n = 1
        while target.exists():
            target = target_dir / f"{path.stem}-{n}{path.suffix}"
            n += 1
        shutil.move(str(path), str(target))
        self._seen.pop(path, None)
        return target

    def take(self, path: Path) -> ScannedFile:
        """Import one ready file and move it out of the way (done/ or rejected/)."""
        try:
            pages = import_file(path)
        except CaptureError as exc:
            return ScannedFile(path.name, [], exc, self._move(path, "rejected"))
        return ScannedFile(path.name, pages, None, self._move(path, "done"))

    def collect(self) -> list[ScannedFile]:
        """poll() + take() for every ready file: one call per tick from the worker thread."""
        return [self.take(p) for p in self.poll()]
