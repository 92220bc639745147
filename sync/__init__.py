"""Sala sync: the kiosk's sync client and the reference ministry server (Qt-free)."""
