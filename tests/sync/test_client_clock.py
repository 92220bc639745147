"""A kiosk clock days off still syncs when its first signed request is a body-less HEAD.

The refused HEAD of a resumed upload has no JSON body, so the client cannot read `clock_skew`
from it; only the `Sala-Server-Time` header every 401 carries tells it the server's time.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from kiosk.model import State, utc_now
from sync.client.push import Progress, push_pending
from sync.client.worker import sync_once

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]

CHUNK = 64 * 1024


def three_days_slow() -> datetime:
    return utc_now() - timedelta(days=3)


def interrupt_upload(side: KioskSide) -> str:
    """Start an upload and stop it after its first chunk (as a power cut would), so the next
    run must ask the server for the offset with HEAD before anything else."""
    reg = side.submit(pages=0, size=300_000)
    api = side.api(clock=three_days_slow)
    api.link.min_chunk = api.link.max_chunk = CHUNK
    stop = False

    def on_progress(_: Progress) -> None:
        nonlocal stop
        stop = True

    first = push_pending(side.store, api, on_progress=on_progress, is_cancelled=lambda: stop)
    assert not first[0].ok
    state = side.store.upload_state(reg.id, reg.attachments[0].media.sha256)
    assert state is not None and state.url and 0 < state.offset < 300_000
    return reg.id


def test_resumed_upload_with_a_clock_three_days_off_completes(kiosk_side: KioskSide) -> None:
    reg_id = interrupt_upload(kiosk_side)
    api = kiosk_side.api(clock=three_days_slow)  # a new process: nothing learned yet
    results = push_pending(kiosk_side.store, api)
    assert results and results[0].ok, results
    assert kiosk_side.store.get(reg_id).state is State.ACCEPTED
    assert abs(api.clock_offset - timedelta(days=3)) < timedelta(minutes=1)


def test_sync_once_path_with_a_clock_three_days_off_completes(kiosk_side: KioskSide) -> None:
    """What `sala sync --once` runs: uploads side by side, then the feed."""
    reg_id = interrupt_upload(kiosk_side)
    api = kiosk_side.api(clock=three_days_slow)
    with ThreadPoolExecutor(3) as pool:
        results, _, _ = sync_once(kiosk_side.store, api, executor=pool)
    assert results and results[0].ok, results
    assert kiosk_side.store.get(reg_id).state is State.ACCEPTED
    assert kiosk_side.store.feed_cursor() is not None  # the signed feed GETs went through too
