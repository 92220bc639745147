"""Pages from a file: JPEG, PNG or PDF, with the bombs and lies a USB stick can carry refused.

The type comes from the file's magic bytes, never its extension. Image dimensions are read
from the header before anything is decoded: a huge JPEG is decoded reduced (libjpeg scales
while decoding, so memory stays small), a huge PNG is refused. A truncated file is refused
instead of being shown half grey. PDFs are rendered with pypdfium2 up to MAX_PDF_PAGES.
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np

from kiosk.capture import thresholds as T
from kiosk.capture.errors import CaptureError
from kiosk.capture.page import encode_page


def sniff(data: bytes) -> str | None:
    """'jpeg', 'png', 'pdf' or None, from the first bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    return None


def png_size(data: bytes) -> tuple[int, int]:
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise CaptureError("capture.error.truncated_file")
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from the first SOF marker, without decoding."""
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 9 > n:
                break
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(w), int(h)
        i += 2 + length
    raise CaptureError("capture.error.truncated_file")


def _complete(kind: str, data: bytes) -> bool:
    if kind == "jpeg":
        return b"\xff\xd9" in data[-4096:]
    return b"IEND" in data[-64:]


def decode_image(data: bytes) -> np.ndarray:
    """A BGR image from JPEG/PNG bytes, EXIF orientation applied, size-limited."""
    kind = sniff(data)
    if kind not in ("jpeg", "png"):
        raise CaptureError("capture.error.unsupported_file")
    w, h = jpeg_size(data) if kind == "jpeg" else png_size(data)
    if w == 0 or h == 0:
        raise CaptureError("capture.error.unsupported_file")
    if not _complete(kind, data):
        raise CaptureError("capture.error.truncated_file")
    pixels = w * h
    flag = cv2.IMREAD_COLOR
    if pixels > T.MAX_IMAGE_PIXELS:
        if kind != "jpeg" or pixels > T.MAX_REDUCED_PIXELS:
            raise CaptureError("capture.error.image_too_large", megapixels=round(pixels / 1e6))
        flag = cv2.IMREAD_REDUCED_COLOR_2
        for factor, reduced in (
            (2, cv2.IMREAD_REDUCED_COLOR_2),
            (4, cv2.IMREAD_REDUCED_COLOR_4),
            (8, cv2.IMREAD_REDUCED_COLOR_8),
        ):
            flag = reduced
            if pixels / (factor * factor) <= T.MAX_IMAGE_PIXELS:
                break
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    if image is None:
        raise CaptureError("capture.error.unreadable_file")
    return image


def pdf_pages(data: bytes) -> list[np.ndarray]:
    """Each page rendered at PDF_DPI (capped at PDF_MAX_SIDE_PX), refused past MAX_PDF_PAGES."""
    import pypdfium2 as pdfium  # only needed for PDFs

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise CaptureError("capture.error.bad_pdf") from exc
    try:
        count = len(pdf)
        if count == 0:
            raise CaptureError("capture.error.bad_pdf")
        if count > T.MAX_PDF_PAGES:
            raise CaptureError("capture.error.too_many_pages", pages=count, limit=T.MAX_PDF_PAGES)
        pages: list[np.ndarray] = []
        for i in range(count):
            page = pdf[i]
            width_pt, height_pt = page.get_size()
            scale = min(T.PDF_DPI / 72.0, T.PDF_MAX_SIDE_PX / max(width_pt, height_pt, 1.0))
            bitmap = page.render(scale=scale, rev_byteorder=False)
            array = bitmap.to_numpy()
            if array.ndim == 3 and array.shape[2] == 4:
                array = cv2.cvtColor(array, cv2.COLOR_BGRA2BGR)
            pages.append(np.ascontiguousarray(array))
            page.close()
        return pages
    finally:
        pdf.close()


def read_images(path: Path) -> list[np.ndarray]:
    """The page images in a file, in order, or a CaptureError saying what is wrong."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CaptureError("capture.error.file_missing", name=path.name) from exc
    if size == 0:
        raise CaptureError("capture.error.empty_file", name=path.name)
    if size > T.MAX_FILE_BYTES:
        raise CaptureError("capture.error.file_too_big", name=path.name, mb=round(size / 1e6))
    data = path.read_bytes()
    kind = sniff(data)
    if kind is None:
        raise CaptureError("capture.error.unsupported_file", name=path.name)
    if kind == "pdf":
        return pdf_pages(data)
    return [decode_image(data)]


def import_file(path: Path) -> list[bytes]:
    """JPEG/PNG/PDF → one encoded page JPEG (≤ PAGE_MAX_BYTES) per page."""
    return [encode_page(image)[0] for image in read_images(path)]
