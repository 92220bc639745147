"""Imports every topic module of `sync.server.tables` (one line each, sorted)."""

from __future__ import annotations
