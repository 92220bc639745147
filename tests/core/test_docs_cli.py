"""Every `sala` subcommand is documented in the README (the sqlite-utils test_docs habit)."""

from __future__ import annotations

import argparse
import pathlib

from ui.cli import build_parser

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def _subcommands() -> list[str]:
    parser = build_parser()
    names: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            names.extend(action.choices)
    return names


def test_at_least_the_core_commands_exist() -> None:
    names = _subcommands()
    assert {"status", "self-test"} <= set(names), names


def test_every_subcommand_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name for name in _subcommands() if f"`sala {name}" not in text]
    assert not missing, f"undocumented sala commands: {missing}"


def test_each_command_is_owned_by_the_module_that_registers_it() -> None:
    """`sala kiosk` imports only its own module: the owner table must not drift."""
    from ui.cli import _OWNER

    full = set(_subcommands())
    assert set(_OWNER) == full, f"commands missing from ui.cli._OWNER: {full ^ set(_OWNER)}"
    for command in _OWNER:
        parser = build_parser(only=command)
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        assert command in sub.choices, command
