"""Capture: frame sources, face-photo checks, page straightening, file import and QR reading.

Qt-free and OpenCV-based (ARCHITECTURE.md "Capture"). The Media Foundation variable must be set
before cv2 is first imported, or some Windows webcams take a very long time to open (GUIDE §5);
the app entry point should import this package (or set the variable) before anything imports cv2.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS", "0")
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # probing absent cameras is not an error

from kiosk.capture.errors import CaptureError
from kiosk.capture.face import FaceReport, check_face
from kiosk.capture.imports import import_file
from kiosk.capture.page import PageReport, find_page, make_page
from kiosk.capture.portrait import make_portrait
from kiosk.capture.qr import read_qr
from kiosk.capture.sources import FrameSource, open_source

__all__ = [
    "CaptureError",
    "FaceReport",
    "FrameSource",
    "PageReport",
    "check_face",
    "find_page",
    "import_file",
    "make_page",
    "make_portrait",
    "open_source",
    "read_qr",
]
