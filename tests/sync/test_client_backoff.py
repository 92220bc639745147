"""Backoff and link estimation: pure arithmetic, clock and random passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

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
