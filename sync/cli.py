"""`sala server …`, `sala sync`, `sala enrol`: the sync layer's commands, registered on `sala`."""

from __future__ import annotations

import importlib
from typing import Any


def register(sub: Any) -> None:
    """Add the server and client commands; each half is imported only if it exists."""
    for name in ("sync.server.cli", "sync.client.cli"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("sync"):
                continue
            raise
        module.register(sub)


__all__ = ["register"]
