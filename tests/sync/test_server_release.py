"""`sala server release publish`: a release signed with the ministry's key (made here with the
protocol's own signing base, as packaging/release.py does) is checked and announced to every
kiosk in the change feed; a bad signature, another key or a .deb that is not the signed one
is refused and nothing is published. Server-only: no kiosk code."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import protocol as p
from tests.sync.conftest import Kiosk, ServerProcess


def _key_file(tmp: Path, key: Ed25519PrivateKey, name: str) -> Path:
    raw = p.b64url_decode(p.public_key_b64(key))
    kid = hashlib.sha256(raw).hexdigest()[:16]
    path = tmp / name
    path.write_text(f"sala-release-ed25519 {p.public_key_b64(key)} {kid}\n")
    return path


def _signed(key: Ed25519PrivateKey, deb: Path, version: str, **over: object) -> bytes:
    data = deb.read_bytes()
    manifest = {
        "format": p.RELEASE_FORMAT, "package": "sala-kiosk", "version": version,
        "deb": {"file": deb.name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)},
        "min_version": "0.1.0", "channel": "stable", "issued_at": "2026-12-01T08:00:00Z",
        "valid_days": 90, "key_id": "test",
    }  # fmt: skip
    manifest.update(over)
    sig = key.sign(p.release_signature_base(manifest))
    return p.canonical_json({"manifest": manifest, "signature": p.b64url_encode(sig)})


@pytest.fixture
def release(tmp_path: Path) -> tuple[Ed25519PrivateKey, Path, Path]:
    key = Ed25519PrivateKey.generate()
    deb = tmp_path / "sala-kiosk_0.2.0_amd64.deb"
    deb.write_bytes(b"!<arch>\n" + b"x" * 5000)
    return key, _key_file(tmp_path, key, "release_key.pub"), deb


def _releases(kiosk: Kiosk) -> list[dict[str, object]]:
    r = kiosk.request("GET", "/v1/changes?limit=1000")
    assert r.status_code == 200, r.text
    return [c for c in r.json()["changes"] if c["kind"] == p.RELEASE_KIND]


def test_a_signed_release_reaches_every_kiosk_in_the_feed(
    server: ServerProcess,
    kiosk: Kiosk,
    tmp_path: Path,
    release: tuple[Ed25519PrivateKey, Path, Path],
) -> None:
    key, pub, deb = release
    doc = _signed(key, deb, "0.2.0")
    (tmp_path / "manifest.json").write_bytes(doc)
    out = server.cli("release", "publish", str(tmp_path / "manifest.json"), str(deb),
                     "--key", str(pub), check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    (entry,) = _releases(kiosk)
    assert p.canonical_json(entry["manifest"]) == doc  # relayed unchanged: kiosks verify it
    assert entry["version"] == "0.2.0" and entry["url"] == "/v1/releases/0.2.0/deb"
    assert entry["size"] == deb.stat().st_size
    stored = server.data_dir / "releases" / "0.2.0"
    assert (stored / deb.name).read_bytes() == deb.read_bytes()

    again = server.cli("release", "publish", str(tmp_path / "manifest.json"), str(deb),
                       "--key", str(pub), check=False)  # fmt: skip
    assert again.returncode == 1 and "already published" in again.stderr
    assert len(_releases(kiosk)) == 1


@pytest.mark.parametrize("case", ["tampered", "other_key", "other_deb", "not_a_manifest"])
def test_a_bad_release_is_refused_and_nothing_is_published(
    server: ServerProcess, kiosk: Kiosk, tmp_path: Path,
    release: tuple[Ed25519PrivateKey, Path, Path], case: str,
) -> None:  # fmt: skip
    key, pub, deb = release
    version = f"0.3.{['tampered', 'other_key', 'other_deb', 'not_a_manifest'].index(case)}"
    doc = _signed(key, deb, version)
    if case == "tampered":
        doc = doc.replace(b'"channel":"stable"', b'"channel":"pilot"')
    elif case == "other_key":
        doc = _signed(Ed25519PrivateKey.generate(), deb, version)
    elif case == "other_deb":
        deb.write_bytes(deb.read_bytes() + b"!")
    else:
        doc = b'{"hello": "world"}'
    (tmp_path / "m.json").write_bytes(doc)
    before = len(_releases(kiosk))
    out = server.cli("release", "publish", str(tmp_path / "m.json"), str(deb), "--key", str(pub),
                     check=False)  # fmt: skip
    assert out.returncode == 1 and "Nothing was published" in out.stderr, out.stderr
    assert len(_releases(kiosk)) == before
    assert not (server.data_dir / "releases" / version).exists()
