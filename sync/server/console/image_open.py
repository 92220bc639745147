"""Opening a stored image safely: the one place the server lets Pillow near a kiosk's file.

A stored page or face photo is data from a kiosk, not trusted. Kiosks send JPEG (the camera)
or PNG (a picture field's file, a clerk's page): Pillow may pick only those two decoders,
whatever the file claims, so a crafted file cannot reach a rarer, riskier one. And a
small file can declare a huge image (a 500 KB PNG of 13000 × 13000 pixels decodes to 2 GB), so
an image over `PIXELS_MAX` is refused from its header, before any pixel is decoded. Pillow's
own bomb check (`Image.MAX_IMAGE_PIXELS`, about 89 M pixels by default) sits above this cap, so
its warning or error only ever comes for an image refused here anyway: both count as too large.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

PIXELS_MAX = 40_000_000  # the server's one cap on decoding a stored image
FORMATS = ("JPEG", "PNG")  # the only decoders Pillow may pick: what kiosks send


class Unreadable(ValueError):
    """Not a JPEG or PNG whose header Pillow can read."""


class TooLarge(Unreadable):
    """Declares more than `PIXELS_MAX` pixels."""


def open_image(source: Path | IO[bytes]) -> Any:
    """The image in `source`, header read and pixels not yet decoded (the caller closes it,
    e.g. `with open_image(path) as im:`); `TooLarge` over `PIXELS_MAX`, `Unreadable` if it is
    not a kiosk's format or its header is damaged."""
    from PIL import Image

    try:
        im = Image.open(source, formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooLarge(str(exc)) from exc  # Pillow's own limit: larger than ours
    except (OSError, ValueError) as exc:
        raise Unreadable(str(exc)) from exc
    if im.width * im.height > PIXELS_MAX:
        im.close()
        raise TooLarge(f"{im.width} × {im.height} pixels is over {PIXELS_MAX}")
    return im
