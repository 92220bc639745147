"""Lock-down (issue 14): the quit and switch shortcuts do nothing for a citizen.

Real X key events (XTest through xdotool) go to the full-screen kiosk on the attract screen
and in the middle of a journey: Alt+F4, Ctrl+Alt+Backspace, the VT switches, Alt+Tab, Escape,
Ctrl+Q/W. After each, the same kiosk window is still shown full-screen, active, on the same
screen, and the application is still running. What the desktop around the kiosk does with
these keys is not the kiosk's to test here: on a commune PC the kiosk runs inside cage without
`-s` (no VT switching, no window manager to close it; README "Packaged kiosk").
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests.window.conftest import SIZE_IDS, SIZES
from tests.window.finger import pump, wait_for
from tests.window.journeys import named, on_screen, to_service

KEYS = [
    "alt+F4", "ctrl+alt+BackSpace", "ctrl+alt+F1", "ctrl+alt+F2", "ctrl+alt+F7",
    "alt+Tab", "ctrl+alt+Delete", "Escape", "ctrl+q", "ctrl+w", "super+d",
]  # fmt: skip


class KeyCounter:
    """Counts the key presses Qt receives: proof the X events reached the kiosk at all."""

    def __init__(self) -> None:
        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtWidgets import QApplication

        counter = self

        class Filter(QObject):
            def eventFilter(self, obj: Any, event: Any) -> bool:
                if event.type() == QEvent.Type.KeyPress:
                    counter.presses += 1
                return False

        self.presses = 0
        self.filter = Filter()
        QApplication.instance().installEventFilter(self.filter)

    def close(self) -> None:
        from PySide6.QtWidgets import QApplication

        QApplication.instance().removeEventFilter(self.filter)


@pytest.fixture
def keys_seen() -> Any:
    counter = KeyCounter()
    yield counter
    counter.close()


def press(xdotool: str, keys: str, seen: KeyCounter) -> None:
    before = seen.presses
    subprocess.run([xdotool, "key", "--clearmodifiers", keys], check=True, timeout=30)
    wait_for(lambda: seen.presses > before, what=f"{keys} to reach the kiosk window")


def still_the_kiosk(k: Any, screen: str) -> None:
    from PySide6.QtWidgets import QApplication

    pump(300)  # the keys' events, and anything they might have started, are handled
    window = k.window
    assert window.isVisible() and window.isFullScreen()
    assert QApplication.activeWindow() is window or window.isActiveWindow()
    assert window.geometry() == k.screen.geometry()
    assert QApplication.closingDown() is False
    assert k.screen_name() == screen


@pytest.mark.parametrize("size", [SIZES[0]], ids=[SIZE_IDS[0]], indirect=True)
def test_quit_and_switch_keys_do_nothing_on_the_attract_screen(
    running: Any, xserver: dict[str, str], keys_seen: KeyCounter
) -> None:
    k = running
    assert k.screen_name() == "attract"
    for keys in KEYS:
        press(xserver["xdotool"], keys, keys_seen)
        still_the_kiosk(k, "attract")


@pytest.mark.parametrize("size", [SIZES[0]], ids=[SIZE_IDS[0]], indirect=True)
def test_quit_and_switch_keys_do_nothing_in_a_journey(
    running: Any, xserver: dict[str, str], keys_seen: KeyCounter
) -> None:
    k = running
    to_service(k, "km")
    for keys in KEYS:
        press(xserver["xdotool"], keys, keys_seen)
        still_the_kiosk(k, "question")
    step = k.page().step
    assert step is not None and step.id == "application_type"  # nothing moved the journey on
    k.finger.tap(k.page().widgets[0].buttons[0])  # and the journey still goes on by touch
    k.finger.tap(named(k, "continue"))
    on_screen(k, "question", step="name")


def ask_to_close(window_id: int) -> None:
    """What a window manager sends on Alt+F4: WM_PROTOCOLS/WM_DELETE_WINDOW to the window
    (libX11 through ctypes; Xvfb runs no window manager to do it)."""
    import ctypes
    import ctypes.util
    import os

    class ClientMessage(ctypes.Structure):
        _fields_ = [
            ("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
            ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
            ("message_type", ctypes.c_ulong), ("format", ctypes.c_int),
            ("data", ctypes.c_long * 5), ("pad", ctypes.c_long * 12),
        ]  # fmt: skip

    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                               ctypes.c_void_p]  # fmt: skip
    x11.XFlush.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(os.environ["DISPLAY"].encode())
    assert display, "no X display"
    try:
        msg = ClientMessage(type=33, send_event=1, display=display, window=window_id, format=32)
        msg.message_type = x11.XInternAtom(display, b"WM_PROTOCOLS", 0)
        msg.data[0] = x11.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
        assert x11.XSendEvent(display, window_id, 0, 0, ctypes.byref(msg))
        x11.XFlush(display)
    finally:
        x11.XCloseDisplay(display)


@pytest.mark.parametrize("size", [SIZES[0]], ids=[SIZE_IDS[0]], indirect=True)
def test_a_window_managers_close_request_does_not_end_the_kiosk(running: Any) -> None:
    """On a plain X session with a window manager, Alt+F4 becomes this close request."""
    k = running
    ask_to_close(int(k.window.winId()))
    still_the_kiosk(k, "attract")
