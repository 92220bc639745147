"""Every capture threshold in one place, so a technician or a test can see (and tune) them.

Values were set against the real photographs in tests/fixtures/capture and tests/fixtures/faces
(and 158 portraits from the same source as the latter); each check is tested on both sides of
its threshold.
"""

from __future__ import annotations

# --- face detection (BlazeFace short range, see kiosk/capture/face.py) ------------------------
FACE_MODEL = "face_detection_short_range.tflite"  # in assets/capture/models, with its NOTICE
FACE_SCORE_MIN = 0.6  # real faces score 0.9+; a ladybird photo scored 0.52 (MediaPipe uses 0.5)
FACE_NMS_IOU = 0.3  # detections overlapping more than this are one face (weighted average)
FACE_MIN_FRACTION = 0.15  # smaller faces (box side / frame height) are ignored: people far behind
BOX_FROM_LANDMARKS = 2.3  # face box side = 2.3 × mean of eye distance and eye-to-mouth distance
EYE_IN_BOX = 0.40  # … with the eye line 0.40 box sides below its top: a frontal-face box
REFINE_CROP = 1.6  # landmarks are measured again on a crop this many face boxes wide
FACE_YAW_MAX = 0.35  # nose tip off the eyes' midpoint, in eye distances: beyond ≈ 30° turned away

# --- head geometry (from the face box to the whole head, crown to chin) ----------------------
HEAD_FROM_BOX = 1.45  # head height ≈ 1.45 × face box height (≈ 3.3 × that landmark mean)
HEAD_TOP_ABOVE_BOX = 0.33  # the crown sits 0.33 box heights above the box top
HEAD_IN_CROP_MIN = 0.70  # ICAO 9303: head 70–80 % of the photo height
HEAD_IN_CROP_MAX = 0.80
HEAD_IN_CROP_TARGET = 0.75  # the crop we cut puts the head at 75 %
CROP_TOP_MARGIN = 0.10  # crown sits 10 % below the top of the crop
CROP_MIN_SOURCE_PX = 300  # a crop smaller than this in the camera frame would be upscaled too much
CROP_MIN_FRAME_FRACTION = 0.55  # … or look lost in the frame: "Move closer"
CENTRE_TOLERANCE = 0.10  # face centre within ±10 % of the frame width/height from the ideal spot
EYE_LINE_FROM_CROWN = 0.48  # ideal eye line, as a fraction of head height below the crown

# --- the face photo checks --------------------------------------------------------------------
EYE_TILT_MAX_DEG = 8.0  # eyes level: angle of the line through both eyes
SHARPNESS_MIN = 30.0  # variance of the Laplacian on the face (200 px high, std 50)
FACE_MEAN_MIN = 70.0  # mean grey level on the face: below is too dark
FACE_MEAN_MAX = 215.0  # above is too bright
FACE_CLIPPED_MAX = 0.08  # fraction of face pixels at ≥ 250 (blown out)
BACKGROUND_EDGES_MAX = 0.04  # share of edge pixels beside/above the head: above is busy
BACKGROUND_MEAN_MIN = 90.0  # background must be light enough

# --- auto-capture -----------------------------------------------------------------------------
AUTO_CAPTURE_SECONDS = 1.0  # checks must hold this long …
AUTO_CAPTURE_MIN_FRAMES = 8  # … over at least this many frames
STABLE_MOVE_MAX = 0.04  # face centre may move at most 4 % of the frame width between frames

# --- portrait output --------------------------------------------------------------------------
PORTRAIT_SIZE = (413, 531)  # 35 × 45 mm at 300 dpi
PORTRAIT_MAX_BYTES = 60_000
PORTRAIT_QUALITIES = (90, 85, 80, 75, 70, 65, 60, 55, 50, 45, 40)

# --- camera health ----------------------------------------------------------------------------
BLACK_MEAN_MAX = 3.0  # a frame this dark is "black" (lens cap, dead sensor)
BLACK_FRAMES = 30  # … for this many reads in a row
FROZEN_FRAMES = 60  # identical frames for this many reads in a row: the camera is frozen
REOPEN_BACKOFF_START = 0.25  # seconds; doubles after each failed reopen …
REOPEN_BACKOFF_MAX = 4.0  # … up to this
READ_FAILURES_BEFORE_REOPEN = 3

# --- pages ------------------------------------------------------------------------------------
PAGE_DETECT_WIDTH = 640  # corners are searched on a frame downscaled to this width
PAGE_MIN_AREA = 0.20  # the page must cover at least 20 % of the frame
PAGE_ASPECT_SNAP = 0.06  # a measured aspect within 6 % of a paper size snaps to it
PAGE_SHARPNESS_MIN = 80.0  # variance of the Laplacian of the straightened page at 1000 px wide
PAGE_GLARE_LEVEL = 235  # a pixel this bright (and 25 above the paper) is glare …
PAGE_GLARE_MAX = 0.015  # … and more than 1.5 % of them means glare
PAGE_CHROMA_LEVEL = 18.0  # a pixel this far from grey (Lab a*b* distance) is coloured …
PAGE_COLOUR_FRACTION = 0.02  # … and more than 2 % of them makes a colour page
PAGE_LONG_SIDE = 1754  # A4 at 150 dpi (1240 × 1754)
CARD_LONG_SIDE = 1012  # an ID-1 card at 300 dpi
PAGE_MAX_BYTES = 250_000
PAGE_QUALITIES = (85, 80, 75, 70, 65, 60, 55, 50, 45, 40)

# --- file import ------------------------------------------------------------------------------
MAX_FILE_BYTES = 60_000_000
MAX_IMAGE_PIXELS = 40_000_000  # larger JPEGs are decoded reduced; larger PNGs are refused
MAX_REDUCED_PIXELS = 320_000_000  # beyond 8× reduction nothing is decoded at all
MAX_PDF_PAGES = 20
PDF_DPI = 150
PDF_MAX_SIDE_PX = 2500  # rendering cap for oversized PDF pages

# --- scanner folder ---------------------------------------------------------------------------
SCAN_POLL_MS = 1000
SCAN_STABLE_POLLS = 2  # a file is taken once its size and mtime held for this many polls
