"""Backoff and link estimation: pure arithmetic, clock and random passed in, nothing sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from sync.client.api import Offline, ServerBusy
from sync.client.backoff import Backoff, parse_retry_after
from sync.client.link import MAX_CHUNK, MAX_TIMEOUT, MIN_CHUNK, MIN_TIMEOUT, LinkEstimator

CHUNK_64K = 64 * 1024


def test_full_jitter_grows_then_caps_at_ten_minutes() -> None:
    b = Backoff(rand=lambda: 1.0, floor=0.0)  # the top of each jitter range, no floor
    waits = [b.failed() for _ in range(12)]
    assert waits[:5] == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert max(waits) == 600.0
    assert waits[-1] == 600.0


def test_the_window_never_shrinks_below_one_sync_interval() -> None:
    """After a short outage, kiosks must not all return within seconds of each other."""
    b = Backoff(rand=lambda: 1.0)
    waits = [b.failed() for _ in range(8)]
    assert waits[:5] == [60.0, 60.0, 60.0, 60.0, 60.0]  # 2·2⁴ = 32 < 60
    assert waits[5:] == [64.0, 128.0, 256.0]
    half = Backoff(rand=lambda: 0.5)
    assert half.failed() == 30.0


def test_jitter_spreads_over_the_whole_range() -> None:
    values = iter([0.0, 0.5])
    b = Backoff(rand=lambda: next(values), floor=0.0)
    b.failures = 3
    assert b.delay() == 0.0
    assert b.delay() == 8.0  # half of 2·2³


def test_retry_after_is_honoured_and_capped() -> None:
    b = Backoff(rand=lambda: 0.0)
    assert b.failed(retry_after=30.0) == 30.0
    assert b.failed(retry_after=3600.0) == 600.0


def test_remaining_counts_down_on_the_given_clock() -> None:
    now = [100.0]
    b = Backoff(clock=lambda: now[0], rand=lambda: 1.0)
    b.failed()
    assert b.remaining() == 60.0
    now[0] += 59.5
    assert b.remaining() == 0.5
    b.succeeded()
    assert b.remaining() == 0.0 and b.failures == 0


class Clock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_link_failure_is_probed_within_seconds_growing_gently() -> None:
    clock = Clock()
    b = Backoff(clock=clock, rand=lambda: 1.0)  # the top of each probe range
    waits = []
    for _ in range(7):
        waits.append(b.link_failed())
        assert b.remaining() == waits[-1]
        clock.now += waits[-1]
    assert waits == pytest.approx([2.0, 3.0, 4.5, 6.75, 10.125, 15.0, 15.0])
    assert b.failing and b.failures == 0  # the server's window was never used
    low = Backoff(clock=clock, rand=lambda: 0.0)
    assert [low.link_failed() for _ in range(3)] == pytest.approx([1.0, 1.5, 2.25])


def test_an_outage_longer_than_the_patience_falls_back_to_the_long_window() -> None:
    """An outage every kiosk shares (the server's uplink, a restart) must not end in a herd."""
    clock = Clock()
    b = Backoff(clock=clock, rand=lambda: 1.0)
    while clock.now - 1000.0 < b.patience:
        clock.now += b.link_failed()
    assert b.link_failed() == 60.0  # the jitter window of at least one sync interval
    clock.now += 60.0
    assert b.link_failed() == 60.0
    assert b.failures == 2


def test_server_errors_get_the_long_jittered_window_with_retry_after() -> None:
    clock = Clock()
    b = Backoff(clock=clock, rand=lambda: 0.5)
    b.link_failed()
    b.link_failed()
    assert b.failed(retry_after=None) == 30.0  # half of the 60 s floor: not a quick probe
    assert b.probes == 0 and b.offline_since is None  # the server answered: the link is up
    assert b.failed(retry_after=120.0) == 120.0  # never sooner than asked
    assert b.remaining() == 120.0
    assert b.link_failed() == pytest.approx(1.5)  # a new outage starts with quick probes again


def test_success_ends_both_kinds_of_failure() -> None:
    clock = Clock()
    b = Backoff(clock=clock, rand=lambda: 1.0)
    b.failed()
    b.link_failed()
    b.succeeded()
    assert not b.failing and b.remaining() == 0.0 and b.offline_since is None
    assert b.link_failed() == 2.0


class FakeStore:
    def outbox(self, limit: int) -> list[Any]:
        return []

    def get_setting(self, key: str, default: Any = None) -> Any:
        return default

    def problem_ids(self) -> list[str]:  # registrations a clerk must look at: none here
        return []


class FakeApi:
    """The probe's outcome is all a round needs when it fails there."""

    def __init__(self, failure: Exception | None) -> None:
        self.failure = failure

    def probe(self) -> bool:
        if self.failure is not None:
            raise self.failure
        return False


def worker_round(api: FakeApi, clock: Clock) -> Any:
    from sync.client.worker import SyncWorker

    worker = SyncWorker(FakeStore, lambda: api, clock=clock, rand=lambda: 1.0)  # type: ignore[arg-type,return-value]
    try:
        worker._round(FakeStore(), api, None)  # type: ignore[arg-type]
    except ServerBusy as exc:  # as `_run` does with what escapes a round
        worker._failed(exc.key, exc.message, exc.retry_after)
    return worker


def test_worker_probes_a_dead_link_again_within_seconds() -> None:
    clock = Clock()
    worker = worker_round(FakeApi(Offline("connection refused")), clock)
    assert worker.backoff.remaining() == 2.0
    assert not worker.state().online and worker.state().last_error == "sync.error.offline"


def test_worker_gives_a_busy_server_the_long_window_and_its_retry_after() -> None:
    clock = Clock()
    busy = ServerBusy("GET /v1/ping: 503 busy", status=503, retry_after=300.0)
    worker = worker_round(FakeApi(busy), clock)
    assert worker.backoff.remaining() == 300.0
    assert worker.state().last_error == "sync.error.server_busy"


def test_parse_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now=now) == 90
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_chunk_is_four_bandwidth_delay_products_clamped() -> None:
    link = LinkEstimator()
    assert link.chunk_size() == MIN_CHUNK  # nothing measured yet
    link.add_rtt(0.3)
    link.add_transfer(125_000, 1.3)  # 1 s of sending at 1 Mbit/s plus the round trip
    assert abs(link.chunk_size() - 4 * 125_000 * 0.3) < 1000
    fast = LinkEstimator(rtt=0.5, bandwidth=10e6)
    assert fast.chunk_size() == MAX_CHUNK
    slow = LinkEstimator(rtt=0.01, bandwidth=10_000)
    assert slow.chunk_size() == MIN_CHUNK


def test_estimates_follow_new_samples_smoothly() -> None:
    link = LinkEstimator(rtt=0.2, bandwidth=100_000)
    link.add_transfer(50_000, 0.2 + 0.25)  # 200 kB/s once the round trip is taken off
    assert link.bandwidth is not None and 100_000 < link.bandwidth < 200_000
    link.add_transfer(0, 1.0)  # an empty body says nothing about the link
    link.add_rtt(1.2)
    assert link.rtt is not None and 0.2 < link.rtt < 1.2


def test_answer_timeout_follows_the_measured_link() -> None:
    assert LinkEstimator().timeout_for(CHUNK_64K) == MAX_TIMEOUT  # nothing measured: fixed
    slow = LinkEstimator(rtt=0.8, bandwidth=32_000)  # 256 kbit/s, 800 ms
    assert slow.timeout_for(100_000) == pytest.approx(4 * (100_000 / 32_000 + 0.8))
    fast = LinkEstimator(rtt=0.3, bandwidth=125_000)
    assert fast.timeout_for(CHUNK_64K) == MIN_TIMEOUT  # a busy server still gets the floor
    no_rtt_yet = LinkEstimator(bandwidth=32_000)  # chunks went out, no small request yet
    assert no_rtt_yet.timeout_for(100_000) == pytest.approx(4 * 100_000 / 32_000)
    crawl = LinkEstimator(rtt=1.0, bandwidth=500)
    assert crawl.timeout_for(1_000_000) == MAX_TIMEOUT
