"""Fixtures for the kiosk UI tests: a real Kiosk (real store in a tmp dir, bundled catalog and
gazetteer, the real on-screen keyboard) and a `Journey` driver that taps through it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QWidget

TODAY = dt.date(2026, 11, 21)
# Waits for things that must happen. Generous: on a busy shared machine a step that takes
# 50 ms alone can take seconds; a wait only ends early, so a long one costs nothing.
WAIT_MS = 30_000
LONG_WAIT_MS = 60_000  # start-up (store, catalog, gazetteer, OpenCV) and background work
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform says this on every top-level show; it is not a problem of ours.
    for item in items:
        if "tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(scope="session")
def kiosk_app(qapp: Any) -> Any:
    from ui.app import load_fonts, stylesheet

    load_fonts()
    qapp.setStyleSheet(stylesheet())
    return qapp


@pytest.fixture
def make_kiosk(
    kiosk_app: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Any]]:
    """make_kiosk(size=(w, h), idle_seconds=…, printer=callable|None) -> a started Kiosk."""
    from ui.app import Kiosk, KioskOptions

    monkeypatch.setenv("SALA_SECRET_DIR", str(tmp_path / "secret"))
    made: list[Any] = []

    def make(
        *,
        size: tuple[int, int] = (1366, 768),
        idle_seconds: float = 600,
        grace_seconds: float = 30,
        printer: Any = None,
        data_dir: Path | None = None,
    ) -> Any:
        opts = KioskOptions(
            data_dir=data_dir or tmp_path / "data",
            idle_seconds=idle_seconds,
            grace_seconds=grace_seconds,
            today=lambda: TODAY,
            printer="none",
            scan_folder=tmp_path,
        )
        kiosk = Kiosk(opts, printer=printer)
        made.append(kiosk)
        qtbot.addWidget(kiosk.window)
        kiosk.window.resize(*size)
        kiosk.window.show()
        kiosk.start()
        qtbot.waitUntil(lambda: all(kiosk.ready.values()), timeout=LONG_WAIT_MS)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.shutdown()


@pytest.fixture
def kiosk(make_kiosk: Callable[..., Any]) -> Any:
    return make_kiosk()


@pytest.fixture
def journey(kiosk: Any, qtbot: Any, tmp_path: Path) -> Journey:
    return Journey(kiosk, qtbot, tmp_path)


def write_test_image(
    path: Path, colour: str = "#336699", size: tuple[int, int] = (413, 531)
) -> Path:
    """A real JPEG on disk (what a scanner's scan-to-folder leaves)."""
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    for y in range(40, 120):  # some structure, so it is not a flat file
        for x in range(40, 200):
            image.setPixelColor(x, y, QColor("#FFFFFF"))
    assert image.save(str(path), "JPEG", 90)
    return path


def jpeg_bytes(colour: str = "#336699") -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    image = QImage(200, 260, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "JPEG", 85)
    return bytes(data.data())


def valid_answers(service: Any, gazetteer: Any, commune: str) -> dict[str, Any]:
    """Answers a careful citizen would give, for every field that has no pattern."""
    from kiosk.forms import visible_fields

    village = gazetteer.children(commune)[0].code
    address = {p.level: p.code for p in gazetteer.path(village)}
    answers: dict[str, Any] = {}
    for _ in range(3):  # conditions may reveal more fields
        for f in visible_fields(service, answers):
            t = str(f.type)
            value: Any = {
                "text_km": "សុខ",
                "text_latin": "SOK",
                "date": "1990-01-01",
                "yes_no": False,
                "consent": True,
                "national_id": "123456789",
                "address": address,
            }.get(t)
            if t == "choice":
                value = f.options[0].value
            elif t == "multi_choice":
                value = [f.options[0].value]
            elif t == "number":
                value = int(f.minimum) if f.minimum is not None else 1
            if value is not None and f.id not in answers:
                answers[f.id] = value
    return answers


class Journey:
    """Taps through the kiosk like a citizen: mouse clicks on the real widgets."""

    def __init__(self, kiosk: Any, qtbot: Any, tmp: Path) -> None:
        self.k = kiosk
        self.w = kiosk.window  # the shell: top bar, stack, keyboard
        self.nav = kiosk.nav  # screens, current, go()
        self.citizen = kiosk.citizen  # start_service(), end_session(), …
        self.qtbot = qtbot
        self.tmp = tmp
        self.stall: Any = None  # a tests.ui.stall.StallMonitor, to name what was slow

    # -- basics ------------------------------------------------------------------------------
    def click(self, widget: QWidget) -> None:
        # Widgets added to a shown layout are shown by a queued call: let it run.
        self.qtbot.waitUntil(widget.isVisible, timeout=WAIT_MS)
        assert widget.isEnabled(), f"{widget.objectName()} is disabled"
        self.tap(widget)

    def tap(self, widget: QWidget, **kw: Any) -> None:
        """One tap, then let the event loop run, as it does between a person's taps."""
        if self.stall is not None:
            where = self.nav.current
            if where == "question" and self.question.step is not None:
                where += f"[{self.question.step.id}]"
            self.stall.mark(f"{where}: tap {widget.objectName() or type(widget).__name__}")
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, **kw)
        QApplication.processEvents()

    def find(self, cls: type, name: str) -> Any:
        found = self.w.findChild(cls, name)
        assert found is not None, f"no {cls.__name__} named {name!r} on {self.nav.current}"
        return found

    @property
    def screen(self) -> str:
        return str(self.nav.current)

    def wait_screen(self, name: str, timeout: int = WAIT_MS) -> None:
        self.qtbot.waitUntil(lambda: self.nav.current == name, timeout=timeout)

    def settle(self) -> None:
        """Wait until every background task has come back to the GUI thread."""
        self.qtbot.waitUntil(lambda: self.k.tasks.pending == 0, timeout=LONG_WAIT_MS)

    def db(self, fn: Callable[[Any], Any]) -> Any:
        """Run fn(store) on the db worker and wait for the answer (test inspection only)."""
        box: dict[str, Any] = {}
        self.k.tasks.run_db(fn, lambda r: box.setdefault("r", r), lambda e: box.setdefault("e", e))
        self.qtbot.waitUntil(lambda: box != {}, timeout=LONG_WAIT_MS)
        if "e" in box:
            raise box["e"]
        return box.get("r")

    def quick_submit(self, service_id: str = "residence_certificate", locale: str = "en") -> Any:
        """Reach the confirmation fast: answers set directly, then the real check-answers,
        consent and submit screens (for tests about what comes after)."""
        from PySide6.QtWidgets import QPushButton

        from kiosk import forms
        from kiosk.model import Attachment

        service = self.k.ctx.catalog.services[service_id]
        self.start(locale)
        self.citizen.start_service(service)
        s = self.k.ctx.session
        s.answers = valid_answers(service, self.k.ctx.gazetteer, "120101")
        atts = []
        for f in forms.visible_fields(service, s.answers):
            if str(f.type) in ("photo", "document"):
                for page in range(max(1, f.min_pages)):
                    ref = self.db(lambda store: store.add_media(jpeg_bytes(), "image/jpeg"))
                    atts.append(
                        Attachment(
                            f.id, "photo" if str(f.type) == "photo" else "document", ref, page
                        )
                    )
        s.attachments = atts
        self.nav.go("check_answers")
        assert not self.nav.screens["check_answers"].issues, self.nav.screens[
            "check_answers"
        ].issues
        self.click(self.find(QPushButton, "checkContinue"))
        self.wait_screen("consent")
        self.click(self.find(QPushButton, "agreeSubmit"))
        self.wait_screen("confirmation")
        return s.receipt

    # -- the journey ---------------------------------------------------------------------
    def start(self, locale: str = "km") -> None:
        from PySide6.QtWidgets import QPushButton

        assert self.screen == "attract"
        self.tap(self.nav.screens["attract"])
        self.wait_screen("language")
        self.click(self.find(QPushButton, f"choose_{locale}"))
        self.wait_screen("services")

    def choose_service(self, service_id: str) -> None:
        card = next(c for c in self.nav.screens["services"].cards if c.service_id == service_id)
        self.click(card)
        self.wait_screen("service_detail")
        from PySide6.QtWidgets import QPushButton

        self.click(self.find(QPushButton, "startService"))
        self.wait_screen("question")

    @property
    def question(self) -> Any:
        return self.nav.screens["question"]

    def field(self, field_id: str) -> Any:
        for w in self.question.widgets:
            if w.field.id == field_id:
                return w
        raise AssertionError(
            f"{field_id} is not on this step ({[w.field.id for w in self.question.widgets]})"
        )

    def step_ids(self) -> list[str]:
        return [w.field.id for w in self.question.widgets]

    def cont(self) -> None:
        from PySide6.QtWidgets import QPushButton

        self.click(self.find(QPushButton, "continue"))
        # the previous step's camera thread winds down in the background: a person takes
        # longer than that to reach the next button
        self.qtbot.waitUntil(lambda: self.question.retiring == 0, timeout=WAIT_MS)

    def back(self) -> None:
        from PySide6.QtWidgets import QPushButton

        self.click(self.find(QPushButton, "back"))

    def keyboard_type(self, text: str) -> None:
        """Type `text` by tapping the on-screen keyboard's keys (shift when needed)."""
        kb = self.w.keyboard
        assert kb is not None and kb.isVisible(), "the on-screen keyboard is not showing"
        for ch in text:
            if ch == " ":
                self.tap(kb.function_button("space"))
                continue
            try:
                key = kb.key_button(ch)
            except LookupError:
                self.tap(kb.function_button("shift"))
                key = kb.key_button(ch)
            self.tap(key)

    def type_into(self, widget: QWidget, text: str, *, keyboard: bool = True) -> None:
        self.click(widget)
        widget.setFocus()
        self.qtbot.waitUntil(widget.hasFocus, timeout=WAIT_MS)
        if keyboard:
            layer = widget.property("sala_keyboard")
            if layer and self.w.keyboard.layer() != layer:
                self.w.keyboard.set_layer(layer)
            self.keyboard_type(text)
        else:
            self.qtbot.keyClicks(widget, text)

    def choose(self, field_id: str, value: str) -> None:
        from PySide6.QtWidgets import QPushButton

        self.click(self.find(QPushButton, f"choice_{field_id}_{value}"))

    def date(self, field_id: str, d: str, m: str, y: str, *, keyboard: bool = True) -> None:
        w = self.field(field_id)
        for part, text in (("day", d), ("month", m), ("year", y)):
            self.type_into(w.boxes[part], text, keyboard=keyboard)

    def address_here(self, field_id: str) -> str:
        """Choose the first village of the kiosk's own commune (the list starts there)."""
        w = self.field(field_id)
        assert w.list.count() > 0
        item = w.list.item(0)
        rect = w.list.visualItemRect(item)
        w.list.scrollToItem(item)
        self.tap(w.list.viewport(), pos=rect.center())
        self.qtbot.waitUntil(lambda: "village" in w.codes, timeout=WAIT_MS)
        return str(w.codes["village"])

    def attach_file(self, field_id: str, colour: str = "#336699") -> None:
        w = self.field(field_id)
        before = len(self.k.ctx.session.attachments_for(field_id))
        path = write_test_image(self.tmp / f"{field_id}_{before}.jpg", colour)
        if hasattr(w, "import_path"):
            w.import_path(path)
        else:  # the capture helper's widget: it has its own file import
            w.step.import_path(path)
        self.qtbot.waitUntil(
            lambda: len(self.k.ctx.session.attachments_for(field_id)) > before,
            timeout=LONG_WAIT_MS,
        )
