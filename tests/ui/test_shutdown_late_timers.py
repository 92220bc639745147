"""A kiosk that has shut down (the window closed as a test ends, or `sala kiosk` quitting) may
still get its first-paint signal from a queued event; it must not submit work to the stopped
task helper (which raises, as an exception in the Qt event loop)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.qt]


def test_a_first_paint_signal_after_shutdown_submits_nothing(make_kiosk: Any, qtbot: Any) -> None:
    kiosk = make_kiosk()
    qtbot.waitUntil(lambda: kiosk.window.shown_once, timeout=10_000)
    kiosk.shutdown()
    assert kiosk.tasks.closed
    kiosk.window.first_shown.emit()  # as the late, queued signal arrives
    qtbot.wait(50)  # any exception in the event loop fails the test (pytest-qt)
