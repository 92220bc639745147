"""Every capture message exists in Khmer and English, and errors speak both."""

from __future__ import annotations

import json
import re
from pathlib import Path

from kiosk.capture import CaptureError
from kiosk.capture.messages import text
from kiosk.i18n import tr

ROOT = Path(__file__).resolve().parents[2]
KIOSK = ROOT / "kiosk" / "capture"


def load(locale: str) -> dict[str, str]:
    return json.loads(
        (ROOT / "assets" / "translations" / locale / "capture.json").read_text("utf-8")
    )


def test_same_keys_in_both_languages_and_khmer_is_khmer() -> None:
    km, en = load("km"), load("en")
    assert km.keys() == en.keys()
    for key, value in km.items():
        assert key.startswith("capture.")
        assert re.search("[\u1780-\u17ff]", value), key
        assert set(re.findall(r"\{(\w+)\}", value)) == set(re.findall(r"\{(\w+)\}", en[key])), key


def test_every_key_used_in_the_code_is_translated() -> None:
    en = load("en")
    used: set[str] = set()
    for path in list(KIOSK.glob("*.py")) + list((ROOT / "ui" / "capture").glob("*.py")):
        used |= set(re.findall(r"\"(capture\.[a-z_]+\.[a-z_]+)\"", path.read_text("utf-8")))
    assert used, "no keys found"
    assert not used - en.keys(), sorted(used - en.keys())


def test_error_message_in_both_languages_with_parameters() -> None:
    err = CaptureError("capture.error.file_too_big", name="x.jpg", mb=75)
    assert "75" in err.en and "៧៥" in err.km and err.en != err.km  # the reader's digits
    assert text("capture.face.closer", "en") == "Move closer"


def test_capture_error_has_the_one_user_facing_shape() -> None:
    """The same shape as StoreError: `message_key` + `params`, read with `error_text`."""
    from kiosk.i18n import UserFacingError, error_text
    from kiosk.store.errors import StoreFull

    err = CaptureError("capture.error.unsupported_file", name="notes.txt")
    assert isinstance(err, UserFacingError) and isinstance(StoreFull("x"), UserFacingError)
    assert err.message_key == err.key == "capture.error.unsupported_file"
    assert not callable(getattr(err, "message", None))
    for locale in ("km", "en"):
        shown = error_text(err, locale)
        assert shown == err.text.get(locale) and shown != err.message_key
        assert "<" not in shown and "capture." not in shown
    assert error_text(StoreFull("disk /x is full"), "en") != "disk /x is full"
    assert error_text(ValueError("boom"), "en") == tr("core.error", "en")  # never str(exc)
