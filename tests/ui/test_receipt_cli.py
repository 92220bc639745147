"""`sala receipt APP_NUMBER --out FILE.pdf` and the clerk's reprint (issue 11 S3.13): a stored
receipt found by any number the citizen may hold, drawn by the one renderer, on one A6 page."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

pytest.importorskip("PySide6")

from kiosk.catalog import load_bundled_catalog
from kiosk.i18n import error_text
from kiosk.store import Store
from kiosk.store.db import DB_FILE
from ui.cli import main
from ui.commands import RECEIPT_FAILED, RECEIPT_NOT_FOUND, RECEIPT_OK

pytestmark = pytest.mark.qt

OLD_DB = Path(__file__).parents[1] / "core" / "fixtures" / "old_db_v2"
LEGACY_ID = "0190f0c2-7a3e-7c1d-9b2a-1c2d3e4f5a70"  # printed 120101-00001-2, before kiosk numbers
CATALOG = load_bundled_catalog()


def text_of(path: Path) -> tuple[int, str]:
    doc = pdfium.PdfDocument(str(path))
    return len(doc), "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SALA_SECRET_DIR", str(tmp_path / "secret"))
    return tmp_path / "data"


def submit_passport(data_dir: Path, locale: str = "en") -> str:
    svc = CATALOG.services["passport_ordinary"]
    clock = lambda: datetime(2026, 11, 21, 5, 45, tzinfo=UTC)  # noqa: E731
    with Store.open(data_dir, commune_code="120101", clock=clock) as store:
        reg = store.create_draft(svc.id, svc.version, locale)
        receipt = store.submit(
            reg.id, {}, [], fee_khr=svc.fee_khr, processing_days=svc.processing_days
        )
    return receipt.app_number


def run(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), "receipt", *args])


def test_writes_the_stored_receipt_as_one_a6_page(
    qapp: Any, data_dir: Path, tmp_path: Path
) -> None:
    number = submit_passport(data_dir)
    out = tmp_path / "r.pdf"
    assert run(data_dir, number, "--out", str(out)) == RECEIPT_OK
    pages, text = text_of(out)
    assert pages == 1
    assert number in text and "Ordinary passport" in text
    assert "21 November 2026, 12:45" in text  # Cambodian time, as on every screen
    assert "400,000 riel" in text and "about 15 working days" in text
    next_steps = CATALOG.services["passport_ordinary"].what_next().en
    assert next_steps.split(",")[0] in text  # the passport's own next steps
    # typed as a clerk might: spaces instead of dashes, in Khmer, A4
    typed = number.replace("-", " ").translate(str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩"))
    out4 = tmp_path / "r4.pdf"
    assert run(data_dir, typed, "--out", str(out4), "--size", "A4", "--lang", "km") == RECEIPT_OK
    assert number in text_of(out4)[1]


def test_an_old_format_number_and_a_replaced_number_still_find_it(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "old"
    shutil.copytree(OLD_DB, old)
    monkeypatch.setenv("SALA_SECRET_DIR", str(old))
    out = tmp_path / "legacy.pdf"
    assert run(old, "120101-00001-2", "--out", str(out)) == RECEIPT_OK
    pages, text = text_of(out)
    assert pages == 1 and "120101-00001-2" in text and "MFPQ6C" in text
    # a service no longer offered: the receipt still prints, named by its id
    assert "birth_certificate" in text
    with Store.open(old, commune_code="120101") as store:
        new = store.renumber(LEGACY_ID)  # the server said another kiosk had that number
    out2 = tmp_path / "renumbered.pdf"
    assert run(old, "120101-00001-2", "--out", str(out2)) == RECEIPT_OK
    assert new in text_of(out2)[1]  # reprinted with the number the ministry knows
    assert run(old, LEGACY_ID, "--out", str(out2)) == RECEIPT_OK  # or by registration id


def test_unknown_numbers_and_bad_input_say_so_with_their_own_exit_codes(
    qapp: Any, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    submit_passport(data_dir)
    out = tmp_path / "r.pdf"
    assert run(data_dir, "120101-01-99999-9", "--out", str(out)) == RECEIPT_NOT_FOUND
    err = capsys.readouterr().err
    assert "sala receipt: No sent application 120101-01-99999-9 was found" in err
    assert not out.exists()
    with Store.open(data_dir, commune_code="120101") as store:
        draft = store.create_draft("passport_ordinary", "1", "en").id
    assert run(data_dir, draft, "--out", str(out)) == RECEIPT_NOT_FOUND  # never sent
    assert run(data_dir, "  ", "--out", str(out)) == RECEIPT_NOT_FOUND
    assert run(data_dir, "120101-00001-2", "--out", str(tmp_path / "r.txt")) == RECEIPT_FAILED
    assert ".pdf" in capsys.readouterr().err
    missing = tmp_path / "nowhere" / "r.pdf"
    assert run(data_dir, "120101-00001-2", "--out", str(missing)) == RECEIPT_FAILED
    empty = tmp_path / "empty"
    assert run(empty, "120101-00001-2", "--out", str(out)) == RECEIPT_FAILED
    assert "no kiosk data" in capsys.readouterr().err
    assert not (empty / DB_FILE).exists()  # looking never makes a store


def test_the_clerks_reprint_prints_by_number_and_refuses_unknown_ones(
    qapp: Any, data_dir: Path, tmp_path: Path
) -> None:
    from ui.receipts import ReceiptNotFound, reprint_receipt

    number = submit_passport(data_dir, locale="km")
    target = tmp_path / "lp0"
    target.write_bytes(b"")
    with Store.open(data_dir, commune_code="120101") as store:
        none = reprint_receipt(store, number, "none", catalog=CATALOG)
        assert none.outcome == "no_printer"
        pytest.importorskip("escpos", reason="the ESC/POS printer extra (sala[escpos]) is needed")
        result = reprint_receipt(store, number, f"escpos:file:{target}", catalog=CATALOG)
        assert result.ok, result.detail
        with pytest.raises(ReceiptNotFound) as err:
            reprint_receipt(store, "120101-01-99999-9", f"escpos:file:{target}")
    assert target.stat().st_size > 10_000  # one raster job
    assert "រក​មិន​ឃើញ" in error_text(err.value, "km")
    assert "120101-01-99999-9" in error_text(err.value, "en")
