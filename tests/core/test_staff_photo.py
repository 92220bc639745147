"""Staff photos (kiosk/staff/photo.py) on a real store, with real pictures made through OpenCV
from the real portrait in tests/fixtures/capture: a supervisor sets, replaces and removes a
photo, stored encrypted and audited without the image; bad pictures are refused in Khmer and
English with nothing changed; a clerk may not; the photo outlives a reopen and the orphan
sweep."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.i18n import error_text
from kiosk.staff import NotAllowed, PhotoRefused, StaffDesk, UnknownStaff
from kiosk.staff.photo import PHOTO_DIR, SETTING, photo_ids
from kiosk.store import Store
from tests.core.conftest import ManualClock
from tests.core.test_staff_support import (
    CLERK,
    CLERK_PIN,
    SUP_PIN,
    SUPERVISOR,
    TECH,
    assert_audit_clean,
    desk_with_roster,
    entry,
)
from tests.fixtures.capture import scenes as S


def png(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    assert ok
    return buf.tobytes()


def jpeg(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buf.tobytes()


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def audit_rows(store: Store, action: str) -> list[tuple[str, str, str]]:
    return store._conn.execute(
        "SELECT actor, subject, details FROM audit WHERE action = ? ORDER BY seq", (action,)
    ).fetchall()


def vault_files(store: Store) -> list[Path]:
    root = store.data_dir / PHOTO_DIR
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


@pytest.fixture
def desk(store: Store, clock: ManualClock) -> StaffDesk:
    return desk_with_roster(store, clock)


def test_supervisor_sets_replaces_and_removes_a_photo(store: Store, desk: StaffDesk) -> None:
    sup = desk.sign_in(SUPERVISOR, SUP_PIN)
    sha = desk.set_photo(sup, CLERK, jpeg(S.face_frame()))
    assert photo_ids(store) == {CLERK: sha}
    (staff_id, (held_sha, data)), *_ = desk.photos().items()
    assert (staff_id, held_sha) == (CLERK, sha) and data is not None
    assert decode(data).shape == (531, 413, 3) and len(data) <= 60_000  # the portrait
    # encrypted at rest: one file, named by the hash, no JPEG inside
    (path,) = vault_files(store)
    assert path.name == sha and b"\xff\xd8\xff" not in path.read_bytes()[:64]
    assert data not in path.read_bytes()

    # replaced: the old file goes, the audit says it replaced one
    new_sha = desk.set_photo(sup, CLERK, jpeg(S.face_frame(scale=2.1, dx=12)))
    assert new_sha != sha and photo_ids(store) == {CLERK: new_sha}
    assert [p.name for p in vault_files(store)] == [new_sha]
    rows = audit_rows(store, "staff.photo_set")
    assert [(r[0], r[1]) for r in rows] == [(SUPERVISOR, CLERK)] * 2
    assert [r[2] for r in rows] == ['{"replaced":false}', '{"replaced":true}']

    # the supervisor's own photo too; the clerk's removal leaves it
    own = desk.set_photo(sup, SUPERVISOR, jpeg(S.face_frame(scale=2.0)))
    assert desk.remove_photo(sup, CLERK) is True
    assert photo_ids(store) == {SUPERVISOR: own}
    assert [p.name for p in vault_files(store)] == [own]
    assert desk.remove_photo(sup, CLERK) is False  # nothing to remove: nothing audited
    assert audit_rows(store, "staff.photo_removed") == [(SUPERVISOR, CLERK, "{}")]
    for _actor, _subject, details in audit_rows(store, "staff.photo_set"):
        assert new_sha not in details and own not in details and sha not in details
    assert_audit_clean(store, SUP_PIN)


def test_known_photos_are_not_read_again(store: Store, desk: StaffDesk) -> None:
    sup = desk.sign_in(SUPERVISOR, SUP_PIN)
    sha = desk.set_photo(sup, TECH, jpeg(S.face_frame()))
    assert desk.photos(frozenset({sha})) == {TECH: (sha, None)}
    got = desk.photos()[TECH]
    assert got[0] == sha and got[1] is not None


@pytest.mark.parametrize(
    ("picture", "key", "en"),
    [
        (lambda: jpeg(S.two_faces()), "staff.photo.faces", "More than one face"),
        (lambda: jpeg(S.darker(0.25)), "staff.photo.dark", "too dark"),
        (lambda: jpeg(S.no_face()), "staff.photo.no_face", "No face"),
        (lambda: b"\xff\xd8\xff not really a jpeg", "staff.photo.unreadable", "cannot be used"),
        (lambda: b"", "staff.photo.unreadable", "cannot be used"),
        # a good face as PNG: a PNG is inflated whole before its size is known (a bomb)
        (lambda: png(S.face_frame()), "staff.photo.unreadable", "cannot be used"),
        # wider than MAX_SIDE by its header: refused before it is decoded
        (lambda: jpeg(np.full((200, 6400, 3), 128, np.uint8)), "staff.photo.unreadable", "cannot"),
    ],
)
def test_bad_pictures_are_refused_in_both_languages_and_nothing_changes(
    store: Store, desk: StaffDesk, picture, key: str, en: str
) -> None:
    sup = desk.sign_in(SUPERVISOR, SUP_PIN)
    sha = desk.set_photo(sup, CLERK, jpeg(S.face_frame()))
    before = store.audit.head()
    with pytest.raises(PhotoRefused) as info:
        desk.set_photo(sup, CLERK, picture())
    assert info.value.message_key == key
    assert en in error_text(info.value, "en")
    km = error_text(info.value, "km")
    assert any("\u1780" <= ch <= "\u17ff" for ch in km) and km != key
    assert photo_ids(store) == {CLERK: sha} and [p.name for p in vault_files(store)] == [sha]
    assert store.audit.head() == before


def test_a_clerk_may_not_and_a_turned_off_account_cannot_change(
    store: Store, desk: StaffDesk
) -> None:
    clerk = desk.sign_in(CLERK, CLERK_PIN)
    with pytest.raises(NotAllowed):
        desk.set_photo(clerk, CLERK, jpeg(S.face_frame()))  # not even one's own
    with pytest.raises(NotAllowed):
        desk.remove_photo(clerk, SUPERVISOR)
    sup = desk.sign_in(SUPERVISOR, SUP_PIN)
    with pytest.raises(UnknownStaff):
        desk.set_photo(sup, "0190f0c2-0000-7000-8000-00000000dead", jpeg(S.face_frame()))
    desk.set_photo(sup, CLERK, jpeg(S.face_frame()))
    desk.disable(sup, CLERK)  # no face kept for someone who left: removed, audited
    assert photo_ids(store) == {} and vault_files(store) == []
    assert audit_rows(store, "staff.photo_removed") == [(SUPERVISOR, CLERK, "{}")]
    with pytest.raises(NotAllowed) as info:
        desk.set_photo(sup, CLERK, jpeg(S.face_frame()))
    assert info.value.message_key == "staff.photo.not_active"
    assert "turned off" in error_text(info.value, "en")
    assert photo_ids(store) == {} and vault_files(store) == []
    assert len(audit_rows(store, "staff.photo_set")) == 1


def test_the_photo_outlives_a_reopen_the_orphan_sweep_and_a_roster_update(
    data_dir: Path, clock: ManualClock
) -> None:
    store = Store.open(data_dir, commune_code="120101", clock=clock)
    desk = desk_with_roster(store, clock)
    sup = desk.sign_in(SUPERVISOR, SUP_PIN)
    sha = desk.set_photo(sup, CLERK, jpeg(S.face_frame()))
    store.apply_changes([entry(CLERK, seq=4, pin=CLERK_PIN, version=2)], "11")
    store.close()
    clock.advance(days=3)
    store = Store.open(data_dir, commune_code="120101", clock=clock, orphan_hours=0)
    try:
        store.sweep_orphans(older_than_hours=0)
        desk = StaffDesk(store, clock=clock)
        assert desk.photos()[CLERK][0] == sha
        assert store.get_setting(SETTING) == {CLERK: sha}
    finally:
        store.close()


def test_an_account_the_ministry_turned_off_shows_no_face(store: Store, desk: StaffDesk) -> None:
    """Turned off through the roster (the back office), not by a supervisor here: the photo is
    no longer handed to the sign-in cards."""
    sup = desk.sign_in(SUPERVISOR, SUP_PIN)
    desk.set_photo(sup, CLERK, jpeg(S.face_frame()))
    assert set(desk.photos()) == {CLERK}
    store.apply_changes([entry(CLERK, seq=4, status="disabled", version=2)], "11")
    assert desk.photos() == {}
