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

# Which module registers which command, so `sala kiosk` imports only what the kiosk needs
# (start-up time: the sync client pulls in `requests`, the server FastAPI). `sala --help` and an
# unknown command still build the full parser.
_OWNER = {
    "kiosk": "ui.commands",
    "screenshots": "ui.commands",
    "status": "kiosk.cli",
    "self-test": "kiosk.cli",
    "server": "sync.cli",
    "sync": "sync.cli",
    "enrol": "sync.cli",
}


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand named in argv (skipping `--data-dir X`), or None."""
    it = iter(argv)
    for arg in it:
        if arg == "--data-dir":
            next(it, None)
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The `sala` parser; with `only`, just the module that owns that command is imported."""
    parser = argparse.ArgumentParser(
        prog="sala",
        description="Sala: the commune-hall kiosk for government services, "
        "and its ministry server.",
    )
    parser.add_argument(
        "--data-dir",
        help="where the kiosk keeps its database, media and config "
        "(default: the per-user data dir, or $SALA_DATA_DIR)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = (_OWNER[only],) if only in _OWNER else _COMMAND_MODULES
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(name.split(".")[0]):
                continue  # that layer is not written yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(only=_command_in(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    result = args.func(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
