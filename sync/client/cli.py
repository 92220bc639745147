"""`sala sync [--once]` and `sala enrol`: the technician's handles on the sync client."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sync.client.api import SyncError


def _data_dir(args: argparse.Namespace) -> Path:
    given = getattr(args, "data_dir", None)
    if given:
        return Path(given)
    try:
        from kiosk.config import load_config

        return Path(load_config().data_dir)
    except ImportError:
        pass
    if os.environ.get("SALA_DATA_DIR"):
        return Path(os.environ["SALA_DATA_DIR"])
    import platformdirs

    return Path(platformdirs.user_data_dir("sala"))


def _open_store(data_dir: Path, commune_code: str) -> Any:
    from kiosk.store import Store

    return Store.open(data_dir, commune_code=commune_code)


def _say(msg: str) -> None:
    print(msg, flush=True)


def cmd_enrol(args: argparse.Namespace) -> int:
    from sync.client.enrol import enrol

    data_dir = _data_dir(args)
    try:
        identity = enrol(
            data_dir,
            args.server,
            args.code,
            ca_file=args.ca_file,
            allow_insecure_http=args.allow_insecure_http,
            label=args.label,
        )
    except SyncError as exc:
        print(f"sala enrol: {exc.message}", file=sys.stderr)
        return 2
    try:
        from dataclasses import replace

        from kiosk.config import load_config, save_config

        cfg = load_config(data_dir)
        save_config(
            replace(cfg, server_url=identity.server_url, commune_code=identity.commune_code)
        )
    except ImportError:
        pass
    _say(
        f"Enrolled as device {identity.device_id} for commune {identity.commune_code} "
        f"at {identity.server_url}. Data dir: {data_dir}"
    )
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from sync.client.enrol import api_for, load_identity

    data_dir = _data_dir(args)
    from kiosk.logs import setup_logging  # the technician's log, PII redacted (kiosk/logs.py)

    setup_logging(data_dir)
    try:
        api = api_for(data_dir)
    except SyncError as exc:
        print(f"sala sync: {exc.message}", file=sys.stderr)
        return 2
    identity = load_identity(data_dir)
    assert identity is not None
    if args.once:
        return _once(api, data_dir, identity.commune_code, args.parallel)
    return _forever(data_dir, args.parallel, args.interval)


def _once(api: Any, data_dir: Path, commune: str, parallel: int) -> int:
    from sync.client.worker import sync_once

    store = _open_store(data_dir, commune)
    try:
        with ThreadPoolExecutor(max(1, parallel)) as pool:
            results, pulled, purged = sync_once(
                store, api, data_dir=data_dir, executor=pool if parallel > 1 else None
            )
    except SyncError as exc:
        print(f"sala sync: {exc.message}", file=sys.stderr)
        return 1
    finally:
        store.close()
    ok = [r for r in results if r.ok]
    _say(
        f"sent {len(ok)} of {len(results)} registrations; {pulled} changes pulled; {purged} purged"
    )
    for r in results:
        if not r.ok:
            what = "flagged for the clerk" if r.flagged else "will retry"
            print(f"  {r.app_number or r.registration_id}: {r.error} ({what})", file=sys.stderr)
    return 0 if len(ok) == len(results) else 1


def _forever(data_dir: Path, parallel: int, interval: float) -> int:
    from sync.client.worker import worker_for

    worker = worker_for(data_dir, interval=interval, parallel=parallel)
    assert worker is not None  # cmd_sync checked the enrolment
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    worker.start()
    rounds = 0
    try:
        while not done.is_set():
            if worker.wait_rounds(rounds + 1, timeout=1.0):
                rounds += 1
                _say(worker.state().describe("en"))
    except KeyboardInterrupt:
        pass
    worker.stop()
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "sync",
        help="send saved registrations to the ministry server and fetch status changes",
        description="Upload media (resumable), commit each registration, pull "
        "status/catalog changes and purge what is past retention. Without --once "
        "it keeps running with backoff, like the kiosk's background worker.",
    )
    p.add_argument("--once", action="store_true", help="one round, then exit (technicians, tests)")
    p.add_argument(
        "--parallel",
        type=int,
        default=3,
        help="uploads/commits in flight at once, each on its own connection "
        "(default 3; 1 = one after the other)",
    )
    p.add_argument("--interval", type=float, default=60.0, help="seconds between rounds")
    p.add_argument("--data-dir", default=argparse.SUPPRESS, help="the kiosk's data dir")
    p.set_defaults(func=cmd_sync)

    e = sub.add_parser(
        "enrol",
        help="register this kiosk with the ministry server (one-time code from a technician)",
        description="Make this kiosk's Ed25519 key (kept 0600 in the data dir, wrapped by the "
        "machine secret), "
        "register it with the one-time code and pin the server's key and, for "
        "https, the ministry CA.",
    )
    e.add_argument("--server", required=True, help="server address, https://…")
    e.add_argument("--code", required=True, help="one-time enrolment code")
    e.add_argument("--ca-file", help="the ministry CA certificate (PEM) to pin for https")
    e.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow plain http to a non-local server (closed test networks only)",
    )
    e.add_argument("--label", help="a name for this kiosk on the server (default: host name)")
    e.add_argument("--data-dir", default=argparse.SUPPRESS, help="the kiosk's data dir")
    e.set_defaults(func=cmd_enrol)

    from sync.client.usb_cli import register as register_usb

    register_usb(sub)  # `sala export`, `sala import` (the field kit's USB transfer)
