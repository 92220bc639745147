"""Signed releases: a good one is requested for install; every bad one (signature, key, hash,
truncation, expiry, rollback, minimum, no signature at all) is refused with its own message
and changes nothing. Also the shared helpers the other test_update_* modules use (`Release`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.i18n import error_text
from kiosk.update import manifest as mf
from kiosk.update import spool
from kiosk.update import state as state_mod
from kiosk.update.verify import verify_release
from kiosk.update.versions import compare
from sync import protocol

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@dataclass
class Release:
    """A release key and helpers to sign manifests of .deb files, as packaging/release.py does."""

    key: Ed25519PrivateKey
    pub_path: Path

    @classmethod
    def make(cls, directory: Path) -> Release:
        key = Ed25519PrivateKey.generate()
        pub = directory / "release_key.pub"
        pub.write_text(mf.public_key_text(key.public_key()))
        return cls(key, pub)

    def manifest(self, deb: Path, version: str, **kw: object) -> mf.Manifest:
        data = deb.read_bytes()
        m = mf.Manifest(
            version=version, deb_file=deb.name, sha256=hashlib.sha256(data).hexdigest(),
            size=len(data), min_version="0.1", channel="stable", issued_at=NOW,
            valid_days=90, key_id=mf.key_id(self.key.public_key()),
        )  # fmt: skip
        return replace(m, **kw)  # type: ignore[arg-type]

    def sign(self, deb: Path, version: str, **kw: object) -> bytes:
        return mf.sign(self.manifest(deb, version, **kw), self.key)


@pytest.fixture
def rel(tmp_path: Path) -> Release:
    return Release.make(tmp_path)


@pytest.fixture
def deb(tmp_path: Path) -> Path:
    path = tmp_path / "sala-kiosk_1.2.0_amd64.deb"
    path.write_bytes(b"!<arch>\n" + bytes(range(256)) * 400)
    return path


def _spool_state(data_dir: Path) -> dict[str, bytes]:
    d = spool.update_dir(data_dir)
    return {str(p.relative_to(d)): p.read_bytes() for p in d.rglob("*") if p.is_file()}


def test_a_good_release_is_verified_and_requested(rel: Release, deb: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    m = spool.request_install(data, rel.sign(deb, "1.2.0"), deb, rel.key.public_key(), "1.1.0")
    assert m.version == "1.2.0"
    sp = spool.update_dir(data) / spool.SPOOL_DIR
    assert json.loads((sp / spool.REQUEST).read_text()) == {"version": "1.2.0", "deb": deb.name}
    assert (sp / deb.name).read_bytes() == deb.read_bytes()
    assert state_mod.load(spool.update_dir(data)).highest_version == "1.2.0"


def _tamper_signature(doc: bytes) -> bytes:
    d = json.loads(doc)
    d["manifest"]["version"] = "9.9.9"  # signed fields changed after signing
    return protocol.canonical_json(d)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("bad_signature", "bad_signature"),
        ("wrong_key", "wrong_key"),
        ("wrong_hash", "hash_mismatch"),
        ("truncated", "size_mismatch"),
        ("expired", "expired"),
        ("rollback", "rollback"),
        ("below_minimum", "below_minimum"),
        ("same_version", "already_installed"),
        ("not_json", "bad_manifest"),
        ("unsigned", "unsigned"),
    ],
)
def test_a_bad_release_is_refused_and_nothing_changes(
    rel: Release, deb: Path, tmp_path: Path, case: str, code: str
) -> None:
    data = tmp_path / "data"
    directory = spool.update_dir(data)
    st = state_mod.UpdateState(highest_version="1.1.0", floor_version="1.0")
    st.note_contact(NOW + timedelta(days=100))  # the server was heard after the expiry
    installed, version, doc = "1.1.0", "1.2.0", rel.sign(deb, "1.2.0")
    if case == "expired":
        doc = rel.sign(deb, version, valid_days=30)
    elif case != "expired":
        doc = rel.sign(deb, version, issued_at=NOW + timedelta(days=99))
    if case == "bad_signature":
        doc = _tamper_signature(doc)
    elif case == "wrong_key":
        doc = Release.make(tmp_path / "..").sign(deb, version)
    elif case == "wrong_hash":
        deb.write_bytes(deb.read_bytes()[:-1] + b"X")
    elif case == "truncated":
        deb.write_bytes(deb.read_bytes()[:1000])
    elif case == "rollback":
        doc = rel.sign(deb, "1.0.5", issued_at=NOW + timedelta(days=99))
    elif case == "below_minimum":
        doc = rel.sign(deb, version, min_version="1.3", issued_at=NOW + timedelta(days=99))
    elif case == "same_version":
        installed = version
    elif case == "not_json":
        doc = b"{not json"
    elif case == "unsigned":  # the manifest alone, its `signature` key gone
        doc = protocol.canonical_json({"manifest": json.loads(doc)["manifest"]})
    state_mod.save(directory, st)
    before = _spool_state(data)
    with pytest.raises(mf.UpdateRefused) as refused:
        spool.request_install(data, doc, deb, rel.key.public_key(), installed)
    assert refused.value.code == code
    assert _spool_state(data) == before  # no request, no copy, state untouched
    for lang in ("km", "en"):
        text = error_text(refused.value, lang)
        assert text and not text.startswith("update.") and "{" not in text


def test_an_offline_kiosk_keeps_accepting_a_release_its_clock_says_is_old(
    rel: Release, deb: Path
) -> None:
    """Expiry counts from the last server contact, not the device clock: weeks offline expire
    nothing, and the same manifest replayed after newer contact is refused."""
    doc = rel.sign(deb, "1.2.0", valid_days=7)
    st = state_mod.UpdateState(last_contact=protocol.format_date(NOW + timedelta(days=3)))
    assert verify_release(doc, deb, rel.key.public_key(), "1.1.0", st).version == "1.2.0"
    st.note_contact(NOW + timedelta(days=8))
    with pytest.raises(mf.UpdateRefused, match="expired"):
        verify_release(doc, deb, rel.key.public_key(), "1.1.0", st)


def test_a_newer_manifest_seen_moves_the_reference_even_without_contact(
    rel: Release, deb: Path
) -> None:
    st = state_mod.UpdateState()
    st.accept(rel.manifest(deb, "1.3.0", issued_at=NOW + timedelta(days=200)))
    with pytest.raises(mf.UpdateRefused) as refused:  # an old manifest replayed from a stick
        verify_release(rel.sign(deb, "1.4.0", valid_days=30), deb, rel.key.public_key(), "1.1", st)
    assert refused.value.code == "expired"


def test_missing_or_damaged_pinned_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(mf.UpdateRefused, match="no_key"):
        mf.load_public_key(tmp_path / "absent.pub")
    bad = tmp_path / "bad.pub"
    bad.write_text("sala-release-ed25519 AAAA 0000\n")
    with pytest.raises(mf.UpdateRefused, match="no_key"):
        mf.load_public_key(bad)


def test_the_pinned_key_file_round_trips(rel: Release) -> None:
    assert mf.key_id(mf.load_public_key(rel.pub_path)) == mf.key_id(rel.key.public_key())


@pytest.mark.parametrize(
    ("a", "b", "sign"),
    [("1.10", "1.9", 1), ("1.0~rc1", "1.0", -1), ("1.0", "1.0", 0), ("1:0.1", "9.9", 1),
     ("0.1.0", "0.1.0+b1", -1), ("1.0-2", "1.0-10", -1), ("2.0a", "2.0", 1)],
)  # fmt: skip
def test_versions_order_as_dpkg_does(a: str, b: str, sign: int) -> None:
    got = compare(a, b)
    assert (got > 0) - (got < 0) == sign
