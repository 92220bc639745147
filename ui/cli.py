"""The `sala` command: one parser, subcommands registered by each layer.

This module lives in `ui/` because it is the top layer and may reach all others, but it imports
no Qt itself: `sala status`, `sala server` and `sala sync` work where PySide6 is not installed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module has `register(subparsers)`; the order is the order of `sala --help`.
_COMMAND_MODULES = ("ui.commands", "kiosk.cli", "sync.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sala",
        description="Sala: the commune-hall kiosk for government services, and its ministry server.",
    )
    parser.add_argument(
        "--data-dir",
        help="where the kiosk keeps its database, media and config "
        "(default: the per-user data dir, or $SALA_DATA_DIR)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(name.split(".")[0]):
                continue  # that layer is not written yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    result = args.func(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
