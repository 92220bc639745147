"""A finished task leaves the worker's side holding nothing of the screen that asked for it.

Why: a task's callable and callbacks are often a screen's methods. When a worker thread held the
last reference (its work item, through the task's Future, outlived the GUI side's), the screen
was destroyed on that worker: QWidget's destructor waits for the GUI thread, which was itself
waiting for the worker (a full test run hung in `TaskManager.shutdown` so). The Future is what a
worker's work item keeps; after the GUI thread handled the result it must reach no screen.
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from ui.tasks import TaskManager

pytestmark = pytest.mark.qt


class Screen:
    """Stands for a screen: its methods are the task and the callbacks."""

    def __init__(self) -> None:
        self.got: list[Any] = []

    def work(self) -> int:
        return 7

    def explode(self) -> int:
        raise ValueError("the disk is full")

    def done(self, value: Any) -> None:
        self.got.append(value)

    def failed(self, exc: BaseException) -> None:
        self.got.append(str(exc))


def test_a_finished_task_keeps_no_reference_to_the_screen(qtbot: Any) -> None:
    tasks = TaskManager(io_workers=1)
    try:
        screen = Screen()
        gone = weakref.ref(screen)
        ok = tasks.run_io(screen.work, on_done=screen.done)
        bad = tasks.run_io(screen.explode, on_error=screen.failed)
        qtbot.waitUntil(lambda: tasks.pending == 0, timeout=60_000)
        assert screen.got == [7, "the disk is full"]
        del screen
        gc.collect()
        # `ok` and `bad` stand for the workers' work items, which may outlive the GUI's side
        assert gone() is None, "a finished task's Future still reaches the screen"
        assert ok.result() == 7 and isinstance(bad.exception(), ValueError)
    finally:
        tasks.shutdown()
