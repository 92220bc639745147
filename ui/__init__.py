"""Sala touchscreen UI (PySide6 Widgets) and the `sala` command."""
