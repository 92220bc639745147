"""The root side of an update: `sala update apply`, run by sala-update.service when the kiosk
drops a request into its spool (sala-update.path), and at every boot to finish one that a
power cut interrupted.

It trusts nothing the kiosk user wrote: the request's .deb and manifest are copied into the
root-only work dir (/var/lib/sala-update) and verified again there, against the root-owned
anti-rollback state (a lower version only with a signed downgrade, copied and verified
again too: `downgrade`). Then: the previous release's .deb is kept, `dpkg -i` installs the
new one, and the new kiosk must become healthy (policy.health_decision) or the previous .deb
is installed again. A journal written before each step makes the whole thing resumable: killed at
any point, the next run ends on one of the two versions.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.durable import write_atomic
from kiosk.update import downgrade, spool
from kiosk.update import state as state_mod
from kiosk.update.manifest import Manifest, UpdateRefused, load_public_key, read_signed
from kiosk.update.policy import HEALTH_GRACE_S, Health, health_decision
from kiosk.update.system import System
from kiosk.update.verify import check_deb, check_manifest
from sync import protocol

log = logging.getLogger(__name__)

PINNED_KEY = Path("/usr/share/sala-kiosk/release_key.pub")
KEEP_RELEASES = 2


@dataclass(frozen=True)
class Paths:
    data_dir: Path = Path("/var/lib/sala")  # the kiosk's: spool, health stamp
    work: Path = Path("/var/lib/sala-update")  # root's: state, kept .debs, journal
    key: Path = PINNED_KEY

    @property
    def spool(self) -> Path:
        return spool.update_dir(self.data_dir) / spool.SPOOL_DIR

    @property
    def releases(self) -> Path:
        return self.work / "releases"


def _preload() -> None:
    """Import now what later steps would import lazily: this process runs from the release
    that dpkg is about to remove, and the packaged bundle reads modules from its own files by
    path, so an import after `dpkg -i` could fail half-way through a rollback."""
    import _strptime  # noqa: F401  (datetime.strptime's lazy import)

    protocol.parse_date(protocol.format_date(_utc_now()))


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Updater:
    def __init__(
        self,
        paths: Paths,
        system: System,
        *,
        now: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
        poll_s: float = 5.0,
        grace_s: float | None = None,
    ) -> None:
        self.p, self.sys, self.now, self.sleep, self.poll_s = paths, system, now, sleep, poll_s
        self.grace_s = HEALTH_GRACE_S if grace_s is None else grace_s

    # -- files ---------------------------------------------------------------------------------
    def _write(self, path: Path, obj: Any) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(path, protocol.canonical_json(obj), mode=0o600)

    def _read(self, path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _result(
        self, version: str, outcome: str, reason: str = "", previous: str | None = None
    ) -> dict[str, Any]:
        """Tell the kiosk (technician screen, its next device report) what happened; a
        rollback also names the version it went back to (`previous`)."""
        res = {"version": version, "outcome": outcome, "reason": reason,
               "at": protocol.format_date(self.now())}  # fmt: skip
        if previous is not None:
            res["previous"] = previous
        out = self.p.spool / spool.RESULT
        self._write(out, res)
        owner = self.p.spool.stat()  # the kiosk user's dir: the result must be theirs to read
        if os.geteuid() == 0 and owner.st_uid != 0:
            os.chown(out, owner.st_uid, owner.st_gid)
        log.info("sala update %s: %s %s", version, outcome, reason)
        return res

    def _read_request(self) -> Any:
        """The kiosk's request.json, never through a link it planted (O_NOFOLLOW)."""
        try:
            fd = os.open(self.p.spool / spool.REQUEST, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as f:
                return json.loads(f.read(4096))
        except (OSError, ValueError):
            return None

    def _copy_in(self, name: str, dest: Path) -> None:
        """Copy a file the kiosk user wrote, refusing links (O_NOFOLLOW)."""
        if "/" in name or name.startswith("."):
            raise UpdateRefused("bad_request", name)
        fd = os.open(self.p.spool / name, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as src, dest.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())

    # -- the procedure ---------------------------------------------------------------------------
    def run(self) -> dict[str, Any] | None:
        """Finish an interrupted update, then handle a pending request; the last result."""
        _preload()
        res = self.resume()
        path = self.p.spool / spool.REQUEST
        if not path.is_symlink() and not path.exists():
            return res
        request = self._read_request()
        path.unlink(missing_ok=True)  # always: a request left behind would re-trigger the unit
        if isinstance(request, dict):
            return self.apply(request)
        self._clean_spool()
        return self._result("?", "refused", "bad_request")

    def apply(self, request: dict[str, Any]) -> dict[str, Any]:
        version = str(request.get("version", "?"))[:64]
        installed = self.sys.installed_version() or "0"
        st = state_mod.load(self.p.work)
        incoming = self.p.work / "incoming"
        shutil.rmtree(incoming, ignore_errors=True)
        incoming.mkdir(parents=True, mode=0o700)
        try:
            doc_path = incoming / "manifest.json"
            self._copy_in("manifest.json", doc_path)
            document = doc_path.read_bytes()
            public = load_public_key(self.p.key)
            m = read_signed(document, public)
            if m.version in self._failed():
                raise UpdateRefused("failed_before", m.version, version=m.version)
            down = None
            if request.get("downgrade") is not None:  # checked again here, on root's copy
                self._copy_in(spool.DOWNGRADE, incoming / spool.DOWNGRADE)
                down = downgrade.read_signed((incoming / spool.DOWNGRADE).read_bytes(), public)
            check_manifest(m, installed, st, down)
            deb = incoming / m.deb_file
            self._copy_in(str(request.get("deb", "")), deb)
            check_deb(deb, m)
        except (UpdateRefused, OSError) as exc:
            code = exc.code if isinstance(exc, UpdateRefused) else "unreadable"
            shutil.rmtree(incoming, ignore_errors=True)
            return self._result(version, "refused", code)
        finally:
            self._clean_spool()
        while not spool.is_idle(self.p.data_dir):  # a citizen or staff session is active
            self.sleep(self.poll_s)
        self.p.releases.mkdir(parents=True, exist_ok=True, mode=0o700)
        kept = self.p.releases / f"{m.version}.deb"
        deb.replace(kept)
        write_atomic(self.p.releases / f"{m.version}.manifest.json", document, mode=0o600)
        shutil.rmtree(incoming, ignore_errors=True)
        previous = self.p.releases / f"{installed}.deb"
        journal = {"phase": "installing", "target": m.version, "previous": installed,
                   "previous_deb": str(previous) if previous.exists() else None}  # fmt: skip
        self._write(self.p.work / "journal.json", journal)
        ok, out = self.sys.dpkg_install(kept)
        if not ok:
            log.warning("dpkg -i %s failed: %s", kept, out)
            return self._rollback(journal, "dpkg_failed")
        return self._check(journal, m)

    def resume(self) -> dict[str, Any] | None:
        """After a kill or power cut: end on the new version if it installed, else the old."""
        journal = self._read(self.p.work / "journal.json")
        if not isinstance(journal, dict):
            return None
        target = str(journal.get("target"))
        if journal.get("phase") == "installing":
            self.sys.configure_pending()
            if self.sys.installed_version() != target:
                return self._rollback(journal, "interrupted")
        try:
            document = (self.p.releases / f"{target}.manifest.json").read_bytes()
            m = read_signed(document, load_public_key(self.p.key))
        except (OSError, UpdateRefused):
            return self._rollback(journal, "interrupted")
        return self._check(journal, m)

    def _check(self, journal: dict[str, Any], m: Manifest) -> dict[str, Any]:
        journal = {**journal, "phase": "checking"}
        self._write(self.p.work / "journal.json", journal)
        started = self.now().replace(microsecond=0)  # stamps carry whole seconds
        self.sys.restart_kiosk()
        base_restarts, _ = self.sys.kiosk_unit()
        self_test: bool | None = None
        while True:
            if self_test is None:
                self_test = self.sys.self_test()
            restarts, active = self.sys.kiosk_unit()
            health = Health(
                elapsed_s=(self.now() - started).total_seconds(),
                self_test_ok=self_test,
                stamp_version=spool.health_stamp(self.p.data_dir, started),
                restarts=max(0, restarts - base_restarts),
                active_s=active,
            )
            verdict, reason = health_decision(m.version, health, grace_s=self.grace_s)
            if verdict == "healthy":
                st = state_mod.load(self.p.work)
                st.accept(m)
                state_mod.save(self.p.work, st)
                self._prune(keep={m.version, str(journal.get("previous"))})
                (self.p.work / "journal.json").unlink(missing_ok=True)
                return self._result(m.version, "installed", reason)
            if verdict == "rollback":
                return self._rollback(journal, reason)
            self.sleep(self.poll_s)

    def _rollback(self, journal: dict[str, Any], reason: str) -> dict[str, Any]:
        target = str(journal.get("target"))
        failed = sorted({*self._failed(), target})
        self._write(self.p.work / "failed.json", failed)
        previous_deb = journal.get("previous_deb")
        if previous_deb and Path(previous_deb).exists():
            ok, out = self.sys.dpkg_install(Path(previous_deb))
            if not ok:
                log.error("reinstalling %s failed: %s", previous_deb, out)
            self.sys.restart_kiosk()
            outcome = "rolled_back" if ok else "rollback_failed"
        else:  # first update after a plain `apt install`: no previous .deb was kept
            self.sys.configure_pending()
            outcome = "rollback_unavailable"
        if outcome == "rolled_back":  # the failed release is not kept: it never runs again
            self._prune(keep={str(journal.get("previous"))} | self._kept_versions() - {target})
        (self.p.work / "journal.json").unlink(missing_ok=True)
        return self._result(target, outcome, reason, previous=str(journal.get("previous")))

    def _kept_versions(self) -> set[str]:
        return {p.name.removesuffix(".deb") for p in self.p.releases.glob("*.deb")}

    def _failed(self) -> list[str]:
        got = self._read(self.p.work / "failed.json")
        return [str(v) for v in got] if isinstance(got, list) else []

    def _prune(self, keep: set[str]) -> None:
        for path in self.p.releases.glob("*.deb"):
            if path.name.removesuffix(".deb") not in keep:
                path.unlink(missing_ok=True)
                path.with_name(path.name.removesuffix(".deb") + ".manifest.json").unlink(
                    missing_ok=True
                )

    def _clean_spool(self) -> None:
        for path in self.p.spool.glob("*.deb"):
            path.unlink(missing_ok=True)
        (self.p.spool / "manifest.json").unlink(missing_ok=True)
        (self.p.spool / spool.DOWNGRADE).unlink(missing_ok=True)
