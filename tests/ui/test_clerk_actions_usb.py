"""The clerk's USB picker: only image/PDF files on a removable "mount", never out of it
(path traversal, symlinks, hidden files); and its touch list in the supplement screen."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from kiosk.clerk.usb_files import UsbFiles, UsbRefused
from tests.ui.conftest import LONG_WAIT_MS, write_test_image


@pytest.fixture
def media(tmp_path: Path) -> Path:
    """A fake /media with one stick, holding allowed files, other files and traps."""
    root = tmp_path / "media"
    stick = root / "STICK"
    (stick / "scans").mkdir(parents=True)
    write_test_image(stick / "paper.jpg")
    write_test_image(stick / "scans" / "page2.JPEG")
    (stick / "letter.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (stick / "virus.exe").write_bytes(b"MZ")
    (stick / "notes.txt").write_text("hello")
    (stick / ".hidden.jpg").write_bytes((stick / "paper.jpg").read_bytes())
    (stick / "empty.png").write_bytes(b"")
    secret = tmp_path / "kiosk-data"
    secret.mkdir()
    write_test_image(secret / "citizen.jpg")
    os.symlink(secret / "citizen.jpg", stick / "link.jpg")
    os.symlink(secret, stick / "linked_folder")
    return root


def test_lists_only_allowed_files_and_folders(media: Path) -> None:
    files = UsbFiles((media,), mounts_only=False)
    assert [v.name for v in files.volumes()] == ["STICK"]
    listing = files.list(media / "STICK")
    names = [(e.name, e.is_dir) for e in listing.entries]
    assert names == [("scans", True), ("letter.pdf", False), ("paper.jpg", False)]
    assert listing.at_top and files.parent(listing) is None
    inner = files.list(media / "STICK" / "scans")
    assert [e.name for e in inner.entries] == ["page2.JPEG"]
    assert files.parent(inner) == listing.folder


def test_cannot_leave_the_stick(media: Path, tmp_path: Path) -> None:
    files = UsbFiles((media,), mounts_only=False)
    stick = media / "STICK"
    with pytest.raises(UsbRefused):
        files.list(stick / ".." / ".." / "kiosk-data")
    with pytest.raises(UsbRefused):
        files.list(stick / "linked_folder")  # resolves outside the mount
    with pytest.raises(UsbRefused):
        files.open(stick / "link.jpg")
    with pytest.raises(UsbRefused):
        files.open(stick / "scans" / ".." / ".." / ".." / "kiosk-data" / "citizen.jpg")
    for name in ("virus.exe", "notes.txt", ".hidden.jpg", "empty.png", "scans"):
        with pytest.raises(UsbRefused):
            files.open(stick / name)
    with pytest.raises(UsbRefused):
        files.list(tmp_path)
    assert files.open(stick / "scans" / "page2.JPEG") == stick / "scans" / "page2.JPEG"
    # On a kiosk only real mount points count: a folder under /media is not a stick.
    assert UsbFiles((media,)).volumes() == []


@pytest.mark.qt
def test_the_supplement_screen_takes_pages_from_the_stick(
    kiosk: Any, qtbot: Any, media: Path
) -> None:
    from tests.ui.test_clerk_actions_support import BUSINESS, Station

    station = Station(kiosk, qtbot)
    station.sign_in()
    kiosk.ctx.extras["usb_files"] = UsbFiles((media,), mounts_only=False)
    receipt = station.submitted(BUSINESS)
    reg_id = receipt.registration_id
    station.sent(reg_id, "needs_papers", note="Bring the premises paper")
    page = station.act("clerk_supplement", reg_id=reg_id)
    assert "premises paper" in page.note.text()
    pages_before = len(station.view(reg_id).page_media_ids)

    station.tap(page.usb)  # no paper chosen yet
    assert station.shown_error(page)
    station.tap(page.fields["premises_paper"])
    station.tap(page.usb)
    picker = page.picker
    button = type(page.primary)
    qtbot.waitUntil(lambda: picker.findChild(button, "clerkUsbVolume_STICK") is not None,
                    timeout=LONG_WAIT_MS)  # fmt: skip
    station.tap(picker.findChild(button, "clerkUsbVolume_STICK"))
    qtbot.waitUntil(lambda: picker.listing is not None, timeout=LONG_WAIT_MS)
    shown = [e.name for e in picker.listing.entries]
    assert "virus.exe" not in shown and "link.jpg" not in shown and "paper.jpg" in shown
    station.tap(picker.findChild(button, "clerkUsbEntry_paper.jpg"))
    qtbot.waitUntil(lambda: bool(page.step.pages), timeout=LONG_WAIT_MS)
    assert page.primary.isEnabled()
    station.tap(page.primary)
    station.wait_done(page)
    assert not page.error.isVisible(), station.shown_error(page)
    assert page.done_label.isVisible()
    view = station.view(reg_id)
    assert view.version == 2
    assert len(view.page_media_ids) == pages_before + 1
