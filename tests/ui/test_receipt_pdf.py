"""Receipt PDFs: the right words in the text layer, Khmer shaped, our fonts embedded."""

from __future__ import annotations

import ctypes
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

pytest.importorskip("PySide6")

from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

from kiosk.catalog import load_bundled_catalog
from kiosk.catalog.schema import Service
from kiosk.i18n import wrap_points
from kiosk.model import Receipt
from kiosk.text import Text
from ui.keyboard.fonts import KHMER_FAMILY, LATIN_FAMILY, ensure_fonts
from ui.receipts.content import Block, receipt_blocks, receipt_strings
from ui.receipts.layout import MIN_PT, Surface, fit_scale, paint_receipt
from ui.receipts.pdf import PAGES, PDF_DPI, render_receipt_pdf

pytestmark = pytest.mark.qt

ZWSP = "\u200b"


def service() -> Service:
    return load_bundled_catalog().services["birth_certificate_copy"]


def receipt(svc: Service) -> Receipt:
    return Receipt(
        registration_id="0190d3a2-0000-7000-8000-000000000001",
        app_number="120101-00042-7",
        verification_code="K7Q2XM",
        service_id=svc.id,
        form_version=svc.version,
        commune_code="120101",
        fee_khr=svc.fee_khr,
        submitted_at=datetime(2026, 11, 21, 5, 45, tzinfo=UTC),
        processing_days=svc.processing_days,
    )


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    out = Path(os.environ.get("SALA_SHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    return out


def page_text(path: Path) -> str:
    doc = pdfium.PdfDocument(str(path))
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


@pytest.mark.parametrize("locale", ["km", "en"])
@pytest.mark.parametrize("size", ["A6", "A4"])
def test_text_layer_has_number_service_and_code(
    qapp, out_dir: Path, locale: str, size: str
) -> None:  # type: ignore[no-untyped-def]
    svc = service()
    rec = receipt(svc)
    path = render_receipt_pdf(rec, svc, out_dir / f"receipt_{locale}_{size}.pdf", locale, size=size)  # type: ignore[arg-type]
    text = page_text(path)
    assert rec.app_number in text
    assert svc.name.en in text
    assert "K7Q2XM" in text
    assert "4,000 riel" in text  # fee, English line (the Khmer line has Khmer digits)
    doc = pdfium.PdfDocument(str(path))
    w, h = doc[0].get_size()
    expected = {"A6": (297.6, 419.5), "A4": (595.3, 841.9)}[size]  # 105x148 / 210x297 mm
    assert abs(w - expected[0]) < 1 and abs(h - expected[1]) < 1
    assert len(doc) == 1  # issue 11 S3.13: A6 used to spill "What happens next" onto page 2
    # The application number sits on page 1, whatever the size.
    assert rec.app_number in doc[0].get_textpage().get_text_range()
    assert not Path(str(path) + ".part").exists()


def test_only_the_bundled_fonts_are_embedded(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc = service()
    path = render_receipt_pdf(receipt(svc), svc, tmp_path / "r.pdf", "km")
    doc = pdfium.PdfDocument(str(path))
    fonts: set[str] = set()
    khmer_fonts: set[str] = set()
    for i in range(len(doc)):
        tp = doc[i].get_textpage()
        for c in range(tp.count_chars()):
            buf = ctypes.create_string_buffer(256)
            flags = ctypes.c_int()
            pdfium_c.FPDFText_GetFontInfo(tp, c, buf, 256, ctypes.byref(flags))
            name = buf.value.decode()
            if not name:
                continue  # generated characters (line breaks) have no font
            fonts.add(name.split("+")[-1])
            if 0x1780 <= pdfium_c.FPDFText_GetUnicode(tp, c) <= 0x17FF:
                khmer_fonts.add(name.split("+")[-1])
    assert fonts <= {
        "NotoSansKhmer-Regular",
        "NotoSansKhmer-Bold",
        "NotoSans-Regular",
        "NotoSans-Bold",
    }
    assert khmer_fonts and all(f.startswith("NotoSansKhmer") for f in khmer_fonts)


def test_every_character_on_the_receipt_is_in_our_fonts(qapp) -> None:  # type: ignore[no-untyped-def]
    ensure_fonts()
    khmer, latin = QFontMetrics(QFont(KHMER_FAMILY)), QFontMetrics(QFont(LATIN_FAMILY))
    svc = service()
    for locale in ("km", "en"):
        strings = receipt_strings(receipt_blocks(receipt(svc), svc, locale, "ទន្លេបាសាក់"))
        chars = {c for s in strings for c in s if c not in "\n " + ZWSP}
        missing = [c for c in chars if not (khmer.inFontUcs4(ord(c)) or latin.inFontUcs4(ord(c)))]
        assert missing == []


def _pdf_page_pixels(path: Path) -> np.ndarray:
    page = pdfium.PdfDocument(str(path))[0]
    pil = page.render(scale=PDF_DPI / 72, grayscale=True).to_pil().convert("L")
    return np.asarray(pil, dtype=np.float32)


def _qt_page_pixels(blocks: list[Block], shape: tuple[int, int]) -> np.ndarray:
    """Page 1 of the same blocks drawn by QPainter on an image at the PDF's resolution."""
    h, w = shape
    image = QImage(w, h, QImage.Format.Format_Grayscale8)
    image.fill(QColor("white"))
    margin = PAGES["A6"][1] / 25.4 * PDF_DPI
    surface = Surface(margin, margin, w - 2 * margin, PDF_DPI / 72, page_height=h - 2 * margin)

    class PageOne(Exception):
        pass

    def stop() -> None:
        raise PageOne

    painter = QPainter(image)
    surface = replace(surface, scale=fit_scale(painter, blocks, surface))  # as the PDF does
    try:
        paint_receipt(painter, blocks, surface, new_page=stop)
    except PageOne:
        pass
    finally:
        painter.end()
    raw = np.frombuffer(bytes(image.constBits()), np.uint8).reshape(h, image.bytesPerLine())
    return raw[:, :w].astype(np.float32)


def _ink_correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef((255 - a).ravel(), (255 - b).ravel())[0, 1])


def test_khmer_in_the_pdf_is_shaped_like_qt_draws_it(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The PDF page looks like the same page drawn straight by Qt (HarfBuzz-shaped)."""
    svc = service()
    rec = receipt(svc)
    path = render_receipt_pdf(rec, svc, tmp_path / "r.pdf", "km")
    pdf = _pdf_page_pixels(path)
    blocks = receipt_blocks(rec, svc, "km")
    same = _ink_correlation(pdf, _qt_page_pixels(blocks, pdf.shape))

    # Control: the same page with Khmer spelt out letter by letter (ZWNJ stops the shaping,
    # so subscripts and vowels fall apart) must look clearly different to this measure.
    def spell(b: Block) -> Block:
        text = "\u200c".join(b.text) if b.kind == "text" else b.text
        return replace(b, text=text, side=tuple(spell(x) for x in b.side))

    spelt = [spell(b) for b in blocks]
    broken = _ink_correlation(pdf, _qt_page_pixels(spelt, pdf.shape))
    # 0.8: the one-page A6 sets smaller type than before, so anti-aliasing differences between
    # pdfium and Qt weigh more (measured 0.85); the spelt-out control stays far below (~0.08).
    assert same > 0.8
    assert broken < same - 0.2


def test_missing_folder_is_a_clear_error(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc = service()
    with pytest.raises(FileNotFoundError):
        render_receipt_pdf(receipt(svc), svc, tmp_path / "nope" / "r.pdf", "km")
    with pytest.raises(ValueError):
        render_receipt_pdf(receipt(svc), svc, tmp_path / "r.pdf", "km", size="A3")  # type: ignore[arg-type]


# -- one A6 page, readable (issue 11 S3.13) ------------------------------------------------

LONG_COMMUNE = Text(  # longer than any commune path in the gazetteer
    km="ឃុំ​ស្វាយ​ជ្រុំ​ខាង​ត្បូង, ស្រុក​កំពង់​ត្រឡាច​ក្រោម, ខេត្ត​ព្រះ​សីហនុ​ខាង​ជើង",
    en="Svay Chrum Khang Tboung, Kampong Tralach Kraom, Preah Sihanouk Khang Cheung",
)


def font_sizes(page: Any) -> set[float]:
    tp = page.get_textpage()
    return {
        round(pdfium_c.FPDFText_GetFontSize(tp, c), 1)
        for c in range(tp.count_chars())
        if chr(pdfium_c.FPDFText_GetUnicode(tp, c)).strip()
    }


@pytest.mark.parametrize("locale", ["km", "en"])
@pytest.mark.parametrize("service_id", sorted(load_bundled_catalog().services))
def test_every_service_fits_one_a6_page_in_readable_type(
    qapp, tmp_path: Path, service_id: str, locale: str
) -> None:  # type: ignore[no-untyped-def]
    svc = load_bundled_catalog().services[service_id]
    rec = receipt(svc)
    path = render_receipt_pdf(rec, svc, tmp_path / "r.pdf", locale, commune_name=LONG_COMMUNE)
    doc = pdfium.PdfDocument(str(path))
    assert len(doc) == 1
    text = doc[0].get_textpage().get_text_range().replace("\r\n", " ").replace("\n", " ")
    # What used to fall onto page 2: next steps, fee, time (Latin read back from the page: the
    # text layer of shaped Khmer is not plain Unicode; the Khmer words are checked as drawn).
    steps = svc.what_next()
    assert steps.en.split()[0] in text and steps.en.split()[-1] in text
    assert wrap_points(steps.km) in receipt_strings(receipt_blocks(rec, svc, locale, LONG_COMMUNE))
    assert f"about {svc.processing_days} working days" in text
    assert "21 November 2026, 12:45" in text  # Cambodian time (05:45 UTC)
    assert min(font_sizes(doc[0])) >= MIN_PT - 0.05


def test_the_longest_texts_go_to_a_second_page_rather_than_off_the_paper(
    qapp, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    svc = replace(
        service(),
        next_steps=Text(km="ក " * 400, en="Bring your papers. " * 60),
        name=Text(km="សេវា " * 30, en="A very long service name " * 8),
    )
    path = render_receipt_pdf(receipt(svc), svc, tmp_path / "long.pdf", "en")
    doc = pdfium.PdfDocument(str(path))
    assert len(doc) >= 2  # too long for one page at any readable size: it pages, nothing lost
    assert "Keep this receipt" in "".join(
        doc[i].get_textpage().get_text_range() for i in range(len(doc))
    )
    assert min(min(font_sizes(doc[i])) for i in range(len(doc))) >= 8.0  # not shrunk for nothing


def test_a_service_without_next_steps_promises_no_papers(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc = replace(load_bundled_catalog().services["national_id_card"], next_steps=None)
    text = page_text(render_receipt_pdf(receipt(svc), svc, tmp_path / "r.pdf", "en"))
    assert "ID card" not in text.replace("national ID card", "")
    assert "come to the commune hall with this receipt" in text.replace("\r\n", " ")
