"""`sala export --to DIR` and `sala import RETURN_BUNDLE`: the USB transfer's command line.

Messages come in the technician's language (`--lang`, default Khmer):
the keys `usb.*` in assets/translations/{km,en}/usb.json. Exit 0 done, 1 nothing to do or a
no-op, 2 refused (nothing changed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _locale(args: argparse.Namespace, data_dir: Path) -> str:
    """`--lang`, else the language setup chose (config `locale`, when it has one), else Khmer."""
    if getattr(args, "lang", None):
        return str(args.lang)
    try:
        from kiosk.config import load_config

        return str(getattr(load_config(data_dir), "locale", None) or "km")
    except Exception:  # no or broken config: Khmer first
        return "km"


def _open(data_dir: Path) -> Any:
    from kiosk.store import Store
    from sync.client.usb_export import identity_or_fail

    return Store.open(data_dir, commune_code=identity_or_fail(data_dir).commune_code)


def _refused(exc: Any, locale: str, command: str) -> int:
    from kiosk.i18n import error_text

    print(f"sala {command}: {error_text(exc, locale, 'usb.error.unknown')}", file=sys.stderr)
    print(f"  ({exc.message})", file=sys.stderr)
    return 2


def cmd_export(args: argparse.Namespace) -> int:
    from kiosk.i18n import digits, tr
    from sync.client.cli import _data_dir
    from sync.client.usb_export import export
    from sync.client.usb_key import UsbError

    data_dir = _data_dir(args)
    locale = _locale(args, data_dir)
    try:
        store = _open(data_dir)
    except UsbError as exc:
        return _refused(exc, locale, "export")
    try:
        result = export(store, data_dir, Path(args.to))
    except UsbError as exc:
        if exc.key != "usb.error.nothing":
            return _refused(exc, locale, "export")
        print(tr("usb.export.nothing", locale))
        return 1
    finally:
        store.close()
    print(
        tr("usb.export.done", locale, n=digits(result.registrations, locale), file=result.path.name)
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from kiosk.i18n import digits, tr
    from sync.client.cli import _data_dir
    from sync.client.usb_key import UsbError
    from sync.client.usb_return import import_file

    data_dir = _data_dir(args)
    locale = _locale(args, data_dir)
    try:
        store = _open(data_dir)
        try:
            result = import_file(store, data_dir, Path(args.bundle))
        finally:
            store.close()
    except UsbError as exc:
        return _refused(exc, locale, "import")
    from kiosk.i18n import error_text

    for skipped in result.skipped:  # other bundles in the folder, refused
        print(f"sala import: {error_text(skipped, locale, 'usb.error.unknown')}", file=sys.stderr)
    if result.already:
        print(tr("usb.import.already", locale))
        return 1
    print(
        tr(
            "usb.import.done",
            locale,
            n=digits(len(result.accepted), locale),
            changes=digits(result.changes, locale),
        )
    )
    if result.refused:
        print(tr("usb.import.refused", locale, n=digits(len(result.refused), locale)))
    if result.release:
        print(tr("usb.import.release", locale, version=result.release))
    elif result.release_refused:
        print(tr("usb.import.release_refused", locale))
    return 0


def register(sub: Any) -> None:
    e = sub.add_parser(
        "export",
        help="write every unsent application to a USB stick, encrypted for the ministry",
        description="One bundle with every registration the server has not acknowledged, its "
        "media, queued staff changes and audit, encrypted to the ministry's USB key and signed "
        "by this kiosk. Written atomically: a pulled stick leaves no half bundle.",
    )
    e.add_argument("--to", required=True, metavar="DIR", help="the mounted stick (a folder)")
    e.add_argument("--lang", choices=["km", "en"], help="language of the messages")
    e.add_argument("--data-dir", default=argparse.SUPPRESS, help="the kiosk's data dir")
    e.set_defaults(func=cmd_export)

    i = sub.add_parser(
        "import",
        help="apply a return bundle from the ministry (receipts, statuses, roster, catalog)",
    )
    i.add_argument(
        "bundle",
        metavar="RETURN_BUNDLE",
        help="the .salareturn file, or the stick's folder (every return bundle for this kiosk)",
    )
    i.add_argument("--lang", choices=["km", "en"], help="language of the messages")
    i.add_argument("--data-dir", default=argparse.SUPPRESS, help="the kiosk's data dir")
    i.set_defaults(func=cmd_import)
