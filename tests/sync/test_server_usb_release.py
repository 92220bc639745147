"""Which release `sala server import` puts in a return bundle (`usb_import.release_for`),
server-side only: the newest published one by its signed issue time, none for a kiosk that
said it runs it, none when the stored .deb is not the one the manifest names."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sync.server.releases import RELEASES_DIR
from sync.server.usb_import import release_for

pytestmark = pytest.mark.server


def _published(data_dir: Path, version: str, issued_at: str, data: bytes) -> Path:
    """A release as `releases.publish` stores it (the server checks no signature here)."""
    folder = data_dir / RELEASES_DIR / version
    folder.mkdir(parents=True)
    deb = folder / f"sala-kiosk_{version}_amd64.deb"
    deb.write_bytes(data)
    info = {"file": deb.name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    manifest = {"format": "sala-release/1", "version": version, "deb": info,
                "issued_at": issued_at}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps({"manifest": manifest, "signature": "x"}))
    return deb


def test_the_newest_release_goes_back_unless_the_kiosk_runs_it(tmp_path: Path) -> None:
    assert release_for(tmp_path, "1.0") is None  # nothing published
    _published(tmp_path, "1.9", "2026-10-01T00:00:00Z", b"old deb")
    newest = _published(tmp_path, "1.10", "2026-11-01T00:00:00Z", b"new deb bytes")
    found = release_for(tmp_path, "1.0")
    assert found is not None
    entry, path = found
    deb = path.read_bytes()
    assert (entry["version"], deb) == ("1.10", b"new deb bytes")
    assert entry["manifest"]["manifest"]["version"] == "1.10"  # the signed document, unchanged
    assert entry["sha256"] == hashlib.sha256(deb).hexdigest() and entry["size"] == len(deb)
    assert release_for(tmp_path, None) is not None  # a kiosk that did not say: it checks
    assert release_for(tmp_path, "1.10") is None  # it runs this one already
    newest.write_bytes(b"new deb byteZ")  # the stored copy was altered: not sent
    assert release_for(tmp_path, "1.0") is None
