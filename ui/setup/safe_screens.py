"""The safe mode's own screens (ui/setup/safe_mode.py): the notice, and the technician's tools.

The notice says, in Khmer and English at once (whoever reads it first), that the kiosk stopped
after repeated failures, then the self-test's rows in the chosen language. The tools reuse
the technician screen's parts: `ui.usb.panel.UsbPanel` (export, diagnostics),
the Updates page and `ui.setup.leave.LeavePanel`; "Try the kiosk again" is the safe mode's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal

from ui.screens.ahead import later
from ui.screens.base import Screen
from ui.setup.leave import LeavePanel
from ui.setup.results import ResultList
from ui.usb.panel import UsbPanel
from ui.widgets.basic import BigButton, ErrorLabel, wrap_label
from ui.widgets.text import tr

if TYPE_CHECKING:
    from ui.screens.base import AppContext
    from ui.setup.safe_mode import SafeJourney

BOTH = ("km", "en")  # the notice's languages, Khmer first


class Titled:
    """A self-test result said with its check's name first, as `sala self-test` prints it
    ("Database: ok"): on this screen the rows are read without the setup step around them."""

    def __init__(self, result: Any) -> None:
        self.result, self.id, self.status = result, result.id, result.status

    def text(self, locale: str) -> str:
        colon = "៖" if locale == "km" else ":"  # Khmer's own colon
        return f"{tr(f'diagnostics.{self.id}.title', locale)}{colon} {self.result.text(locale)}"


class SafeNoticeScreen(Screen):
    """Why the kiosk stopped (both languages), the self-test, and the technician's sign-in
    (shown once the store is open: without it nobody can be signed in)."""

    name = "safe_notice"
    nav: SafeJourney
    sign_in = Signal()
    rerun = Signal()

    def __init__(self, ctx: AppContext, nav: SafeJourney) -> None:
        super().__init__(ctx, nav)
        self.titles: dict[str, Any] = {}
        self.texts: dict[str, Any] = {}
        for lang in BOTH:
            self.titles[lang] = wrap_label(tr("safe.title", lang), role="heading")
            self.titles[lang].setObjectName(f"safeTitle_{lang}")
            self.texts[lang] = wrap_label(tr("safe.text", lang), role="body")
            self.texts[lang].setObjectName(f"safeText_{lang}")
            self.body.addWidget(self.titles[lang])
            self.body.addWidget(self.texts[lang])
        self.store_error = ErrorLabel()
        self.store_error.setObjectName("safeStoreFailed")
        self.body.addWidget(self.store_error)
        self.results_heading = wrap_label(role="subheading")
        self.body.addWidget(self.results_heading)
        self.results = ResultList()
        self.body.addWidget(self.results)
        self.body.addStretch(1)
        self.rerun_button = BigButton(kind="secondary")
        self.rerun_button.setObjectName("safeRerun")
        self.rerun_button.clicked.connect(self.rerun)
        self.rerun_button.setEnabled(False)  # until the store's opening is over (`set_store`)
        self.sign_in_button = BigButton(kind="primary")
        self.sign_in_button.setObjectName("safeSignIn")
        self.sign_in_button.clicked.connect(self.sign_in)
        self.sign_in_button.hide()  # until the store is open
        self.footer.addWidget(self.rerun_button)
        self.footer.addStretch(1)
        self.footer.addWidget(self.sign_in_button)
        self.store_failed: BaseException | None = None
        self._running = True
        self._failed: BaseException | None = None  # the self-test itself could not run

    def set_store(self, exc: BaseException | None) -> None:
        """The store opened (None), or could not (why): then nobody can sign in here."""
        self.store_failed = exc
        self.sign_in_button.setVisible(exc is None)
        self.rerun_button.setEnabled(True)
        self.retranslate()

    def show_results(self, results: list[Any] | None) -> None:
        """The self-test's results; None while it runs."""
        self._running = results is None
        self._failed = None
        titled = [Titled(r) for r in results or []]
        self.results.show_results(titled, self.lang, self._empty())

    def show_results_failed(self, exc: BaseException) -> None:
        self._running, self._failed = False, exc
        self.results.show_results([], self.lang, self._empty())

    def _empty(self) -> str:
        if self._failed is not None:
            # The exception's name only: its text is for the log (`SafeMode.run_self_test`).
            return tr("safe.self_test_failed", self.lang, error=type(self._failed).__name__)
        return tr("setup.summary.running", self.lang) if self._running else ""

    def retranslate(self) -> None:
        lang = self.lang
        if self.store_failed is not None:  # in both languages, as the notice; the self-test
            # below says why (the store's own message speaks to a citizen: "ask the clerk")
            self.store_error.show_error("\n".join(tr("safe.store_failed", o) for o in BOTH))
        else:
            self.store_error.clear_error()
        self.results_heading.setText(tr("safe.results", lang))
        self.results.show_results(self.results.results, lang, self._empty())
        self.rerun_button.setText(tr("setup.technician.self_test", lang))
        self.sign_in_button.setText(tr("safe.signin", lang))


class SafeToolsScreen(Screen):
    """A signed-in technician's tools in safe mode."""

    name = "safe_tools"
    nav: SafeJourney

    def __init__(self, ctx: AppContext, nav: SafeJourney) -> None:
        super().__init__(ctx, nav)
        self.heading = wrap_label(role="heading")
        self.hint = wrap_label(role="hint")
        self.try_text = wrap_label(role="body")
        self.try_text.setObjectName("safeTryAgainText")
        for w in (self.heading, self.hint, self.try_text):
            self.body.addWidget(w)
        self.updates_button = BigButton(kind="secondary")
        self.updates_button.setObjectName("safeUpdates")
        self.updates_button.clicked.connect(lambda: self.nav.go("setup_updates"))
        self.body.addWidget(self.updates_button)
        # The unsent applications and the diagnostics onto a stick (one owner: ui/usb).
        self.usb = UsbPanel(ctx, actions=("export", "diagnostics"))
        self.usb.data_dir = nav.draft.data_dir
        self.usb.who = lambda: nav.session
        self.body.addWidget(self.usb)
        self.leave = LeavePanel(ctx, nav)  # type: ignore[arg-type]  # session and now() only
        self.leave.asked.connect(
            lambda: later(0, lambda: self.scroll_area.ensureWidgetVisible(self.leave, 0, 8))
        )
        self.body.addWidget(self.leave)
        self.body.addStretch(1)
        self.sign_out_button = BigButton(kind="secondary")
        self.sign_out_button.setObjectName("safeSignOut")
        self.sign_out_button.clicked.connect(self.nav.sign_out)
        self.try_button = BigButton(kind="primary")
        self.try_button.setObjectName("safeTryAgain")
        self.try_button.clicked.connect(self._try_again)
        self.footer.addWidget(self.sign_out_button)
        self.footer.addStretch(1)
        self.footer.addWidget(self.try_button)

    def enter(self, **kw: Any) -> None:
        super().enter(**kw)
        self.leave.refresh(self.lang)
        self.scroll_to_top()

    def reset(self) -> None:
        self.try_button.setEnabled(True)
        self.sign_out_button.setEnabled(True)

    def retranslate(self) -> None:
        lang = self.lang
        self.heading.setText(tr("safe.tools.title", lang))
        self.hint.setText(tr("safe.tools.hint", lang))
        self.try_text.setText(tr("safe.try_again.text", lang))
        self.updates_button.setText(tr("updates_ui.open", lang))
        self.usb.retranslate()
        self.leave.retranslate(lang)
        self.sign_out_button.setText(tr("setup.technician.sign_out", lang))
        trying = self.nav.trying_again
        self.try_button.setText(tr("safe.trying" if trying else "safe.try_again", lang))

    def _try_again(self) -> None:
        self.try_button.setEnabled(False)
        self.sign_out_button.setEnabled(False)
        self.nav.try_again()
        self.retranslate()
