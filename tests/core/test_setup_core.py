"""First-run setup's Qt-free core: the setup QR's format, reading a scanned or typed code,
the draft becoming a config, and the first supervisor made without a signed-in supervisor."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from kiosk.config import load_config, save_config
from kiosk.i18n import error_text
from kiosk.setup import (
    SetupDraft,
    SetupError,
    check_scan_folder,
    clear_pending,
    is_configured,
    mark_pending,
    read_ticket,
)
from kiosk.staff import NotAllowed, PinMismatch, StaffDesk, StaffSession, WeakPin
from kiosk.staff.first import create_first_supervisor, has_supervisor
from kiosk.store import Store
from kiosk.text import Text
from sync.protocol import setup_qr

NOW = 1_800_000_000.0
FP = hashlib.sha256(b"ministry ca").hexdigest()


def test_the_setup_qr_carries_url_code_commune_expiry_and_ca_fingerprint() -> None:
    text = setup_qr.enrolment_qr_text(
        "https://sala.example.gov.kh/",
        "abcd efgh jkmn",
        commune_code="170404",
        expires_at=int(NOW) + 3600,
        ca_sha256=FP.upper(),
    )
    assert text.startswith("sala-enrol:1?u=https%3A%2F%2Fsala.example.gov.kh&c=ABCD-EFGH-JKMN")
    assert setup_qr.parse_enrolment_qr(text) == {
        "server_url": "https://sala.example.gov.kh",
        "code": "ABCD-EFGH-JKMN",
        "commune_code": "170404",
        "expires_at": int(NOW) + 3600,
        "ca_sha256": FP,
    }


@pytest.mark.parametrize(
    "text",
    [
        "SALA1:120101-00042-7:AB12CD",  # a receipt QR
        "sala-enrol:1?u=ftp%3A%2F%2Fx&c=ABCD-EFGH-JKMN",
        "sala-enrol:1?u=http%3A%2F%2Fx.kh&c=ABCD-EFGH-JKM1",  # 1 is not in the alphabet
        "sala-enrol:1?u=http%3A%2F%2Fx.kh&c=ABCD-EFGH-JKMN&m=12",
        "sala-enrol:1?u=http%3A%2F%2Fx.kh&c=ABCD-EFGH-JKMN&f=abc",
        "sala-enrol:1?u=http%3A%2F%2Fx.kh&c=ABCD-EFGH-JKMN&e=%D9%A1",  # Arabic-Indic digit
    ],
)
def test_a_bad_setup_qr_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        setup_qr.parse_enrolment_qr(text)


def test_reading_a_scanned_or_typed_code_says_what_is_wrong_in_both_languages() -> None:
    qr = setup_qr.enrolment_qr_text("http://127.0.0.1:8443", "ABCDEFGHJKMN", commune_code="120101")
    assert read_ticket(qr, now=NOW).commune_code == "120101"
    typed = read_ticket(" abcd-efgh-jkmn ", server_url="http://10.0.0.5:8443/", now=NOW)
    assert (typed.server_url, typed.code) == ("http://10.0.0.5:8443", "ABCD-EFGH-JKMN")
    expired = setup_qr.enrolment_qr_text("http://h.kh", "ABCDEFGHJKMN", expires_at=int(NOW) - 1)
    cases = {
        "setup.connection.expired": lambda: read_ticket(expired, now=NOW),
        "setup.connection.code_format": lambda: read_ticket("ABC", server_url="http://h", now=NOW),
        "setup.connection.url_missing": lambda: read_ticket("ABCDEFGHJKMN", now=NOW),
        "setup.connection.qr_bad": lambda: read_ticket("sala-enrol:1?c=X", now=NOW),
    }
    for key, call in cases.items():
        with pytest.raises(SetupError) as info:
            call()
        assert info.value.message_key == key
        km, en = error_text(info.value, "km"), error_text(info.value, "en")
        assert km != en and key not in km and key not in en


def test_the_draft_becomes_the_config_and_keeps_other_settings(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert not is_configured(data)
    draft = SetupDraft.start(data, camera="demo")
    assert draft.chosen_commune() == "120101" and draft.camera == "demo"
    draft.ticket = read_ticket(
        setup_qr.enrolment_qr_text("http://127.0.0.1:9", "ABCDEFGHJKMN", commune_code="170404"),
        now=NOW,
    )
    assert draft.default_commune() == "170404"  # from the code, before enrolment
    draft.enrolled_commune, draft.connection, draft.kiosk_number = "170404", "enrolled", 3
    with pytest.raises(SetupError) as info:
        draft.check_commune("120101")
    assert info.value.message_key == "setup.commune.enrolled_elsewhere"
    draft.printer, draft.scan_folder = "escpos:file:/dev/usb/lp0", check_scan_folder(str(tmp_path))
    save_config(draft.config_of())
    cfg = load_config(data)
    assert is_configured(data)
    assert (cfg.commune_code, cfg.server_url, cfg.kiosk_number) == (
        "170404",
        "http://127.0.0.1:9",
        3,
    )
    assert (cfg.camera, cfg.printer, cfg.scan_folder) == (
        "demo",
        "escpos:file:/dev/usb/lp0",
        tmp_path,
    )
    assert json.loads((data / "config.json").read_text())["commune_code"] == "170404"
    mark_pending(data)  # enrolled, config.json written, but setup not finished: shown again
    assert not is_configured(data)
    clear_pending(data)
    assert is_configured(data)
    again = SetupDraft.start(data)  # the technician screen starts from what was saved
    assert again.chosen_commune() == "170404" and again.printer.startswith("escpos:")
    with pytest.raises(SetupError):
        check_scan_folder(str(tmp_path / "absent"))
    assert check_scan_folder("  ") is None


def test_the_first_supervisor_is_made_once_audited_and_queued(store: Store) -> None:
    name = Text("សុខ\u200b ដារា", "Sok Dara")
    with pytest.raises(PinMismatch):
        create_first_supervisor(store, name, "582046", "582047")
    with pytest.raises(WeakPin):
        create_first_supervisor(store, name, "123456", "123456")
    assert not has_supervisor(store) and store.staff_rows() == []
    member = create_first_supervisor(store, name, "582046", "582046")
    assert (member.role.value, member.origin, member.name.en) == ("supervisor", "local", "Sok Dara")
    session = StaffDesk(store).sign_in(member.id, "582046")
    assert isinstance(session, StaffSession) and session.role.value == "supervisor"
    with pytest.raises(NotAllowed) as info:
        create_first_supervisor(store, Text("ក", "Other"), "582046", "582046")
    assert info.value.message_key == "setup.supervisor.exists"
    (change,) = store.staff_changes_pending()
    assert (change.action, change.by, change.staff_id) == ("add", "technician", member.id)
    assert change.detail["role"] == "supervisor"
    assert change.detail["pin_verifier"].startswith("$argon2id$")
    added = [e for e in store.audit.entries(subject=member.id) if e.action == "staff.added"]
    assert added[0].actor == "technician"
    assert added[0].details == {"role": "supervisor", "by": "setup"}
    assert store.audit.verify() is None


def test_setup_texts_exist_in_both_languages_with_word_breaks() -> None:
    from kiosk.i18n import assets_root

    tables = {
        loc: json.loads((assets_root() / "translations" / loc / "setup.json").read_text("utf-8"))
        for loc in ("km", "en")
    }
    assert tables["km"].keys() == tables["en"].keys()
    assert all(k.startswith("setup.") for k in tables["en"])
    import re

    for key, text in tables["km"].items():
        for run in re.findall(r"[\u1780-\u17ff]+", text):
            assert len(run) <= 14, f"{key}: {run!r} needs U+200B word breaks"
        assert re.findall(r"\{\w+\}", text) == re.findall(r"\{\w+\}", tables["en"][key]), key
