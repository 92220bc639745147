"""`sala update`: the technician's and the root unit's commands (README "Updates").

- `sala update status` — installed, offered and last result, deferral, idle.
- `sala update usb PATH` — verify the release on a USB stick and ask for its install.
- `sala update defer --days N` — hold the offered release back (capped: policy).
- `sala update apply` — root only, run by sala-update.service: install a verified request,
  finish an interrupted one, roll back a release that does not become healthy.
Messages come from assets/translations/*/update.json (`update.*`), Khmer and English.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.i18n import error_text, tr
from kiosk.update import spool
from kiosk.update.manifest import UpdateRefused, load_public_key


def installed_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("sala")
    except metadata.PackageNotFoundError:
        return "0"


def _data_dir(args: argparse.Namespace) -> Path:
    from kiosk.config import default_data_dir

    given = getattr(args, "data_dir", None)
    return Path(given) if given else default_data_dir()


def key_path(given: str | None = None) -> Path:
    """The kiosk's pinned release key (the package's); `$SALA_RELEASE_KEY` or `--key` only
    for tests and development builds. The root unit always uses its own pinned path."""
    from kiosk.update.apply import PINNED_KEY

    return Path(given or os.environ.get("SALA_RELEASE_KEY") or PINNED_KEY)


def _key_path(args: argparse.Namespace) -> Path:
    return key_path(getattr(args, "key", None))


def _say(key: str, lang: str, **kw: object) -> None:
    print(tr(key, lang, **kw))


def register(sub: Any) -> None:
    p = sub.add_parser("update", help="signed kiosk updates: status, USB install, deferral")
    p.add_argument("--lang", choices=("en", "km"), default="en", help="language of the texts")
    ups = p.add_subparsers(dest="update_command", metavar="STEP", required=True)
    s = ups.add_parser("status", help="installed and offered versions, the last result")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)
    s = ups.add_parser("usb", help="install the release in PATH/sala-update (verified first)")
    s.add_argument("path", type=Path)
    s.add_argument("--key", help=argparse.SUPPRESS)  # tests and development builds only
    s.set_defaults(func=cmd_usb)
    s = ups.add_parser("defer", help="hold the offered release back for some days")
    s.add_argument("--days", type=int, required=True)
    s.set_defaults(func=cmd_defer)
    s = ups.add_parser("apply", help="root only (sala-update.service): install a request")
    s.set_defaults(func=cmd_apply)


def cmd_status(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    offer = spool.offered(data_dir)
    until, _ = spool.deferral(data_dir, offer.version) if offer else (None, None)
    info = {
        "installed": installed_version(),
        "offered": offer.version if offer else None,
        "deferred_until": until.isoformat() if until else None,
        "idle": spool.is_idle(data_dir),
        "last_result": spool.result(data_dir),
        "fetch": spool.fetch_state(data_dir),
    }
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    lang = args.lang
    _say("update.status.installed", lang, version=info["installed"])
    if offer:
        _say("update.status.offered", lang, version=offer.version)
    if until:
        _say("update.status.deferred", lang, version=offer.version if offer else "", until=until)
    fetch = info["fetch"]
    if isinstance(fetch, dict) and fetch.get("state"):
        size = fetch.get("size") or 0
        percent = int(100 * (fetch.get("done") or 0) / size) if size else 0
        _say(f"update.fetch.{fetch['state']}", lang, version=fetch.get("version"),
             reason=fetch.get("reason"), percent=percent, need_mb=fetch.get("need_mb"))  # fmt: skip
    res = info["last_result"]
    if isinstance(res, dict):
        key = f"update.result.{res.get('outcome')}"
        _say(key, lang, version=res.get("version"), reason=res.get("reason"))
    return 0


def cmd_usb(args: argparse.Namespace) -> int:
    """Install from a stick; the request or the refusal goes to the audit (`update.audit`)."""
    from kiosk.update import audit

    data_dir = _data_dir(args)
    try:
        public = load_public_key(_key_path(args))
        document, deb = spool.usb_release(args.path, public)  # the newest the key signed
        m = spool.request_install(data_dir, document, deb, public, installed_version())
    except UpdateRefused as exc:
        audit.record_in(data_dir, "usb_refused", "", {"reason": exc.code})
        print(error_text(exc, args.lang), file=sys.stderr)
        return 1
    except OSError as exc:  # the stick pulled out, or no room for the spool's copy
        print(f"{tr('update.refused.unreadable', args.lang)} ({exc.strerror})", file=sys.stderr)
        return 1
    audit.record_in(data_dir, "usb_requested", m.version, {})
    _say("update.requested", args.lang, version=m.version)
    return 0


def cmd_defer(args: argparse.Namespace) -> int:
    """The Updates page's hold-back (`deferral.defer_offer`): a hold past the cap is refused,
    not stored and then ignored by the updater."""
    from kiosk.update import audit, deferral

    data_dir, now = _data_dir(args), datetime.now(UTC)
    try:
        held = deferral.defer_offer(data_dir, args.days, now)
    except deferral.DeferRefused as refused:
        _say(refused.message_key, args.lang, **refused.params)
        return 1
    audit.record_in(data_dir, *audit.deferred(held, args.days, now))
    _say("update.defer.done", args.lang, version=held.version, days=args.days,
         max_days=(held.deadline - held.first).days)  # fmt: skip
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    from kiosk.update.apply import Paths, Updater
    from kiosk.update.system import System

    if os.geteuid() != 0:
        _say("update.apply.not_root", args.lang)
        return 2
    paths = Paths(data_dir=Path(args.data_dir)) if args.data_dir else Paths()
    tr("update.result.installed", args.lang)  # load the texts before dpkg replaces them
    res = Updater(paths, System()).run()
    if res is not None:
        key = f"update.result.{res.get('outcome')}"
        _say(key, args.lang, version=res.get("version"), reason=res.get("reason"))
    return 0 if res is None or res.get("outcome") in ("installed", "refused") else 1
