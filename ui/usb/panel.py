"""`UsbPanel`: the buttons that act on the first mounted USB stick, for the technician screen
(all three) and the supervisor's staff screen (export only).

- "export": every unsent application as one encrypted bundle (`sync.client.usb_export`, what
  `sala export --to` does), on the db worker because it reads the store;
- "diagnostics": the PII-free diagnostics zip (`sync.client.usb_diagnostics`, the same
  `write_bundle` as `sala diagnostics --out`), on the io pool;
- "import": the ministry's `.salareturn` bundles on the stick (`sync.client.usb_return`, what
  `sala import DIR` does), on the db worker.

Sticks are found on the io pool (`kiosk.usb_sticks.volumes`, read-only ones included, so a
locked stick is told as read-only rather than as missing). Each outcome is kept and re-said in
the session's language on `retranslate`; errors use the UserFacingError shape (`usb.error.*`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.i18n import error_text
from ui.widgets.basic import BigButton, wrap_label
from ui.widgets.flow import ButtonGrid
from ui.widgets.text import tr

if TYPE_CHECKING:
    from ui.screens.base import AppContext

ACTIONS = ("export", "diagnostics", "import")
_OBJECT = {"export": "usbExport", "diagnostics": "usbDiagnostics", "import": "usbImport"}


class NoStick(Exception):
    """No stick is mounted (the UserFacingError shape, for `error_text`)."""

    message_key = "usb.error.no_stick"


class UsbPanel(QWidget):
    """Buttons that act on the first mounted USB stick (kiosk.usb_sticks), work off the GUI
    thread (ui/tasks.py), and say the result in the user's language (km/en), re-said on a
    language switch."""

    finished = Signal(str, bool)  # (action, ok): ok when something was written or applied

    def __init__(
        self,
        ctx: AppContext,
        *,
        actions: tuple[str, ...] = ACTIONS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        unknown = set(actions) - set(ACTIONS)
        if unknown or not actions:
            raise ValueError(f"unknown USB actions: {sorted(unknown) or actions}")
        self.ctx = ctx
        self.action_names = tuple(actions)
        # Where sticks are mounted (None: the system's, real mount points only); a test points
        # it at a tmp folder, where each folder directly under it stands for a stick.
        self.stick_roots: tuple[Path, ...] | None = None
        # The kiosk's data dir; None: the running kiosk's (ctx.config.data_dir).
        self.data_dir: Path | None = None
        # The signed-in staff session, asked at each export: the core checks its role and
        # records it (None: the machine's technician, e.g. reached with a setup code).
        self.who: Callable[[], Any] | None = None
        self._outcome: tuple[str, Any] | None = None  # (action, result or exception)
        self._busy = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        row = ButtonGrid(columns=len(self.action_names))  # a row, or fewer a row if narrow
        self.buttons: dict[str, BigButton] = {}
        for action in self.action_names:
            button = BigButton(kind="secondary")
            button.setObjectName(_OBJECT[action])
            button.clicked.connect(lambda _=False, a=action: self.start(a))
            row.add(button)
            self.buttons[action] = button
        layout.addWidget(row)
        self.status = wrap_label(role="notice")
        self.status.setObjectName("usbStatus")
        self.status.hide()
        layout.addWidget(self.status)
        self.retranslate()

    @property
    def busy(self) -> bool:
        """An action is running (its result will come back to this panel)."""
        return self._busy

    @property
    def outcome(self) -> tuple[str, Any] | None:
        """(action, its result or the exception that stopped it; None while it runs)."""
        return self._outcome

    @property
    def lang(self) -> str:
        return str(self.ctx.session.locale)

    def retranslate(self) -> None:
        for action, button in self.buttons.items():
            button.setText(tr(f"usb.panel.{action}", self.lang))
        self._show()

    # -- the work ------------------------------------------------------------------------------
    def start(self, action: str) -> None:
        """Find a stick (io pool), then run `action` on it (db worker or io pool)."""
        if self._busy:
            return
        self._set_busy(True)
        self._outcome = (action, None)
        self.status.setText(tr("usb.panel.working", self.lang))
        self.status.show()
        roots = self.stick_roots

        def find() -> list[Path]:
            from kiosk.usb_sticks import MOUNT_ROOTS, volumes

            return volumes(roots, mounts_only=False) if roots else volumes(MOUNT_ROOTS)

        self.ctx.tasks.run_io(
            find, lambda sticks: self._on_sticks(action, sticks), lambda e: self._done(action, e)
        )

    def _on_sticks(self, action: str, sticks: list[Path]) -> None:
        if not sticks:
            self._done(action, NoStick("no USB stick is mounted"))
            return
        try:
            stick, data_dir = sticks[0], self._data_dir()
        except (AttributeError, TypeError) as exc:  # no kiosk configuration to act for
            self._done(action, exc)
            return
        on_done = lambda r: self._done(action, r)  # noqa: E731
        on_error = lambda e: self._done(action, e)  # noqa: E731
        if action == "diagnostics":

            def diag() -> Any:  # the camera is not probed: the kiosk holds it (self-test)
                from sync.client.usb_diagnostics import write_diagnostics

                return write_diagnostics(data_dir, stick)

            self.ctx.tasks.run_io(diag, on_done, on_error)
        elif action == "export":
            by = self.who() if self.who is not None else None

            def export(store: Any) -> Any:
                from sync.client.usb_export import export

                return export(store, data_dir, stick, by=by)

            self.ctx.tasks.run_db(export, on_done, on_error)
        else:

            def apply(store: Any) -> Any:
                from sync.client.usb_return import import_file

                return import_file(store, data_dir, stick)

            self.ctx.tasks.run_db(apply, on_done, on_error)

    def _data_dir(self) -> Path:
        if self.data_dir is not None:
            return Path(self.data_dir)
        return Path(self.ctx.config.data_dir)

    def _done(self, action: str, outcome: Any) -> None:
        self._outcome = (action, outcome)
        self._set_busy(False)
        self._show()
        ok = not isinstance(outcome, BaseException)
        self.finished.emit(action, ok)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for button in self.buttons.values():
            button.setEnabled(not busy)

    # -- what is said --------------------------------------------------------------------------
    def _show(self) -> None:
        if self._outcome is None:
            self.status.hide()
            return
        action, outcome = self._outcome
        if outcome is None:  # still working
            text = tr("usb.panel.working", self.lang)
        elif isinstance(outcome, BaseException):
            text = error_text(outcome, self.lang, "usb.error.unknown")
        else:
            text = result_text(action, outcome, self.lang)
        self.status.setText(text)
        self.status.show()


def result_text(action: str, result: Any, lang: str) -> str:
    """What a finished action did, in `lang`."""
    if action == "export":
        return tr("usb.export.done", lang, n=result.registrations, file=result.path.name)
    if action == "diagnostics":
        return tr("usb.panel.diagnostics_done", lang, file=Path(result).name)
    if result.already:
        lines = [tr("usb.import.already", lang)]
    else:
        lines = [tr("usb.import.done", lang, n=len(result.accepted), changes=result.changes)]
        if result.refused:
            lines.append(tr("usb.import.refused", lang, n=len(result.refused)))
        if result.release:
            lines.append(tr("usb.import.release", lang, version=result.release))
        elif result.release_refused:
            lines.append(tr("usb.import.release_refused", lang))
    # other bundles on the stick that were refused (damaged, another kiosk's): said as well
    lines += [error_text(exc, lang, "usb.error.unknown") for exc in result.skipped]
    return "\n".join(lines)
