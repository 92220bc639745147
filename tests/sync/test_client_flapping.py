"""The background worker against a real server: a link that drops is probed again within
seconds, a server that says 503 gets the long window. Clock and random are passed in; the
worker's rounds are called directly, so nothing waits for a backoff to run out."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from kiosk.model import State
from sync.client.api import ServerBusy
from sync.client.worker import SyncWorker

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def one_round(worker: SyncWorker, side: KioskSide, pool: ThreadPoolExecutor) -> None:
    """One round as the worker's thread runs it, failures included."""
    try:
        worker._round(side.store, side.api(), pool)
    except ServerBusy as exc:
        worker._failed(exc.key, exc.message, exc.retry_after)


def make_worker(side: KioskSide, clock: Clock) -> SyncWorker:
    return SyncWorker(
        lambda: side.store,
        side.api,
        data_dir=side.data_dir,
        clock=clock,
        rand=lambda: 1.0,
    )


def test_a_link_lost_mid_round_is_probed_again_within_seconds(kiosk_side: KioskSide) -> None:
    reg = kiosk_side.submit(pages=0)
    clock = Clock()
    worker = make_worker(kiosk_side, clock)
    kiosk_side.proxy.drop_response(b"PUT /v1/registrations/")  # the commit's answer never comes
    with ThreadPoolExecutor(3) as pool:
        one_round(worker, kiosk_side, pool)
        assert worker.state().last_error == "sync.error.offline"
        assert 0 < worker.backoff.remaining() <= 2.0  # not the 60 s window
        clock.now += worker.backoff.remaining()
        one_round(worker, kiosk_side, pool)
    assert kiosk_side.store.get(reg.id).state is State.ACCEPTED
    assert not worker.backoff.failing and worker.state().last_error is None


def test_a_busy_server_gets_the_long_window_and_its_retry_after(kiosk_side: KioskSide) -> None:
    kiosk_side.submit(pages=0)
    clock = Clock()
    worker = make_worker(kiosk_side, clock)
    kiosk_side.proxy.respond(503, retry_after="120")
    with ThreadPoolExecutor(3) as pool:
        one_round(worker, kiosk_side, pool)
    assert worker.state().last_error == "sync.error.server_busy"
    assert worker.backoff.remaining() == 120.0
