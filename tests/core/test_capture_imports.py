"""File import: JPEG, PNG, PDF, and the broken, huge and lying files a USB stick carries."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.capture import CaptureError, import_file
from kiosk.capture import thresholds as T
from kiosk.capture.imports import decode_image, jpeg_size, read_images
from tests.fixtures.capture import scenes as S
from tests.fixtures.capture.scenes import jpeg, pdf_bytes, png, with_exif_orientation


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def decoded(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)


def test_jpeg_and_png_pages(tmp_path: Path) -> None:
    page = S.a4_page()
    for name, data in (("a.jpg", jpeg(page)), ("b.png", png(page))):
        out = import_file(write(tmp_path, name, data))
        assert len(out) == 1 and len(out[0]) <= T.PAGE_MAX_BYTES
        assert decoded(out[0]).shape[:2] == page.shape[:2]


def test_pdf_pages_rendered_at_150_dpi(tmp_path: Path) -> None:
    data = pdf_bytes([jpeg(S.a4_page()), jpeg(S.a4_page(colour=True))])
    out = import_file(write(tmp_path, "form.pdf", data))
    assert len(out) == 2
    first, second = decoded(out[0]), decoded(out[1])
    assert first.shape[1] == pytest.approx(595 * 150 / 72, abs=2)
    assert first.ndim == 2 and second.ndim == 3  # grey form, colour second page
    assert all(len(p) <= T.PAGE_MAX_BYTES for p in out)


def test_pdf_with_too_many_pages_is_refused_with_the_count(tmp_path: Path) -> None:
    path = write(tmp_path, "big.pdf", pdf_bytes(blank=500))
    with pytest.raises(CaptureError) as err:
        import_file(path)
    assert err.value.key == "capture.error.too_many_pages"
    assert "500" in err.value.en and "៥០០" in err.value.km and str(T.MAX_PDF_PAGES) in err.value.en


def test_broken_pdf(tmp_path: Path) -> None:
    with pytest.raises(CaptureError) as err:
        import_file(write(tmp_path, "x.pdf", b"%PDF-1.7\n garbage"))
    assert err.value.key == "capture.error.bad_pdf"


@pytest.mark.parametrize(
    ("name", "data", "key"),
    [
        ("empty.jpg", b"", "capture.error.empty_file"),
        (
            "notes.jpg",
            b"hello, this is text pretending to be a photo",
            "capture.error.unsupported_file",
        ),
        ("virus.png", b"MZ\x90\x00" + bytes(200), "capture.error.unsupported_file"),
    ],
)
def test_bad_files_get_a_clear_error(tmp_path: Path, name: str, data: bytes, key: str) -> None:
    with pytest.raises(CaptureError) as err:
        import_file(write(tmp_path, name, data))
    assert err.value.key == key
    assert err.value.km and err.value.en and err.value.km != err.value.en


@pytest.mark.parametrize("fmt", ["jpg", "png"])
def test_truncated_image_is_refused_not_half_shown(tmp_path: Path, fmt: str) -> None:
    data = jpeg(S.a4_page()) if fmt == "jpg" else png(S.a4_page())
    with pytest.raises(CaptureError) as err:
        import_file(write(tmp_path, f"cut.{fmt}", data[: len(data) // 2]))
    assert err.value.key == "capture.error.truncated_file"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaptureError) as err:
        import_file(tmp_path / "gone.jpg")
    assert err.value.key == "capture.error.file_missing"


def test_misleading_extension_is_sniffed(tmp_path: Path) -> None:
    pdf_named_jpg = write(tmp_path, "scan.jpg", pdf_bytes([jpeg(S.a4_page())]))
    png_named_pdf = write(tmp_path, "photo.pdf", png(S.a4_page()))
    assert len(import_file(pdf_named_jpg)) == 1
    assert len(import_file(png_named_pdf)) == 1


def test_exif_rotation_is_honoured() -> None:
    image = np.full((100, 200, 3), 255, np.uint8)
    image[:, :100] = (0, 0, 255)  # left half red
    data = with_exif_orientation(jpeg(image), 6)  # "rotate 90° clockwise to display"
    out = decode_image(data)
    assert out.shape[:2] == (200, 100)
    top, bottom = out[:100].mean(axis=(0, 1)), out[100:].mean(axis=(0, 1))
    assert top[2] > 200 and top[0] < 60  # red is on top after the turn
    assert bottom.min() > 200


def test_60_megapixel_jpeg_is_read_from_its_header_and_decoded_reduced() -> None:
    big = np.full((7500, 8000), 230, np.uint8)
    cv2.putText(big, "HUGE", (1000, 4000), cv2.FONT_HERSHEY_SIMPLEX, 40, 0, 80)
    data = cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, 60])[1].tobytes()
    assert jpeg_size(data) == (8000, 7500)
    out = decode_image(data)
    assert out.shape[0] * out.shape[1] <= T.MAX_IMAGE_PIXELS
    assert out.shape[:2] == (3750, 4000)


def test_huge_png_is_refused_before_decoding(tmp_path: Path) -> None:
    # A real PNG header for 9000×8000 whose body would be 216 MB decoded: refused from IHDR.
    header = png(np.zeros((1, 1), np.uint8))
    ihdr = header[:16] + struct.pack(">II", 9000, 8000) + header[24:]
    with pytest.raises(CaptureError) as err:
        read_images(write(tmp_path, "bomb.png", ihdr))
    assert err.value.key == "capture.error.image_too_large"
    assert "72" in err.value.en
