"""A lower version installs only through a signed downgrade manifest naming exactly the step
(installed → older) with an expiry: refused without one, installed with one (the real root
updater and dpkg), and refused with one for another version, a tampered one, one signed by
another key or one that expired; nothing changes on a refusal."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.i18n import error_text
from kiosk.update import downgrade as dg
from kiosk.update import manifest as mf
from kiosk.update import spool
from kiosk.update import state as state_mod
from sync import protocol
from tests.core.test_update_apply import Machine, build_deb
from tests.core.test_update_verify import NOW, Release

pytestmark = pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="needs dpkg (Debian)")


def sign_downgrade(
    key: Ed25519PrivateKey, frm: str, to: str, *, issued: datetime = NOW, days: int = 7
) -> bytes:
    d = dg.Downgrade(frm, to, issued, issued + timedelta(days=days), mf.key_id(key.public_key()))
    return dg.sign(d, key)


def stick_with(tmp: Path, rel: Release, version: str, downgrade: bytes | None) -> Path:
    """A stick's sala-update/ folder: the older .deb, its fresh signed manifest, and the
    downgrade if given (as `packaging/release.py downgrade` writes them)."""
    folder = tmp / f"stick-{version}" / spool.USB_DIR
    folder.mkdir(parents=True)
    deb = build_deb(folder, version)
    (folder / f"{deb.stem}.manifest.json").write_bytes(rel.sign(deb, version))
    if downgrade is not None:
        (folder / dg.file_name("2.0", version)).write_bytes(downgrade)
    shutil.rmtree(folder / f"tree-{version}")
    return folder.parent


def _ask(machine: Machine, stick: Path) -> mf.Manifest:
    document, deb = spool.usb_release(stick, machine.rel.key.public_key())
    return spool.request_install(
        machine.data, document, deb, machine.rel.key.public_key(), machine.installed() or "0"
    )


@pytest.fixture
def on_2(machine: Machine, tmp_path: Path) -> Machine:
    """A kiosk that ran 1.0 and now runs 2.0 (both kept by the updater)."""
    for version in ("1.0", "2.0"):
        machine.request(build_deb(tmp_path, version), version)
        assert (machine.updater().run() or {}).get("outcome") == "installed"
    return machine


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path, Release.make(tmp_path))


def _untouched(machine: Machine) -> dict[str, bytes]:
    d = spool.update_dir(machine.data)
    return {str(p.relative_to(d)): p.read_bytes() for p in d.rglob("*") if p.is_file()}


def test_a_lower_version_installs_only_with_a_signed_downgrade(
    on_2: Machine, tmp_path: Path
) -> None:
    before = _untouched(on_2)
    with pytest.raises(mf.UpdateRefused) as refused:
        _ask(on_2, stick_with(tmp_path, on_2.rel, "1.0", None))
    assert refused.value.code == "rollback"
    assert _untouched(on_2) == before and on_2.installed() == "2.0"

    stick = stick_with(tmp_path / "b", on_2.rel, "1.0", sign_downgrade(on_2.rel.key, "2.0", "1.0"))
    assert _ask(on_2, stick).version == "1.0"
    request = json.loads((on_2.paths.spool / spool.REQUEST).read_text())
    assert request["downgrade"] == spool.DOWNGRADE  # the root unit checks it again
    res = on_2.updater().run()
    assert res is not None and res["outcome"] == "installed", res
    assert on_2.installed() == "1.0"
    assert not (on_2.paths.spool / spool.DOWNGRADE).exists()
    # The floor stays where it was: a release below 2.0 still needs a downgrade of its own.
    assert state_mod.load(on_2.paths.work).highest_version == "2.0"


def _tampered(key: Ed25519PrivateKey) -> bytes:
    doc = json.loads(sign_downgrade(key, "2.0", "0.5"))
    doc["downgrade"]["to_version"] = "1.0"  # signed for 0.5, edited to 1.0
    return protocol.canonical_json(doc)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("other_version", "rollback"),
        ("other_from", "rollback"),
        ("tampered", "bad_downgrade"),
        ("other_key", "bad_downgrade"),
        ("release_signature", "bad_downgrade"),
        ("expired", "downgrade_expired"),
    ],
)
def test_a_downgrade_that_does_not_fit_is_refused_and_nothing_changes(
    on_2: Machine, tmp_path: Path, case: str, code: str
) -> None:
    key = on_2.rel.key
    doc = {
        "other_version": lambda: sign_downgrade(key, "2.0", "0.9"),
        "other_from": lambda: sign_downgrade(key, "1.5", "1.0"),
        "tampered": lambda: _tampered(key),
        "other_key": lambda: sign_downgrade(Ed25519PrivateKey.generate(), "2.0", "1.0"),
        "expired": lambda: sign_downgrade(key, "2.0", "1.0"),
        # A release manifest's signature over the same fields never passes for a downgrade's.
        "release_signature": lambda: _resigned_as_release(key),
    }[case]()
    if case == "expired":  # the server was heard after the expiry: the kiosk's clock is moot
        st = state_mod.load(spool.update_dir(on_2.data))
        st.note_contact(NOW + timedelta(days=8))
        state_mod.save(spool.update_dir(on_2.data), st)
    stick = stick_with(tmp_path, on_2.rel, "1.0", doc)
    before = _untouched(on_2)
    with pytest.raises(mf.UpdateRefused) as refused:
        _ask(on_2, stick)
    assert refused.value.code == code
    assert _untouched(on_2) == before and on_2.installed() == "2.0"
    for lang in ("km", "en"):
        text = error_text(refused.value, lang)
        assert text and not text.startswith("update.") and "{" not in text


def _resigned_as_release(key: Ed25519PrivateKey) -> bytes:
    doc = json.loads(sign_downgrade(key, "2.0", "1.0"))
    signature = key.sign(protocol.release_signature_base(doc["downgrade"]))
    doc["signature"] = protocol.b64url_encode(signature)
    return protocol.canonical_json(doc)


def test_the_root_unit_refuses_a_downgrade_swapped_in_the_spool(
    on_2: Machine, tmp_path: Path
) -> None:
    """The kiosk user is not trusted: a downgrade replaced after the kiosk's check (here by
    one for another step) is refused by the root unit on its own copy."""
    stick = stick_with(tmp_path, on_2.rel, "1.0", sign_downgrade(on_2.rel.key, "2.0", "1.0"))
    _ask(on_2, stick)
    (on_2.paths.spool / spool.DOWNGRADE).write_bytes(sign_downgrade(on_2.rel.key, "2.0", "0.9"))
    res = on_2.updater().run()
    assert res is not None and (res["outcome"], res["reason"]) == ("refused", "rollback")
    assert on_2.installed() == "2.0"
    assert not list(on_2.paths.spool.glob("*.deb"))


def test_a_downgrade_must_go_down_and_expire_soon() -> None:
    key = Ed25519PrivateKey.generate()
    for frm, to, days in (("1.0", "2.0", 7), ("2.0", "2.0", 7), ("2.0", "1.0", 90)):
        body = json.loads(sign_downgrade(key, frm, to, days=days))["downgrade"]
        with pytest.raises(mf.UpdateRefused, match="bad_downgrade"):
            dg.parse(body)
