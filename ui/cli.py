"""The `sala` command: one parser, subcommands registered by each layer.

This module lives in `ui/` because it is the top layer and may reach all others, but it imports
no Qt and no kiosk code itself. It imports only the module that owns the command being run, so
`sala server` works on a ministry server installed with just the `server` extra (no kiosk code
is imported), and `sala status` works without PySide6. The server also has its own console
script, `sala-server` (`sync.server.cli:main`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module has `register(subparsers)`; the order is the order of `sala --help`.
_COMMAND_MODULES = (
    "ui.commands",
    "kiosk.cli",
    "kiosk.update.cli",
    "sync.client.cli",
    "sync.server.cli",
)

# Which module registers which command, so `sala kiosk` imports only what the kiosk needs
# (start-up time: the sync client pulls in `requests`, the server FastAPI) and `sala server`
# imports no kiosk code. `sala --help` and an unknown command still build the full parser.
_OWNER = {
    "kiosk": "ui.commands",
    "screenshots": "ui.commands",
    "receipt": "ui.commands",
    "status": "kiosk.cli",
    "self-test": "kiosk.cli",
    "diagnostics": "kiosk.cli",
    "update": "kiosk.update.cli",
    "sync": "sync.client.cli",
    "enrol": "sync.client.cli",
    "export": "sync.client.cli",
    "import": "sync.client.cli",
    "server": "sync.server.cli",
}

# The pip extra each owner module needs (pyproject.toml), for a clear message when it is absent.
_EXTRA = {
    "ui.commands": "kiosk",
    "kiosk.cli": "core",
    "kiosk.update.cli": "core",
    "sync.client.cli": "core",
    "sync.server.cli": "server",
}
_OUR_PACKAGES = ("ui", "kiosk", "sync", "assets")


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand named in argv (skipping `--data-dir X`), or None."""
    it = iter(argv)
    for arg in it:
        if arg == "--data-dir":
            next(it, None)
        elif not arg.startswith("-"):
            return arg
    return None


def _is_missing_dependency(exc: ModuleNotFoundError) -> bool:
    """A third-party package of an extra that is not installed (not a bug in our own code)."""
    return bool(exc.name) and str(exc.name).split(".")[0] not in _OUR_PACKAGES


def _needs_extra(module: str, exc: ModuleNotFoundError) -> str:
    extra = _EXTRA.get(module, "dev")
    return (
        f"sala: this command needs the '{extra}' extra, which is not installed here "
        f"(no module {exc.name!r}): pip install 'sala[{extra}]'"
    )


def version() -> str:
    """Sala's version. Its one owner is `version` in pyproject.toml; this reads it back from the
    installed distribution's metadata (a checkout installed with pip, or the packaged bundle,
    which carries the metadata: packaging/sala.spec)."""
    from importlib import metadata

    try:
        return metadata.version("sala")
    except metadata.PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


class _VersionAction(argparse.Action):
    """`--version`, reading the metadata only when asked: scanning the installed distributions
    costs about 0.1 s, which every start of the kiosk would otherwise pay."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kw: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print Sala's version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        print(f"sala {version()}")
        parser.exit()


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The `sala` parser; with `only`, just the module that owns that command is imported.

    A layer whose extra is not installed is left out of the full parser, so `sala --help`
    works on a server-only install; asking for one of its commands says which extra to add.
    """
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
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = (_OWNER[only],) if only in _OWNER else _COMMAND_MODULES
    absent: list[str] = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not _is_missing_dependency(exc):
                raise
            if only in _OWNER:
                raise SystemExit(_needs_extra(name, exc)) from None
            absent.append(f"{name} (extra '{_EXTRA.get(name, 'dev')}')")
            continue
        module.register(sub)
    if absent:
        parser.epilog = "Not installed here: " + ", ".join(absent) + "."
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command_in(argv)
    if command is None and "--version" in argv:  # without importing every command's module
        print(f"sala {version()}")
        return 0
    parser = build_parser(only=command)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        result = args.func(args)
    except ModuleNotFoundError as exc:
        if not _is_missing_dependency(exc):
            raise
        print(_needs_extra(_OWNER.get(command or "", ""), exc), file=sys.stderr)
        return 2
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
