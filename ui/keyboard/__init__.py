"""Sala's own on-screen keyboard: Khmer (NiDA) with one-tap subscripts, English, numbers.

`OnScreenKeyboard` is imported lazily so the Qt-free parts (layouts, coeng rules, the NiDA
generator) load and test without PySide6.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ui.keyboard.keyboard import PROPERTY, OnScreenKeyboard

__all__ = ["PROPERTY", "OnScreenKeyboard"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from ui.keyboard import keyboard

        return getattr(keyboard, name)
    raise AttributeError(name)
