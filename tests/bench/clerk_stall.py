"""The GUI side of clerk_bench.py: open the Qt clerk home screen on a big store and report
the worst event-loop gap (tests/ui/stall.py's monitor), from the PIN's "OK" until the home
screen shows its counts and first list, then when today's list is chosen, on "Sign out" with
the home showing, and on a second sign-in; by step, with where the GUI thread was when late.

Needs PySide6 and ui/clerk (UI-A's screens); clerk_bench.py prints `stall_max_ms=na` when
this module cannot be imported.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.bench.journey_bench import Bot, StackSampler
from tests.ui.stall import StallMonitor
from tests.ui.test_clerk_signin_support import Desk
from ui.app import Kiosk, KioskOptions, ensure_app, load_fonts, stylesheet


def measure_home(data_dir: Path, staff_id: str, pin: str) -> tuple[float, float]:
    """(worst gap while the home screen opens and switches list, idle loop's worst gap)."""
    app = ensure_app()
    load_fonts()
    app.setStyleSheet(stylesheet())
    opts = KioskOptions(
        data_dir=data_dir,
        idle_seconds=600,
        grace_seconds=30,
        printer="none",
        scan_folder=Path(tempfile.gettempdir()),
    )
    kiosk = Kiosk(opts)
    bot = Bot()
    kiosk.window.resize(1366, 768)
    kiosk.window.show()
    kiosk.start()
    try:
        bot.waitUntil(lambda: all(kiosk.ready.values()), timeout=120_000)
        desk = Desk(kiosk, bot, manual_clock=False)
        idle = StallMonitor()
        idle.start()
        bot.wait(1000)
        idle.stop()
        desk.open_signin()
        desk.choose(staff_id)
        desk.wait_screen("staff_pin")
        stall = StallMonitor()
        sampler = StackSampler(stall, threading.get_ident())  # where the GUI thread is late
        stall.start()
        sampler.start()
        stall.mark("sign-in and home")
        desk.type_pin(pin)
        desk.wait_screen("clerk_home")
        home = desk.page("clerk_home")
        bot.waitUntil(lambda: bool(home.counts) and bool(home.cards), timeout=120_000)
        bot.wait(300)
        stall.mark("today's list")
        desk.tap(home.chip["today"])
        bot.waitUntil(lambda: home.queue_name == "today", timeout=60_000)
        desk.settle()
        bot.wait(300)
        stall.mark("sign-out")  # the staff screens wiped while the home shows
        desk.tap(home.sign_out)
        bot.waitUntil(lambda: desk.screen == "attract", timeout=60_000)
        bot.wait(300)
        desk.open_signin()
        desk.choose(staff_id)
        desk.wait_screen("staff_pin")
        bot.wait(300)
        stall.mark("second sign-in and home")
        desk.type_pin(pin)
        desk.wait_screen("clerk_home")
        bot.waitUntil(lambda: bool(home.counts) and bool(home.cards), timeout=120_000)
        desk.settle()
        bot.wait(300)
        stall.stop()
        sampler.running = False
        print("stall by step (net, wall ms):", stall.by_mark)
        for place, n in sampler.places.most_common(6):
            print(f"  late GUI thread x{n}: {place}")
        return stall.max_gap_ms, idle.max_gap_ms
    finally:
        kiosk.shutdown()
        kiosk.window.close()
