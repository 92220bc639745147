"""Question screens generated from the form engine: one step (a question or a small group).

Steps are recomputed from the answers every time; "Step 3 of 8" counts only the steps every
applicant is asked (`forms.step_position`), so the total does not change mid-journey.
Continue normalises and validates the step; errors show next to their field in plain words
and never clear what was typed. Each accepted step is
autosaved as a draft on the db worker.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, QThread, QTimer
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from kiosk import forms
from kiosk.catalog import ATTACHMENT_TYPES
from kiosk.i18n import wrap_points
from ui.screens.ahead import later, render_ahead
from ui.screens.base import Screen
from ui.screens.fields import FieldWidget, make_field_widget
from ui.widgets.basic import BigButton, ErrorLabel, StepHeader, wrap_label

if TYPE_CHECKING:
    from ui.citizen import CitizenNav
    from ui.screens.base import AppContext

log = logging.getLogger(__name__)
AHEAD_DELAY_MS = 20  # after a step shows (or an answer changes): its paint goes first
AHEAD_SLICE_S = 0.006  # the next step is made in slices of about this long, one per turn


def _dispose_after_threads(widgets: list[QWidget], then: Any) -> None:
    """Ask any worker threads inside (camera frame workers) to stop now, and tear the widgets
    down once those threads have finished, so nothing waits for a thread on the GUI thread."""
    threads = [t for w in widgets for t in w.findChildren(QThread) if t.isRunning()]
    for t in threads:
        t.requestInterruption()
    pending = {id(t) for t in threads}
    done = {"fired": False}

    def finish() -> None:
        if not done["fired"]:
            done["fired"] = True
            _dispose(widgets)
            then()

    def one_finished(key: int) -> None:
        pending.discard(key)
        if not pending:
            QTimer.singleShot(0, finish)

    for t in threads:
        key = id(t)
        t.finished.connect(lambda key=key: one_finished(key))
    if not threads:
        QTimer.singleShot(0, finish)
    else:
        QTimer.singleShot(3000, finish)  # a thread that does not stop: give up waiting


def _dispose(widgets: list[Any]) -> None:
    for w in widgets:
        if w is None:
            continue
        try:
            w.hide()
            w.setParent(None)
            w.deleteLater()
        except RuntimeError:  # already gone with its parent
            pass


class QuestionScreen(Screen):
    name = "question"
    nav: CitizenNav

    def __init__(self, ctx: AppContext, nav: CitizenNav) -> None:
        super().__init__(ctx, nav)
        self.step_header = StepHeader()
        self.step_header.setObjectName("stepHeader")
        self.body.addWidget(self.step_header)
        self.title = wrap_label(role="heading")
        self.body.addWidget(self.title)
        self.summary = ErrorLabel()
        self.summary.setObjectName("stepError")
        self.body.addWidget(self.summary)
        self.fields_box = QWidget()
        self.fields_layout = QVBoxLayout(self.fields_box)
        self.fields_layout.setContentsMargins(0, 0, 0, 0)
        self.fields_layout.setSpacing(32)
        self.body.addWidget(self.fields_box)
        self.body.addStretch(1)
        self.back = BigButton(kind="secondary")
        self.back.setObjectName("back")
        self.back.clicked.connect(self._on_back)
        self.cont = BigButton(kind="primary")
        self.cont.setObjectName("continue")
        self.cont.clicked.connect(self._on_continue)
        self.footer.addWidget(self.back)
        self.footer.addStretch(1)
        self.footer.addWidget(self.cont)
        self.step: forms.Step | None = None
        self.widgets: list[FieldWidget] = []
        self.retiring = 0  # old steps' widgets waiting for their threads before teardown
        # The next step's widgets, made ahead (hidden, no answer in them): key, widgets.
        self._ahead: tuple[tuple[Any, ...], list[FieldWidget]] | None = None
        self._ahead_timer = QTimer(self)
        self._ahead_timer.setSingleShot(True)
        self._ahead_timer.setInterval(AHEAD_DELAY_MS)
        self._ahead_timer.timeout.connect(self._make_ahead)
        self._job: tuple[tuple[Any, ...], Iterator[None]] | None = None  # being made ahead
        self._filled_for: forms.Step | None = None  # the step that had check answers filled

    # -- navigation ------------------------------------------------------------------------
    @property
    def service(self) -> Any:
        return self.ctx.session.service

    def all_steps(self) -> list[forms.Step]:
        return forms.steps(self.service, self.ctx.session.answers)

    def enter(self, step_id: str | None = None, **kw: Any) -> None:
        steps = self.all_steps()
        if not steps:
            self.nav.go("check_answers")
            return
        index = next((i for i, s in enumerate(steps) if s.id == step_id), 0)
        self._build(steps[index])
        self.retranslate()
        self.scroll_to_top()
        first = self.widgets[0].focus_target() if self.widgets else None
        if first is not None:
            first.setFocus()

    def _build(self, step: forms.Step) -> None:
        self._retire_widgets()
        self.step = step
        self.widgets = []
        ahead = self._take_ahead(step)
        single = len(step.fields) == 1
        for f in step.fields:
            w = ahead.pop(0) if ahead else make_field_widget(f, self.ctx, heading=single)
            if w is None:  # the catalog check hides such services; never crash if one slips by
                log.error("no widget for field %s of type %s", f.id, f.type)
                continue
            w.set_value(self.ctx.session.answers.get(f.id))
            self.widgets.append(w)
            self.fields_layout.addWidget(w)
            if w.isHidden():  # made ahead: hidden until now
                w.show()
        self.summary.clear_error()
        self._errors = {}
        self._local = {w.field.id: w.initial_issue for w in self.widgets if w.initial_issue}
        for w in self.widgets:
            w.edited.connect(self._ahead_timer.start)  # an answer may change the next step
        self._ahead_timer.start()

    # -- the next step, made ahead -----------------------------------------------------------
    # Making a step's widgets on Continue took 10-30 ms (a camera, papers or address step
    # most), on top of the relayout and paint. While the citizen reads this step, the next one
    # is made on an idle turn, hidden and without any answer in it (values are set when it is
    # shown); an answer that changes which step comes next makes it again.
    def _ahead_key(self, step: forms.Step) -> tuple[Any, ...]:
        s = self.ctx.session
        held = tuple(len(s.attachments_for(f.id)) for f in step.fields)  # capture steps show them
        return (s.service, step.id, tuple(f.id for f in step.fields), held)

    def _next_step(self) -> forms.Step | None:
        """The step Continue would show with what is entered now (None: check answers)."""
        if self.step is None or self.ctx.session.service is None:
            return None
        if self.ctx.session.returning_to_check:
            return None
        answers, _local = self.collect()
        steps = forms.steps(self.service, answers)
        i = next((i for i, s in enumerate(steps) if s.id == self.step.id), -1)
        return steps[i + 1] if 0 <= i < len(steps) - 1 else None

    def _make_ahead(self) -> None:
        if not self.isVisible():
            return
        step = self._next_step()
        key = self._ahead_key(step) if step is not None else None
        if self._ahead is not None and self._ahead[0] == key:
            return
        if self._job is not None and self._job[0] == key:
            return  # being made
        self._drop_ahead()
        if step is None or key is None:
            if self.step is not None and self._filled_for is not self.step:
                self._filled_for = self.step
                self.nav.fill_check_ahead()  # Continue leads there: its rows, filled now
            return
        work = self._ahead_work(step, key)
        self._job = (key, work)

        def run() -> None:
            if self._job is None or self._job[1] is not work:
                return  # taken, dropped or replaced meanwhile
            deadline = time.perf_counter() + AHEAD_SLICE_S
            try:
                while time.perf_counter() < deadline:
                    next(work)
            except StopIteration:
                self._job = None
                return
            later(0, run)

        run()

    def _ahead_work(self, step: forms.Step, key: tuple[Any, ...]) -> Iterator[None]:
        """Make `step`'s widgets a little at a time (a generator: one slice per turn)."""
        single = len(step.fields) == 1
        made: list[FieldWidget] = []
        done = False
        try:
            for f in step.fields:
                w = make_field_widget(f, self.ctx, heading=single)
                if w is None:
                    return
                w.setParent(self.fields_box)
                w.hide()
                made.append(w)
                yield
                for child in (w, *w.findChildren(QWidget)):
                    with contextlib.suppress(RuntimeError):  # one deleted meanwhile
                        child.ensurePolished()  # the stylesheet now, not when it shows
                    yield
            self._ahead = (key, made)
            done = True
            # laid out and painted off screen at the width they will have (the camera
            # and papers steps most: their first layout and paint were 10-20 ms)
            for w in made:
                render_ahead(
                    w,
                    lambda w=w: self._ahead is not None and w in self._ahead[1],
                    lambda w=w: self._size_for(w),
                )
        finally:
            if not done:
                _dispose(made)

    def _size_for(self, w: QWidget) -> QSize:
        """The size `w` gets in this step's column."""
        width = self.fields_box.width()
        return QSize(width, max(1, w.heightForWidth(width), w.sizeHint().height()))

    def _take_ahead(self, step: forms.Step) -> list[FieldWidget]:
        """The widgets made ahead for `step` (emptied), or [] when none fit."""
        self._stop_job()
        ahead, self._ahead = self._ahead, None
        self._ahead_timer.stop()
        if ahead is None:
            return []
        if ahead[0] == self._ahead_key(step):
            return list(ahead[1])
        QTimer.singleShot(0, lambda: _dispose(ahead[1]))  # not in this (busy) turn
        return []

    def _stop_job(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job[1].close()  # its widgets made so far are disposed

    def _drop_ahead(self) -> None:
        self._stop_job()
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            _dispose(ahead[1])

    def _retire_widgets(self) -> None:
        """Take the old step's widgets out now, tear them down on the next loop turn: camera
        widgets stop their frame thread when hidden, and doing that in the same turn as
        building the next step would add the two costs into one longer stall."""
        old: list[QWidget] = []
        focus = QApplication.focusWidget()
        if focus is not None and self.fields_box.isAncestorOf(focus):
            focus.clearFocus()  # the keyboard follows focus: it must not stay for a gone box
        while self.fields_layout.count():
            item = self.fields_layout.takeAt(0)
            w = item.widget()
            if w is not None:
                w.move(-20_000, -20_000)  # out of sight without a hide (which would block)
                old.append(w)
        if old:
            self.retiring += 1
            _dispose_after_threads(old, self._on_retired)

    def _on_retired(self) -> None:
        self.retiring -= 1

    def _index(self, steps: list[forms.Step]) -> int:
        assert self.step is not None
        return next((i for i, s in enumerate(steps) if s.id == self.step.id), -1)

    def retranslate(self) -> None:
        self.back.setText(self.tr("ui.nav.back"))
        cont_key = (
            "ui.nav.back_to_check" if self.ctx.session.returning_to_check else ("ui.nav.continue")
        )
        self.cont.setText(self.tr(cont_key))
        if self.step is None:
            return
        # Counted over the steps everyone is asked: the total does not jump mid-journey.
        n, total = forms.step_position(self.service, self.ctx.session.answers, self.step.id)
        self.step_header.set_step(n, total, self.lang)
        title = self.step.title.get(self.lang) if self.step.title is not None else ""
        self.title.setText(wrap_points(title))
        self.title.setVisible(bool(title) and len(self.widgets) > 1)
        for w in self.widgets:
            w.retranslate()
        self._retranslate_errors()

    # -- Continue / Back -------------------------------------------------------------------
    def collect(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(tentative answers with this step's values, local errors by field id)."""
        answers = dict(self.ctx.session.answers)
        local: dict[str, str] = {}
        for w in self.widgets:
            if w.field.type in ATTACHMENT_TYPES:
                continue
            key = w.local_issue()
            if key:
                local[w.field.id] = key
                continue
            raw = w.raw_value()
            value = forms.normalise(w.field, raw) if raw is not None else None
            if value is None or value == "" or value == []:
                answers.pop(w.field.id, None)
            else:
                answers[w.field.id] = value
        return answers, local

    def _on_continue(self) -> None:
        if self.step is None:
            return
        busy: Any = next((w for w in self.widgets if getattr(w, "pending", bool)()), None)
        if busy is not None:  # a photo or page still being kept: accept it once it is stored
            self.cont.setEnabled(False)
            step = self.step

            def again() -> None:
                self.cont.setEnabled(True)
                if self.step is step:
                    self._on_continue()

            busy.when_settled(again)
            return
        answers, local = self.collect()
        issues = forms.validate_step(
            self.step,
            answers,
            today=self.ctx.today(),
            attachments=self.ctx.session.attachments,
            gazetteer=self.ctx.gazetteer,
        )
        self._errors = {i.field_id: i.message for i in issues if i.field_id not in local}
        self._local = local
        self._retranslate_errors()
        if local or issues:
            bad = next(
                (w for w in self.widgets if w.field.id in local or w.field.id in self._errors), None
            )
            if bad is not None:
                self.scroll_area.ensureWidgetVisible(bad)
                target = bad.focus_target()
                if target is not None:
                    target.setFocus()
            return
        self.ctx.session.answers = answers
        self.nav.autosave()
        steps = self.all_steps()
        i = self._index(steps)
        if self.ctx.session.returning_to_check:
            pending = self._first_unanswered(steps[i + 1 :])
            if pending is None:
                self.nav.go("check_answers")
                return
            self.nav.go("question", step_id=pending.id)
            return
        if 0 <= i < len(steps) - 1:
            self.nav.go("question", step_id=steps[i + 1].id)
        else:
            self.nav.go("check_answers")

    def _first_unanswered(self, steps: list[forms.Step]) -> forms.Step | None:
        """The first later step the form engine is not happy with (a change may have made
        a question appear or become required)."""
        s = self.ctx.session
        for step in steps:
            if forms.validate_step(
                step,
                s.answers,
                today=self.ctx.today(),
                attachments=s.attachments,
                gazetteer=self.ctx.gazetteer,
            ):
                return step
        return None

    def _on_back(self) -> None:
        if self.ctx.session.returning_to_check:
            self.nav.go("check_answers")
            return
        steps = self.all_steps()
        i = self._index(steps) if self.step is not None else 0
        if i > 0:
            self.nav.go("question", step_id=steps[i - 1].id)
        else:
            self.nav.go("service_detail", service_id=self.service.id)

    _errors: dict[str, Any] = {}  # noqa: RUF012 - replaced per instance on Continue
    _local: dict[str, str] = {}  # noqa: RUF012

    def _retranslate_errors(self) -> None:
        for w in self.widgets:
            fid = w.field.id
            if fid in self._local:
                w.show_error(self.tr(self._local[fid]))
            elif fid in self._errors:
                w.show_error(self._errors[fid].get(self.lang))
            else:
                w.clear_error()

    def reset(self) -> None:
        self._filled_for = None
        self._ahead_timer.stop()
        self._drop_ahead()
        self._retire_widgets()
        self.widgets = []
        self.step = None
        self._errors, self._local = {}, {}
