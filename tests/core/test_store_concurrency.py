"""The UI's database worker and the sync thread share a store; a second process may open it."""

from __future__ import annotations

import threading
from pathlib import Path

from kiosk.model import State
from kiosk.store import Store
from tests.core.conftest import ManualClock


def test_two_threads_share_one_store(store: Store) -> None:
    errors: list[BaseException] = []
    ids: list[str] = []

    def citizen() -> None:
        try:
            for _ in range(30):
                reg = store.create_draft("s", "1", "km")
                store.save_draft(reg.id, {"name_km": "ដារា"})
                store.submit(reg.id, {"name_km": "ដារា"}, [], fee_khr=0)
                ids.append(reg.id)
        except BaseException as exc:
            errors.append(exc)

    def sync() -> None:
        try:
            done = 0
            while done < 30:
                for item in store.outbox():
                    store.mark_uploading(item.registration.id)
                    store.mark_accepted(item.registration.id, {"ok": True})
                    done += 1
                if errors:
                    return
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=citizen), threading.Thread(target=sync)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert store.counts_by_state()[State.ACCEPTED] == 30
    assert len({store.get(i).app_number for i in ids}) == 30


def test_two_connections_to_one_data_dir(data_dir: Path, clock: ManualClock) -> None:
    with (
        Store.open(data_dir, commune_code="120101", clock=clock) as a,
        Store.open(data_dir, commune_code="120101", clock=clock) as b,
    ):
        numbers = set()
        for s in (a, b, a, b):
            reg = s.create_draft("s", "1", "km")
            numbers.add(s.submit(reg.id, {}, [], fee_khr=0).app_number)
        assert len(numbers) == 4
        assert a.counts_by_state() == b.counts_by_state()


def test_threads_checking_the_data_dir_at_once_do_not_fail_each_other(tmp_path: Path) -> None:
    """The start-up write probe, from several threads of one process at once (the safe mode's
    screen and its self-test worker did): each thread's own probe, so none reads another's
    deletion as a failed disk."""
    from kiosk.store.db import check_writable

    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def probe() -> None:
        start.wait()
        try:
            for _ in range(150):
                check_writable(tmp_path)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=probe) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert not list(tmp_path.glob(".write-probe-*"))  # none left behind
