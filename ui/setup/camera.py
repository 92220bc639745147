"""Setup step 4: the camera. A live preview with the citizen's face check running, a choice
among the cameras found, and a warning when the only source is the demo pictures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import error_text
from ui.capture.camera_view import CameraView
from ui.capture.frame_worker import FrameWorker, source_opener, start_frame_worker
from ui.screens.base import clear_layout
from ui.setup.base import SetupStep
from ui.widgets.basic import ChoiceButton, wrap_label
from ui.widgets.text import tr

if TYPE_CHECKING:
    from ui.screens.base import AppContext
    from ui.setup.journey import SetupNav


class CameraCheck(QWidget):
    """The live preview with `FaceTracker`'s instruction: what a citizen would see."""

    def __init__(self, lang: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lang = lang  # a callable giving the locale now
        self.view = CameraView("face")
        self.view.setObjectName("setupCameraView")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.view)
        self.worker: FrameWorker | None = None
        self.spec = "auto"
        self.is_demo = False
        self.opened = False
        self.failed: str | None = None
        self.on_state: Any = lambda: None

    def start(self, spec: str) -> None:
        self.stop()
        self.spec, self.is_demo, self.opened, self.failed = spec, False, False, None
        from kiosk.capture.face import FaceTracker

        self.worker = start_frame_worker(
            source_opener(spec, None, "face", 10.0),
            FaceTracker(),
            mirror=True,
            parent=self,
            on_frame=self._on_frame,
            on_problem=lambda key: self.view.set_text(message=tr(key, self._lang()) if key else ""),
            on_opened=self._on_opened,
            on_failed=self._on_failed,
        )

    def stop(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.request_stop()

    def hideEvent(self, event: Any) -> None:
        self.stop()
        super().hideEvent(event)

    def _on_opened(self, info: dict[str, Any]) -> None:
        self.opened, self.is_demo = True, bool(info.get("is_demo"))
        self.view.set_text(badge=tr("capture.camera.demo", self._lang()) if self.is_demo else "")
        self.on_state()

    def _on_failed(self, exc: Any) -> None:
        self.failed = getattr(exc, "message_key", "capture.error.camera_missing")
        self.view.set_text(message=error_text(exc, self._lang()))
        self.on_state()

    def _on_frame(self) -> None:
        latest = self.worker.take() if self.worker is not None else None
        if latest is None:
            return
        report = latest.analysis
        self.view.good = bool(getattr(report, "ok", False))
        self.view.show_frame(latest.image, latest.frame_size)
        if report is not None:
            self.view.set_text(instruction=tr(report.instruction, self._lang()))


class CameraStep(SetupStep):
    step = "camera"

    def __init__(self, ctx: AppContext, nav: SetupNav) -> None:
        super().__init__(ctx, nav)
        row = QHBoxLayout()
        row.setSpacing(24)
        self.check = CameraCheck(lambda: self.lang)
        self.check.setFixedSize(480, 360)
        self.check.on_state = self.retranslate_step
        row.addWidget(self.check)
        holder = QWidget()
        self.choices = QVBoxLayout(holder)
        self.choices.setContentsMargins(0, 0, 0, 0)
        row.addWidget(holder, 1)
        self.warning = wrap_label(role="notice")  # above the preview: never below the fold
        self.warning.setObjectName("setupCameraWarning")
        self.content.addWidget(self.warning)
        self.content.addLayout(row)
        self.content.addStretch(1)
        self.buttons: list[ChoiceButton] = []
        self.found: list[str] | None = None

    def enter(self, **kw: Any) -> None:
        super().enter(**kw)
        if self.found is None:  # probe first: a camera in use by the preview would not open
            self.found = []
            self.ctx.tasks.run_io(_probe, self._on_found, lambda _e: self._on_found([]))
        else:
            self.check.start(self.nav.draft.camera)
        self._make_choices()

    def hideEvent(self, event: Any) -> None:
        self.check.stop()
        super().hideEvent(event)

    def _on_found(self, indexes: list[str]) -> None:
        self.found = indexes
        self._make_choices()
        if self.isVisible():
            self.check.start(self.nav.draft.camera)

    def _make_choices(self) -> None:
        clear_layout(self.choices)
        current = self.nav.draft.camera
        specs = ["auto", *(self.found or []), "demo"]
        if current not in specs:
            specs.insert(1, current)
        self.buttons = []
        for spec in specs:
            button = ChoiceButton(self._label(spec), value=spec)
            button.setObjectName(f"setupCamera_{spec}")
            button.setChecked(spec == current)
            button.sync()
            button.clicked.connect(lambda _=False, s=spec: self._on_chosen(s))
            self.choices.addWidget(button)
            self.buttons.append(button)
        self.choices.addStretch(1)

    def _label(self, spec: str) -> str:
        if spec in ("auto", "demo"):
            return self.t(f"camera.{spec}")
        if spec.isdigit():
            return self.t("camera.device", n=int(spec) + 1)
        return self.t("camera.file", name=spec.rsplit("/", 1)[-1])

    def _on_chosen(self, spec: str) -> None:
        self.nav.draft.camera = spec
        for button in self.buttons:
            button.setChecked(button.value == spec)
        self.check.start(spec)
        self.retranslate_step()

    def retranslate_step(self) -> None:
        for button in self.buttons:
            button.setText(self._label(str(button.value)))
        if self.check.failed:
            self.warning.setText(self.t("camera.failed"))
        elif self.check.is_demo:
            self.warning.setText(self.t("camera.demo_only"))
        else:
            self.warning.setText("")
        self.warning.setVisible(bool(self.warning.text()))


def _probe() -> list[str]:
    from kiosk.capture.sources import probe_cameras

    return [str(i) for i in probe_cameras()]
