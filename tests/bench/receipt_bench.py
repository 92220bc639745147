"""How long a citizen waits for a receipt: raster, PDF and a whole ESC/POS job.

Baseline, measured in the same run: drawing the same strings with one unwrapped
QPainter.drawText each on an image of the same size (the least any Qt rendering can cost), so
the ratio shows what layout, shaping, QR and thresholding add.

    QT_QPA_PLATFORM=offscreen python tests/bench/receipt_bench.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter  # noqa: E402

from kiosk.catalog import load_bundled_catalog  # noqa: E402
from kiosk.model import Receipt  # noqa: E402
from ui.keyboard.fonts import ui_font  # noqa: E402
from ui.receipts.content import receipt_blocks, receipt_strings  # noqa: E402
from ui.receipts.pdf import render_receipt_pdf  # noqa: E402
from ui.receipts.printers import print_receipt  # noqa: E402
from ui.receipts.raster import render_receipt_raster  # noqa: E402

RUNS = 15


def median_ms(fn: object, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841
    svc = load_bundled_catalog().services["birth_certificate_copy"]
    rec = Receipt(
        registration_id="bench",
        app_number="120101-00042-7",
        verification_code="K7Q2XM",
        service_id=svc.id,
        form_version=svc.version,
        commune_code="120101",
        fee_khr=svc.fee_khr,
        submitted_at=datetime(2026, 11, 21, 5, 45, tzinfo=UTC),
    )
    image = render_receipt_raster(rec, svc, "km")  # warm fonts, gazetteer, catalog
    strings = receipt_strings(receipt_blocks(rec, svc, "km"))

    def baseline() -> None:
        img = QImage(image.width(), image.height(), QImage.Format.Format_Grayscale8)
        img.fill(QColor("white"))
        p = QPainter(img)
        p.setFont(ui_font(25))
        for i, s in enumerate(strings):
            p.drawText(QPointF(8, 40 + i * 40), s)
        p.end()

    with tempfile.TemporaryDirectory() as tmp:
        base = median_ms(baseline)
        raster = median_ms(lambda: render_receipt_raster(rec, svc, "km"))
        pdf = median_ms(lambda: render_receipt_pdf(rec, svc, Path(tmp) / "r.pdf", "km"))
        spec = f"escpos:file:{Path(tmp) / 'lp0'}"
        job = median_ms(lambda: print_receipt(rec, svc, "km", spec), runs=5)
    print(
        f"raster {image.width()}x{image.height()}: {raster:.1f} ms, PDF A6: {pdf:.1f} ms, "
        f"ESC/POS job: {job:.1f} ms, baseline drawText: {base:.1f} ms"
    )
    print(
        f"RESULT raster_ms={raster:.1f} pdf_ms={pdf:.1f} escpos_job_ms={job:.1f} "
        f"baseline_ms={base:.1f} raster_vs_baseline={raster / base:.1f}"
    )


if __name__ == "__main__":
    main()
