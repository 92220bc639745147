"""Real taps on the clerk station (Xvfb + xdotool, issue 12) at a commune PC's 1366×768:
the queue buttons on the clerk home (two rows of three below 1700 px) each open their list
with one tap, and the application's Reprint prints and is audited once per tap: no tap lost,
none repeated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.window.finger import wait_for
from tests.window.journeys import named, on_screen
from tests.window.test_clerk_actions import SMALL, _signed_in

QUEUES = ("originals", "needs_papers", "supplement", "pickup", "problems", "today")


def _db(k: Any, fn: Any) -> Any:
    box: dict[str, Any] = {}
    k.kiosk.tasks.run_db(fn, lambda r: box.setdefault("r", r), lambda e: box.setdefault("e", e))
    wait_for(lambda: bool(box), what="a store read")
    if "e" in box:
        raise box["e"]
    return box["r"]


@SMALL
def test_each_queue_button_opens_its_list_with_one_tap(running: Any) -> None:
    k = running
    _signed_in(k)
    home = k.page()
    wait_for(lambda: home.queue_name is not None and not home._loading, what="the first list")
    rows: dict[int, list[str]] = {}
    for q in QUEUES:
        chip = named(k, f"queue_{q}")
        rows.setdefault(chip.mapToGlobal(chip.rect().topLeft()).y(), []).append(q)
    assert sorted(len(r) for r in rows.values()) == [3, 3], rows  # two rows of three
    order = [q for _y, qs in sorted(rows.items()) for q in qs]
    finger = k.finger
    taps = finger.taps
    for q in [*order, *reversed(order)]:  # each row, then back (a chip's count text changes)
        if home.queue_name == q:
            continue
        asked = home._ask
        finger.tap(named(k, f"queue_{q}"))
        wait_for(lambda q=q: home.queue_name == q and not home._loading, what=f"the {q} list")
        assert home._ask == asked + 1, f"the tap on {q} loaded {home._ask - asked} times"
        assert home.chip[q].isChecked()
        assert [c for c, chip in home.chip.items() if chip.isChecked()] == [q]
    assert finger.taps - taps == 2 * len(order) - 2  # the last of a row is not tapped twice
    k.kiosk.clerk.end_session("user")
    on_screen(k, "attract")


@SMALL
def test_reprint_by_taps_prints_once_per_tap(running: Any, tmp_path: Path) -> None:
    from ui.app import make_printer
    from ui.clerk.actions.screenshots import _journey

    k = running
    reg_id = _signed_in(k)["ready"]
    paper = tmp_path / "printer.bin"
    ctx = k.kiosk.ctx
    kept, ctx.printer = ctx.printer, make_printer(f"escpos:file:{paper}")
    try:
        _journey(k.kiosk).go("clerk_application", reg_id=reg_id)
        on_screen(k, "clerk_application")
        page = k.page()
        wait_for(lambda: page.view is not None, what="the application")

        def reprints() -> int:
            entries = _db(k, lambda store: store.audit.entries(subject=reg_id, limit=1000))
            return sum(1 for e in entries if e.action == "clerk.reprinted")

        before = reprints()
        for n in (1, 2):
            k.finger.tap(named(k, "appReprint"))
            wait_for(lambda: page.print_note.isVisible() and page.reprint.isEnabled(),
                     what="the reprint's outcome")  # fmt: skip
            assert page.print_note.text(), "the outcome in the clerk's words"
            assert reprints() == before + n
            assert paper.stat().st_size > 1000  # a receipt went to the "device" (rewritten)
            paper.unlink()
            page.print_note.hide()  # so the next outcome is seen arriving
    finally:
        ctx.printer = kept
    k.kiosk.clerk.end_session("user")
    on_screen(k, "attract")
