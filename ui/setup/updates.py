"""The technician's Updates page (reached from the technician screen): what is installed and
offered, how far its download got and whether it was checked, the hold-back and its limit,
the last install's result or rollback, and the touch actions that `sala update defer` and
`sala update usb` offer on the command line, through the same kiosk.update functions
(`deferral.defer_offer`; `spool.usb_release` + `spool.request_install`).

There is no "install now" request in the core: a checked release installs by itself at the
next idle moment once no hold-back holds it (the root unit waits for idle), and the page says
so. Every file read and write runs on the io pool (ui/tasks.py); texts are `updates_ui.*`
and the core's `update.*` (assets/translations/*/updates_ui.json, update.json), km and en.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout

from kiosk.i18n import error_text, format_datetime
from sync import protocol
from ui.screens.base import Screen
from ui.usb.panel import NoStick
from ui.widgets.basic import BigButton, ErrorLabel, WrapButton, wrap_label
from ui.widgets.text import digits, tr

if TYPE_CHECKING:
    from collections.abc import Callable

    from ui.screens.base import AppContext
    from ui.setup.journey import SetupJourney

log = logging.getLogger(__name__)
DEFER_DAYS = (1, 3, 7)  # and "the most still allowed"
REFRESH_MS = 5000  # while shown: a download's progress moves on
VERIFIED = ("verified", "requested")  # fetch states after the size, hash and signature checks


@dataclass(frozen=True)
class Snapshot:
    """What the page shows, read on the io pool in one go."""

    now: datetime
    installed: str
    offer: Any  # kiosk.update.manifest.Manifest | None (unverified: for display)
    fetch: dict[str, Any] | None  # spool.fetch_state, if about the offered version
    hold: Any  # kiosk.update.deferral.Hold | None
    result: dict[str, Any] | None  # the root unit's last answer


def read_snapshot(data_dir: Path, now: datetime) -> Snapshot:
    from kiosk.update import deferral, spool
    from kiosk.update.cli import installed_version
    from kiosk.update.versions import newer

    installed = installed_version()
    offer = spool.offered(data_dir)
    if offer is not None and not newer(offer.version, installed):
        offer = None  # the offered release is the one running now (or older): nothing to do
    fetch = spool.fetch_state(data_dir)
    if offer is None or (fetch or {}).get("version") != offer.version:
        fetch = None
    held = deferral.hold(data_dir, offer.version, now) if offer else None
    return Snapshot(now, installed, offer, fetch, held, spool.result(data_dir))


def install_from_stick(data_dir: Path, roots: tuple[Path, ...] | None) -> Any:
    """`sala update usb` on the first mounted stick: the newest release on it, verified and
    handed to the root unit (spool.request_install); UpdateRefused changes nothing."""
    from kiosk.update import spool
    from kiosk.update.cli import installed_version, key_path
    from kiosk.update.manifest import load_public_key
    from kiosk.usb_sticks import MOUNT_ROOTS, volumes

    sticks = volumes(roots, mounts_only=False) if roots else volumes(MOUNT_ROOTS)
    if not sticks:
        raise NoStick("no USB stick is mounted")
    public = load_public_key(key_path())
    document, deb = spool.usb_release(sticks[0], public)  # the newest the pinned key signed
    return spool.request_install(data_dir, document, deb, public, installed_version())


Audited = tuple[str, str, dict[str, Any]] | None  # (action, version, details) for the audit


def audit_deferral(held: Any, days: int, now: datetime) -> Audited:
    """A hold-back made is audited; a refused one (an exception) changed nothing."""
    from kiosk.update import audit

    return None if isinstance(held, BaseException) else audit.deferred(held, days, now)


def audit_usb(outcome: Any) -> Audited:
    """An install asked from a stick, or the stick's release refused (a forged or damaged one
    is worth a trace); no stick, or a stick that could not be read, is not."""
    from kiosk.update.manifest import UpdateRefused

    if isinstance(outcome, UpdateRefused):
        return "usb_refused", "", {"reason": outcome.code}
    if isinstance(outcome, BaseException):
        return None
    return "usb_requested", str(outcome.version), {}


class UpdatesScreen(Screen):
    name = "setup_updates"
    nav: SetupJourney

    def __init__(self, ctx: AppContext, nav: SetupJourney) -> None:
        super().__init__(ctx, nav)
        # Where sticks are mounted (None: the system's); a test points it at a tmp folder.
        self.stick_roots: tuple[Path, ...] | None = None
        self.snapshot: Snapshot | None = None
        self._outcome: tuple[str, Any] | None = None  # (action, result or exception)
        self._busy = False
        # What the technician acts on comes first (an action's outcome right under the
        # heading, the hold-back beside its buttons, USB in the footer), so all of it is on
        # screen at 1366x768; the download, check and last-result details follow.
        self.heading = wrap_label(role="heading")
        self.body.addWidget(self.heading)
        self.notice = wrap_label(role="notice")
        self.notice.setObjectName("updatesNotice")
        self.notice.hide()
        self.error = ErrorLabel()
        self.error.setObjectName("updatesError")
        self.body.addWidget(self.notice)
        self.body.addWidget(self.error)
        self.lines: dict[str, Any] = {}
        for key in ("installed", "offered", "hold"):
            self._line(key)
        row = QHBoxLayout()
        row.setSpacing(12)
        self.defer_buttons: dict[int, WrapButton] = {}
        for days in (*DEFER_DAYS, 0):  # 0: the most still allowed
            button = WrapButton(kind="secondary")
            button.setObjectName(f"updatesDefer_{days or 'max'}")
            button.clicked.connect(lambda _=False, d=days: self.defer(d))
            row.addWidget(button)
            self.defer_buttons[days] = button
        self.body.addLayout(row)
        for key in ("auto", "fetch", "checked", "result"):
            self._line(key)
        self.body.addStretch(1)
        self.back_button = BigButton(kind="secondary")
        self.back_button.setObjectName("updatesBack")
        self.back_button.clicked.connect(lambda: self.nav.go("setup_technician"))
        self.usb_button = BigButton(kind="primary")
        self.usb_button.setObjectName("updatesUsb")
        self.usb_button.clicked.connect(self.install_usb)
        self.footer.addWidget(self.back_button)
        self.footer.addStretch(1)
        self.footer.addWidget(self.usb_button)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

    def _line(self, key: str) -> None:
        label = wrap_label(role="body")
        label.setObjectName(f"updates_{key}")
        self.body.addWidget(label)
        self.lines[key] = label

    @property
    def busy(self) -> bool:
        return self._busy

    def enter(self, **kw: Any) -> None:
        self._outcome = None
        self.snapshot = None  # read afresh: another technician may have acted meanwhile
        super().enter(**kw)
        self.refresh()
        self.timer.start()

    def hideEvent(self, event: Any) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def _data_dir(self) -> Path:
        return Path(self.nav.draft.data_dir)

    def refresh(self) -> None:
        data_dir, now = self._data_dir(), self.nav.now()
        self.ctx.tasks.run_io(
            lambda: read_snapshot(data_dir, now),
            self._on_snapshot,
            lambda exc: log.warning("update status not read: %s", exc),
        )

    def _on_snapshot(self, snap: Snapshot) -> None:
        self.snapshot = snap
        self.retranslate()

    # -- actions -----------------------------------------------------------------------------
    def defer(self, days: int) -> None:
        """Hold the offered release back `days` (0: the most still allowed)."""
        snap = self.snapshot
        if self._busy or snap is None or snap.hold is None:
            return
        now = self.nav.now()
        n = days or snap.hold.days_left(now)
        data_dir = self._data_dir()

        def job() -> Any:
            from kiosk.update.deferral import defer_offer

            return defer_offer(data_dir, n, now)

        self._start("defer", job, lambda held: audit_deferral(held, n, now))

    def install_usb(self) -> None:
        if self._busy:
            return
        data_dir, roots = self._data_dir(), self.stick_roots
        self._start("usb", lambda: install_from_stick(data_dir, roots), audit_usb)

    def _start(self, action: str, job: Any, entry: Callable[[Any], Audited]) -> None:
        """`job` on the io pool; then `entry(outcome)` (None: nothing to audit) goes to the
        staff audit chain on the db worker, under the signed-in technician."""
        self._set_busy(True)
        self._outcome = (action, None)
        self._show_outcome()

        def done(outcome: Any) -> None:
            self._audit(entry(outcome))
            self._done(action, outcome)

        self.ctx.tasks.run_io(job, done, done)

    def _audit(self, entry: Audited) -> None:
        if entry is None:
            return
        from kiosk.update import audit

        by = self.nav.session

        def write(store: Any) -> None:
            audit.record(store, *entry, by=by)

        self.ctx.tasks.run_db(write, None, lambda e: log.error("update not audited: %s", e))

    def _done(self, action: str, outcome: Any) -> None:
        self._outcome = (action, outcome)
        self._set_busy(False)
        self._show_outcome()
        self.refresh()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._enable()

    def _enable(self) -> None:
        snap, now = self.snapshot, self.nav.now()
        hold = snap.hold if snap is not None else None
        for days, button in self.defer_buttons.items():
            allowed = hold is not None and hold.allows(days or hold.days_left(now), now)
            button.setEnabled(allowed and not self._busy)
            button.setVisible(hold is not None)
        self.usb_button.setEnabled(not self._busy)

    # -- what is said ------------------------------------------------------------------------
    def retranslate(self) -> None:
        lang = self.lang
        self.heading.setText(tr("updates_ui.title", lang))
        self.usb_button.setText(tr("updates_ui.usb", lang))
        self.back_button.setText(tr("ui.nav.back", lang))
        snap = self.snapshot
        texts = status_texts(snap, lang) if snap is not None else {}
        for key, label in self.lines.items():
            label.setText(texts.get(key, ""))
            label.setVisible(bool(texts.get(key)) or (snap is None and key == "installed"))
        if snap is None:
            self.lines["installed"].setText(tr("updates_ui.loading", lang))
        left = snap.hold.days_left(snap.now) if snap is not None and snap.hold else 0
        for days, button in self.defer_buttons.items():
            if days:
                key = "updates_ui.defer.one" if days == 1 else "updates_ui.defer.days"
                button.setText(tr(key, lang, days=digits(days, lang)))
            else:
                button.setText(tr("updates_ui.defer.max", lang, days=digits(left, lang)))
        self._enable()
        self._show_outcome()

    def _show_outcome(self) -> None:
        lang = self.lang
        self.notice.hide()
        self.error.clear_error()
        if self._outcome is None:
            return
        action, outcome = self._outcome
        if outcome is None:
            self.notice.setText(tr(f"updates_ui.{action}.working", lang))
            self.notice.show()
        elif isinstance(outcome, OSError):  # the stick pulled out, no room for the copy
            self.error.show_error(tr("update.refused.unreadable", lang))
        elif isinstance(outcome, BaseException):
            self.error.show_error(error_text(outcome, lang, "update.refused.unreadable"))
        else:
            if action == "defer":
                text = tr("updates_ui.held", lang, version=outcome.version,
                          until=format_datetime(outcome.until, lang))  # fmt: skip
            else:
                text = tr("update.requested", lang, version=outcome.version)
            self.notice.setText(text)
            self.notice.show()


def status_texts(snap: Snapshot, lang: str) -> dict[str, str]:
    """The page's lines, by name (an empty line is hidden)."""
    out = {"installed": tr("update.status.installed", lang, version=snap.installed)}
    m = snap.offer
    if m is None:
        out["offered"] = tr("updates_ui.none", lang)
    else:
        source = (snap.fetch or {}).get("source") or "server"
        mb = digits(max(1, round(m.size / 1_000_000)), lang)
        where = tr(f"updates_ui.source.{source}", lang)
        out["offered"] = tr("updates_ui.offered", lang, version=m.version, size=mb, source=where)
        fetch = snap.fetch or {}
        if fetch.get("state"):
            size = fetch.get("size") or 0
            percent = int(100 * (fetch.get("done") or 0) / size) if size else 0
            out["fetch"] = tr(f"update.fetch.{fetch['state']}", lang, version=m.version,
                              reason=reason_text(fetch.get("reason"), lang),
                              percent=digits(percent, lang),
                              need_mb=digits(fetch.get("need_mb") or 0, lang))  # fmt: skip
        checked = fetch.get("state") in VERIFIED
        out["checked"] = tr(f"updates_ui.checked.{'yes' if checked else 'no'}", lang)
        out["hold"] = hold_text(snap, lang)
        out["auto"] = tr("updates_ui.auto", lang)
    out["result"] = result_text(snap.result, lang)
    return out


def hold_text(snap: Snapshot, lang: str) -> str:
    h = snap.hold
    left = h.days_left(snap.now)
    lines = []
    if h.until is not None:
        lines.append(tr("updates_ui.held", lang, version=h.version,
                        until=format_datetime(h.until, lang)))  # fmt: skip
    else:
        lines.append(tr("updates_ui.not_held", lang))
    if left:
        lines.append(tr("updates_ui.limit", lang, days=digits(left, lang),
                        deadline=format_datetime(h.deadline, lang)))  # fmt: skip
    else:
        lines.append(tr("updates_ui.limit_reached", lang))
    return " ".join(lines)


def reason_text(reason: object, lang: str) -> str:
    """A reason code (health decision or refusal) in plain words; the code if unknown."""
    if not reason:
        return ""
    key = f"updates_ui.reason.{reason}"
    text = tr(key, lang)
    return str(reason) if text == key else text


def result_text(res: dict[str, Any] | None, lang: str) -> str:
    """The root unit's last answer in plain words: what happened, when, and after a rollback
    which version runs again."""
    if not res or not res.get("outcome"):
        return ""
    text = tr(f"update.result.{res['outcome']}", lang, version=res.get("version", ""),
              reason=reason_text(res.get("reason"), lang))  # fmt: skip
    if res.get("previous"):
        text += " " + tr("updates_ui.previous", lang, version=res["previous"])
    try:
        at = protocol.parse_date(str(res.get("at")))
    except ValueError:
        return text
    return tr("updates_ui.result_at", lang, when=format_datetime(at, lang), text=text)
