"""Decide when to take the photo by itself: all checks held, face steady, for about a second."""

from __future__ import annotations

from kiosk.capture import thresholds as T
from kiosk.capture.face import FaceReport


class AutoShot:
    """Feed it every analysed frame with its time; it answers True once, when to shoot.

    A time limit and a frame count are both required, so a stuttering camera (few frames)
    or a very fast one (many frames in a blink) cannot fire early.
    """

    def __init__(
        self,
        seconds: float = T.AUTO_CAPTURE_SECONDS,
        min_frames: int = T.AUTO_CAPTURE_MIN_FRAMES,
        max_move: float = T.STABLE_MOVE_MAX,
    ) -> None:
        self.seconds = seconds
        self.min_frames = min_frames
        self.max_move = max_move
        self.reset()

    def reset(self) -> None:
        self._since: float | None = None
        self._frames = 0
        self._last_centre: tuple[float, float] | None = None

    def progress(self, now: float) -> float:
        """0..1: how far the steady period has come (for a ring drawn around the oval)."""
        if self._since is None:
            return 0.0
        return min(1.0, (now - self._since) / self.seconds)

    def feed(self, report: FaceReport, now: float) -> bool:
        face = report.face
        if not report.ok or face is None:
            self.reset()
            return False
        fw = report.frame_size[0]
        centre = ((face[0] + face[2] / 2) / fw, (face[1] + face[3] / 2) / fw)
        if self._last_centre is not None:
            moved = max(
                abs(centre[0] - self._last_centre[0]), abs(centre[1] - self._last_centre[1])
            )
            if moved > self.max_move:
                self.reset()
        self._last_centre = centre
        if self._since is None:
            self._since = now
        self._frames += 1
        if self._frames >= self.min_frames and now - self._since >= self.seconds:
            self.reset()
            return True
        return False
