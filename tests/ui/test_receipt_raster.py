"""The thermal raster: exactly 576 dots, 1-bit, and its QR code reads back (OpenCV, test only)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtGui import QImage

from kiosk.capture.qr import read_qr
from kiosk.catalog import load_bundled_catalog
from kiosk.catalog.schema import Service
from kiosk.model import Receipt, parse_qr_payload
from ui.receipts.qr import qr_image
from ui.receipts.raster import dark_rows, render_receipt_raster

pytestmark = pytest.mark.qt


def service(service_id: str = "residence_certificate") -> Service:
    return load_bundled_catalog().services[service_id]


def receipt(svc: Service, app_number: str = "120101-00107-3") -> Receipt:
    return Receipt(
        registration_id="0190d3a2-0000-7000-8000-000000000002",
        app_number=app_number,
        verification_code="P4W9ZC",
        service_id=svc.id,
        form_version=svc.version,
        commune_code="120101",
        fee_khr=svc.fee_khr,
        submitted_at=datetime(2026, 1, 3, 23, 10, tzinfo=UTC),
    )


def to_array(image: QImage) -> np.ndarray:
    """0 = black, 255 = white, as OpenCV reads a scan."""
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    raw = np.frombuffer(bytes(grey.constBits()), np.uint8)
    return raw.reshape(grey.height(), grey.bytesPerLine())[:, : grey.width()].copy()


def decode_qr(pixels: np.ndarray) -> str:
    """As the kiosk's camera reads a receipt (kiosk.capture.qr.read_qr)."""
    return read_qr(pixels) or ""


@pytest.mark.parametrize("locale", ["km", "en"])
def test_raster_is_576_dots_one_bit_and_the_qr_reads_back(
    qapp, tmp_path: Path, locale: str
) -> None:  # type: ignore[no-untyped-def]
    svc = service()
    rec = receipt(svc)
    image = render_receipt_raster(rec, svc, locale, commune_name="ទន្លេបាសាក់")
    assert image.width() == 576
    assert image.format() == QImage.Format.Format_Mono
    assert image.depth() == 1
    assert 1200 < image.height() < 4000  # a whole receipt, on one strip
    out = Path(os.environ.get("SALA_SHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    assert image.save(str(out / f"receipt_raster_{locale}.png"))
    pixels = to_array(image)
    assert set(np.unique(pixels)) <= {0, 255}
    assert decode_qr(pixels) == rec.qr_payload
    assert parse_qr_payload(decode_qr(pixels)) == (rec.app_number, "P4W9ZC")


def test_narrow_paper_still_fits_and_scans(qapp) -> None:  # type: ignore[no-untyped-def]
    svc = service("business_registration")
    rec = receipt(svc, "120101-99999-5")
    image = render_receipt_raster(rec, svc, "km", width=384)  # 58 mm printers
    assert image.width() == 384
    assert decode_qr(to_array(image)) == rec.qr_payload
    with pytest.raises(ValueError):
        render_receipt_raster(rec, svc, "km", width=100)


def test_dark_rows_packs_black_as_one_bits(qapp) -> None:  # type: ignore[no-untyped-def]
    svc = service()
    image = render_receipt_raster(receipt(svc), svc, "en")
    rows = dark_rows(image)
    assert len(rows) == 72 * image.height()
    bits = np.unpackbits(np.frombuffer(rows, np.uint8)).reshape(image.height(), 576)
    assert np.array_equal(bits == 1, to_array(image) == 0)
    assert 0.02 < bits.mean() < 0.3  # ink, but mostly paper


def test_screen_qr_image_scans(qapp) -> None:  # type: ignore[no-untyped-def]
    payload = "SALA1:120101-00042-7:K7Q2XM"
    image = qr_image(payload, module_px=6)
    assert image.width() == image.height()
    assert decode_qr(to_array(image)) == payload
