"""The clerk's USB-stick picker, without Qt: what it may list and open, and nothing else.

Citizens never get a file browser, and the clerk's is a sandbox (issue 11, S1.4; issue 12):
only removable media mounted under /media or /run/media, only JPEG/PNG/PDF files, never a
symlink (a stick can carry one pointing at /etc or the kiosk's data), never a hidden file,
never a path that resolves outside the stick it was listed from. Every answer is checked
again when a file is opened, so a name made up by the screen (or a stick swapped meanwhile)
cannot reach anything the listing would not have shown.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from kiosk.usb_sticks import MOUNT_ROOTS, volumes

ALLOWED_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".pdf"})
MAX_FILE_BYTES = 40 * 1024 * 1024  # a scan or a phone photo; import_file refuses bombs too
MAX_ENTRIES = 500  # a folder with more lists its first 500 (sorted), with `truncated`


class UsbRefused(Exception):
    """A path the picker may not list or open; `message_key` is for the clerk."""

    message_key = "clerk.act.usb.refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.params: dict[str, object] = {}


@dataclass(frozen=True)
class UsbEntry:
    name: str
    path: Path  # resolved, inside `volume`
    is_dir: bool
    size: int  # bytes; 0 for folders


@dataclass(frozen=True)
class Listing:
    volume: Path
    folder: Path
    entries: tuple[UsbEntry, ...]
    truncated: bool = False

    @property
    def at_top(self) -> bool:
        return self.folder == self.volume


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


class UsbFiles:
    """Lists removable volumes and the image/PDF files on them.

    `mounts_only=False` treats every folder at depth 1 under a root as a volume (tests use a
    temporary folder as "/media"); on a kiosk only real mount points count, so a folder a
    user made under /media is not offered."""

    def __init__(self, roots: tuple[Path, ...] = MOUNT_ROOTS, *, mounts_only: bool = True):
        self.roots = tuple(Path(os.path.realpath(r)) for r in roots)
        self.mounts_only = mounts_only

    # -- volumes -----------------------------------------------------------------------------
    def volumes(self) -> list[Path]:
        return volumes(self.roots, mounts_only=self.mounts_only)

    @staticmethod
    def _scan(folder: Path) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(folder) as it:
                return list(it)
        except OSError:
            return []

    def volume_of(self, path: Path) -> Path:
        """The volume `path` is on (resolved), or UsbRefused."""
        real = Path(os.path.realpath(path))
        for volume in self.volumes():
            if _inside(real, volume):
                return volume
        raise UsbRefused(f"{path} is not on a removable volume")

    # -- listing and opening -----------------------------------------------------------------
    def list(self, folder: Path) -> Listing:
        """The sub-folders and allowed files of `folder` (on a volume), folders first."""
        volume = self.volume_of(folder)
        real = Path(os.path.realpath(folder))
        if not real.is_dir():
            raise UsbRefused(f"{folder} is not a folder")
        entries: list[UsbEntry] = []
        for e in sorted(self._scan(real), key=lambda e: (not _is_dir(e), e.name.lower())):
            if e.name.startswith(".") or e.is_symlink():
                continue
            path = Path(real, e.name)
            if _is_dir(e):
                entries.append(UsbEntry(e.name, path, True, 0))
            elif self._allowed_file(e):
                entries.append(UsbEntry(e.name, path, False, e.stat(follow_symlinks=False).st_size))
        truncated = len(entries) > MAX_ENTRIES
        return Listing(volume, real, tuple(entries[:MAX_ENTRIES]), truncated)

    @staticmethod
    def _allowed_file(e: os.DirEntry[str]) -> bool:
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            return False
        return (
            stat.S_ISREG(st.st_mode)
            and Path(e.name).suffix.lower() in ALLOWED_SUFFIXES
            and 0 < st.st_size <= MAX_FILE_BYTES
        )

    def parent(self, listing: Listing) -> Path | None:
        """The folder above, or None at the top of the volume (the picker goes no higher)."""
        return None if listing.at_top else listing.folder.parent

    def open(self, path: Path) -> Path:
        """`path` checked again just before it is read: a regular, allowed, non-hidden file
        reached without a symlink, on a volume. Returns the resolved path to read."""
        volume = self.volume_of(path)
        given = Path(os.path.abspath(path))
        # Every part from the volume down must be a real folder or the file, not a link.
        try:
            rel = given.relative_to(volume)
        except ValueError:
            raise UsbRefused(f"{path} is not reached inside {volume}") from None
        step = volume
        for part in rel.parts:
            if part in ("..", ".") or part.startswith("."):
                raise UsbRefused(f"{path} has a hidden or relative part")
            step = step / part
            if step.is_symlink():
                raise UsbRefused(f"{path} goes through a symlink")
        try:
            st = os.stat(step, follow_symlinks=False)
        except OSError as exc:
            raise UsbRefused(f"{path} cannot be read: {exc}") from None
        if not stat.S_ISREG(st.st_mode):
            raise UsbRefused(f"{path} is not a file")
        if step.suffix.lower() not in ALLOWED_SUFFIXES:
            raise UsbRefused(f"{path} is not a JPEG, PNG or PDF file")
        if not 0 < st.st_size <= MAX_FILE_BYTES:
            raise UsbRefused(f"{path} is empty or too large")
        return step


def _is_dir(e: os.DirEntry[str]) -> bool:
    try:
        return e.is_dir(follow_symlinks=False)
    except OSError:
        return False
