"""`sala screenshots`: walk every screen in Khmer and English and save PNGs for review.

`scenes(kiosk)` drives a real kiosk (real store in a throw-away folder, bundled catalog and
gazetteer) through every screen, yielding a name at each stop; the screenshot command grabs
the window there, and the layout tests check every label and button there.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SERVICE = "national_id_card"
# A commune PC's 1366×768 too: the on-screen keyboard leaves it the least room.
DEFAULT_SIZES = ((1366, 768), (1920, 1080), (1080, 1920))
# Other journeys' scene walkers ("module:function", called as fn(kiosk, locale) after the
# citizen's scenes on the same kiosk): the clerk station's sign-in and queue, then its actions.
MORE_SCENES = (
    "ui.clerk.screenshots:scenes",
    "ui.clerk.actions.screenshots:scenes",
    "ui.setup.screenshots:scenes",  # first-run setup and the technician screen
)


def all_scenes(kiosk: Any, locale: str) -> Iterator[str]:
    """The citizen's scenes, then each of `MORE_SCENES`."""
    import importlib

    yield from scenes(kiosk, locale)
    for spec in MORE_SCENES:
        module, func = spec.split(":")
        yield from getattr(importlib.import_module(module), func)(kiosk, locale)


def wait_for(cond: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    """Run the event loop until `cond()` holds (the worker threads' answers arrive)."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError(f"the kiosk did not get there in time: {what or cond}")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def settle(kiosk: Any, rounds: int = 6) -> None:
    """Let layouts, queued shows and background work finish before a grab or a check."""
    from PySide6.QtWidgets import QApplication

    wait_for(lambda: kiosk.tasks.pending == 0, what=f"{kiosk.tasks.pending} tasks")
    for _ in range(rounds):
        QApplication.processEvents()


def sample_answers(service: Any, gazetteer: Any, commune: str) -> dict[str, Any]:
    """Plausible answers for every visible field (screens show filled-in values)."""
    from kiosk.forms import visible_fields

    village = gazetteer.children(commune)[0].code
    address = {p.level: p.code for p in gazetteer.path(village)}
    answers: dict[str, Any] = {}
    for f in service.fields:
        if f.id == "application_type":
            answers[f.id] = "renewal"
    for _ in range(3):
        for f in visible_fields(service, answers):
            t = str(f.type)
            value: Any = {
                "text_km": "សុខ ស្រីពៅ",
                "text_latin": "SOK SREYPOV",
                "date": "1990-03-07",
                "yes_no": True,
                "consent": True,
                "national_id": "012345678",
                "address": address,
                "phone": "+85512345678",
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


def _jpeg(colour: str) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage

    image = QImage(413, 531, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "JPEG", 85)
    return bytes(data.data())


def scenes(kiosk: Any, locale: str) -> Iterator[str]:
    """Visit every screen (and an error state) in `locale`; yields a name at each."""
    from kiosk import forms
    from kiosk.model import Attachment

    w, ctx = kiosk.citizen, kiosk.ctx  # the citizen's journey: go(), submit(), …
    w.end_session()
    settle(kiosk)
    yield "01_attract"
    w.set_locale(locale)
    w.go("language")
    settle(kiosk)
    yield "02_language"
    w.go("services")
    settle(kiosk)
    yield "03_services"
    w.go("service_detail", service_id=SERVICE)
    settle(kiosk)
    yield "04_service_detail"
    service = ctx.catalog.services[SERVICE]
    w.start_service(service)
    settle(kiosk)
    question = kiosk.nav.screens["question"]
    question._on_continue()  # Continue with nothing chosen: the error state
    settle(kiosk)
    yield "05_question_error"
    # The name question as a citizen first sees it: the box focused, the keyboard open; then
    # Continue with nothing typed (the error must show above the keyboard).
    w.go("question", step_id="name")
    _focus_first_box(kiosk, question)
    yield "05b_name_keyboard"
    question._on_continue()
    _focus_first_box(kiosk, question, scroll=False)
    yield "05c_name_error_keyboard"
    ctx.session.answers = sample_answers(service, ctx.gazetteer, ctx.config.commune_code)
    atts: list[Attachment] = []
    for f in forms.visible_fields(service, ctx.session.answers):
        if str(f.type) in ("photo", "document"):
            for page in range(max(1, f.min_pages)):
                box: dict[str, Any] = {}
                data = _jpeg("#8899aa" if page else "#556677")
                ctx.tasks.run_db(
                    lambda store, d=data: store.add_media(d, "image/jpeg"),
                    lambda ref, b=box: b.setdefault("ref", ref),
                )
                wait_for(lambda b=box: "ref" in b, what="add_media")
                kind = "photo" if str(f.type) == "photo" else "document"
                atts.append(Attachment(f.id, kind, box["ref"], page))  # type: ignore[arg-type]
    ctx.session.attachments = atts
    for i, step in enumerate(forms.steps(service, ctx.session.answers), start=1):
        w.go("question", step_id=step.id)
        settle(kiosk)
        yield f"06_question_{i:02d}_{step.id}"
    w.go("check_answers")
    settle(kiosk)
    yield "07_check_answers"
    w.go("consent")
    settle(kiosk)
    yield "08_consent"
    failed: list[BaseException] = []
    w.submit(on_error=failed.append)
    wait_for(lambda: w.current == "confirmation" or bool(failed), what="submit")
    if failed:
        raise failed[0]
    settle(kiosk)
    yield "09_confirmation"
    number = ctx.session.receipt.app_number
    w.go("status_check")
    status = kiosk.nav.screens["status_check"]
    status.edit.setText(number)
    status.edit.setModified(True)  # as if typed: the (demo) camera's codes do not override it
    status._on_check()
    wait_for(lambda: status._state[:1] == ("found",), what=f"status {status._state}")
    settle(kiosk)
    yield "10_status_check"
    kiosk.policy.prompt.show_countdown(30, locale)
    settle(kiosk)
    yield "11_idle_prompt"
    w.end_session()
    settle(kiosk)


def _focus_first_box(kiosk: Any, question: Any, *, scroll: bool = True) -> None:
    """Focus the step's first text box as a tap would (the keyboard shows) and settle."""
    from PySide6.QtWidgets import QApplication

    settle(kiosk)
    kiosk.window.activateWindow()
    box = question.widgets[0].focus_target() if question.widgets else None
    if box is not None and (scroll or QApplication.focusWidget() is not box):
        box.setFocus()
    settle(kiosk)
    wait_for(lambda: kiosk.window.keyboard is None or kiosk.window.keyboard.isVisible(), 10)
    settle(kiosk)


def make_offscreen_kiosk(data_dir: Path, size: tuple[int, int]) -> Any:
    """A kiosk in a window of `size`, started and ready (fonts and stylesheet loaded)."""
    from ui.app import Kiosk, KioskOptions, ensure_app, load_fonts, stylesheet

    app = ensure_app()
    load_fonts()
    app.setStyleSheet(stylesheet())
    kiosk = Kiosk(KioskOptions(data_dir=data_dir, camera="demo", idle_seconds=3600))
    kiosk.window.resize(*size)
    kiosk.window.show()
    kiosk.start()
    wait_for(lambda: all(kiosk.ready.values()), timeout=60)
    return kiosk


def render_all(out: Path, sizes: list[tuple[int, int]] | None = None) -> list[Path]:
    """PNG of every scene, in km and en, at each size; returns the files written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="sala-shots-") as tmp:
        # A throw-away store: its machine secret must not land in the real config dir.
        os.environ.setdefault("SALA_SECRET_DIR", str(Path(tmp) / "secret"))
        for width, height in sizes or DEFAULT_SIZES:
            kiosk = make_offscreen_kiosk(Path(tmp) / f"{width}x{height}", (width, height))
            try:
                for locale in ("km", "en"):
                    for name in all_scenes(kiosk, locale):
                        path = out / f"{width}x{height}_{locale}_{name}.png"
                        kiosk.window.grab().save(str(path))
                        written.append(path)
            finally:
                kiosk.shutdown()
                kiosk.window.close()
                kiosk.window.deleteLater()
    return written
