"""Turning an account off and removing its photo are one transaction (`StaffDesk.disable`), so
an account turned off never keeps its face, even if the kiosk stops in between; and turning off
an account that is already off (the ministry did it, or an older kiosk stopped between two
transactions) still removes the photo it kept. A real store, a real portrait."""

from __future__ import annotations

from kiosk.staff import StaffDesk
from kiosk.staff.photo import photo_ids
from kiosk.store import Store
from tests.core.test_staff_photo import audit_rows, desk, jpeg, vault_files  # noqa: F401
from tests.core.test_staff_support import CLERK, SUP_PIN, SUPERVISOR, entry
from tests.fixtures.capture import scenes as S


def test_turning_off_and_removing_the_photo_commit_together(
    store: Store,
    desk: StaffDesk,  # noqa: F811
) -> None:
    sup = desk.sign_in(SUPERVISOR, SUP_PIN)
    desk.set_photo(sup, CLERK, jpeg(S.face_frame()))
    said: list[str] = []
    store._conn.set_trace_callback(said.append)  # watch the statements, change nothing
    try:
        desk.disable(sup, CLERK)
    finally:
        store._conn.set_trace_callback(None)
    commits = [i for i, sql in enumerate(said) if sql.strip().upper().startswith("COMMIT")]
    assert len(commits) == 1, said  # one transaction: the account, its queue row, its photo
    writes = [i for i, sql in enumerate(said) if sql.lstrip().upper().startswith(
        ("INSERT", "UPDATE", "DELETE", "REPLACE"))]  # fmt: skip
    assert writes and max(writes) < commits[0]
    assert photo_ids(store) == {} and vault_files(store) == []
    assert audit_rows(store, "staff.disabled") == [(SUPERVISOR, CLERK, "{}")]
    assert audit_rows(store, "staff.photo_removed") == [(SUPERVISOR, CLERK, "{}")]


def test_turning_off_an_account_already_off_removes_the_face_it_kept(
    store: Store,
    desk: StaffDesk,  # noqa: F811
) -> None:
    sup = desk.sign_in(SUPERVISOR, SUP_PIN)
    desk.set_photo(sup, CLERK, jpeg(S.face_frame()))
    store.apply_changes([entry(CLERK, seq=4, status="disabled", version=2)], "11")  # ministry
    assert set(photo_ids(store)) == {CLERK}
    desk.disable(sup, CLERK)
    assert photo_ids(store) == {} and vault_files(store) == []
    assert audit_rows(store, "staff.disabled") == []  # it was off already: not again
    assert audit_rows(store, "staff.photo_removed") == [(SUPERVISOR, CLERK, "{}")]
