"""Staff photos on the sign-in cards: a face next to each name, so a clerk finds their own card
at a glance and a colleague notices someone signing in as somebody else.

Who: a supervisor (`Action.MANAGE_LOCAL_CLERKS`) sets, replaces or removes the photo of any
active account on this kiosk, their own included. A clerk does not set their own: the photo is
what others trust to match a face to a name, so a supervisor vouches for it. A photo may also
be removed from a turned-off account, and `StaffDesk.disable` removes it by itself.

Where: encrypted like citizens' media (`MediaVault`, the store's media key, AES-GCM, durable
write), but in a vault of its own, `<data_dir>/staff-photos/`: the store's orphan sweep
deletes media no registration attaches, and a staff photo never is attached. Which photo is
whose is the setting `staff.photos` ({staff id: sha256}), written in the same transaction as
its audit entry (`staff.photo_set` / `staff.photo_removed`: ids and a replaced flag, never the
image nor its hash). A replaced or removed photo's file is deleted at once.

The check is the citizen photo's (`kiosk.capture.check_face`), cut down to what matters for
recognising a colleague: exactly one face, not too dark, not too bright. The stored image is
the 413×531 portrait (`make_portrait`), tens of KB. OpenCV is imported only when a photo is
checked, so signing in and `sala status` do not load it.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from kiosk.staff.errors import NotAllowed, StaffError
from kiosk.staff.model import Action, Status
from kiosk.store.errors import StoreError
from kiosk.store.vault import MediaVault

if TYPE_CHECKING:
    import numpy as np

    from kiosk.capture.face import FaceReport
    from kiosk.staff.desk import StaffDesk
    from kiosk.staff.session import StaffSession
    from kiosk.store import Store

PHOTO_DIR = "staff-photos"
SETTING = "staff.photos"  # {staff id: sha256 of the stored JPEG}
MAX_INPUT_BYTES = 8_000_000  # a phone photo fits; anything larger is not a portrait
MAX_SIDE = 6000  # pixels, read from the JPEG's header: larger ones are never decoded
MIME = "image/jpeg"
JPEG_MAGIC = b"\xff\xd8\xff"


class PhotoRefused(StaffError):
    """The picture cannot be a staff photo; `message_key` says why in the staff member's words:
    `staff.photo.no_face`, `staff.photo.faces`, `staff.photo.dark`, `staff.photo.bright`,
    `staff.photo.unreadable`."""

    message_key = "staff.photo.unreadable"


def photo_vault(store: Store) -> MediaVault:
    """The staff photos' vault: the store's media key, its own folder (see the docstring)."""
    return store.vault.sibling(store.data_dir / PHOTO_DIR)


def photo_ids(store: Store) -> dict[str, str]:
    """{staff id: sha256} of every account with a photo."""
    held = store.get_setting(SETTING, {})
    return {str(k): str(v) for k, v in held.items()} if isinstance(held, dict) else {}


# -- the check -------------------------------------------------------------------------------
def refusal(report: FaceReport) -> PhotoRefused | None:
    """Why a checked frame cannot be a staff photo, or None when it can."""
    count = report.checks["face_count"].value or 0
    exposure = report.checks.get("exposure")
    if exposure is not None and exposure.too_low:
        return PhotoRefused("Too dark for a staff photo.", message_key="staff.photo.dark")
    if exposure is not None and exposure.too_high:
        return PhotoRefused("Too bright for a staff photo.", message_key="staff.photo.bright")
    if count == 0:
        return PhotoRefused("No face in the staff photo.", message_key="staff.photo.no_face")
    if count > 1:
        return PhotoRefused("More than one face.", message_key="staff.photo.faces")
    clipped = report.checks.get("clipped")
    if clipped is not None and not clipped.passed:
        return PhotoRefused("Too bright for a staff photo.", message_key="staff.photo.bright")
    return None


def portrait_from_frame(frame: np.ndarray, report: FaceReport | None = None) -> bytes:
    """The staff portrait (413×531 JPEG) cut from a camera frame; PhotoRefused when the frame
    does not show one face in fair light. Image work: run it off the GUI thread."""
    from kiosk.capture import check_face, make_portrait

    report = report if report is not None else check_face(frame)
    why = refusal(report)
    if why is not None:
        raise why
    return make_portrait(frame, report)


def checked_portrait(data: bytes) -> bytes:
    """Check a JPEG and return the portrait to store (the same bytes when they already are
    one). PhotoRefused when unreadable, too large, or failing the check.

    JPEG only, its size read from its header (`kiosk.capture.imports.jpeg_size`) before
    anything is decoded, so an image too large is refused without being decoded. (OpenCV
    inflates a PNG whole even for a reduced decode; the kiosk's camera gives JPEGs anyway.)"""
    import cv2
    import numpy as np

    from kiosk.capture import check_face, make_portrait
    from kiosk.capture import thresholds as T
    from kiosk.capture.errors import CaptureError
    from kiosk.capture.imports import jpeg_size

    if not data or len(data) > MAX_INPUT_BYTES or data[:3] != JPEG_MAGIC:
        raise PhotoRefused("Staff photo empty, too large or not a JPEG.")
    try:
        side = max(jpeg_size(data))
    except CaptureError:
        side = 0
    if not 0 < side <= MAX_SIDE:
        raise PhotoRefused("Staff photo unreadable or too large.")
    buf = np.frombuffer(data, np.uint8)
    image = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if image is None:
        raise PhotoRefused("Staff photo unreadable.")
    report = check_face(image)
    why = refusal(report)
    if why is not None:
        raise why
    h, w = image.shape[:2]
    if (w, h) == T.PORTRAIT_SIZE:
        return data
    return bytes(make_portrait(image, report))


# -- reading and writing -----------------------------------------------------------------------
def read_photos(
    store: Store, known: frozenset[str] = frozenset()
) -> dict[str, tuple[str, bytes | None]]:
    """{staff id: (sha256, JPEG bytes or None)}: None where the caller already holds that sha
    (the sign-in screen's small cache), so a photo is decrypted once per change. Active
    accounts only: one the ministry turned off (the roster, not `StaffDesk.disable`) keeps its
    stored photo until a supervisor removes it, but the sign-in cards no longer show the face."""
    vault = photo_vault(store)
    active = {r.id for r in store.staff_rows() if r.status == Status.ACTIVE.value}
    out: dict[str, tuple[str, bytes | None]] = {}
    for staff_id, sha in photo_ids(store).items():
        if staff_id not in active:
            continue
        if sha in known:
            out[staff_id] = (sha, None)
            continue
        try:
            out[staff_id] = (sha, vault.get(sha))
        except StoreError:  # a damaged or missing file: the card shows initials
            continue
    return out


def _target(desk: StaffDesk, session: StaffSession, staff_id: str, *, active: bool = True) -> None:
    """A supervisor's session, a known account, active unless only a removal is asked."""
    desk.authorise(session, Action.MANAGE_LOCAL_CLERKS)
    row = desk.member(staff_id)  # UnknownStaff
    if active and row.status is not Status.ACTIVE:
        raise NotAllowed(
            f"Staff account {staff_id} is turned off.", message_key="staff.photo.not_active"
        )


def set_photo(
    desk: StaffDesk, store: Store, session: StaffSession, staff_id: str, data: bytes
) -> str:
    """Check, store encrypted and assign `data` as `staff_id`'s photo (replacing any); returns
    the stored image's sha256. Nothing changes when any check fails."""
    _target(desk, session, staff_id)
    portrait = checked_portrait(data)  # slow-ish image work, before the lock
    vault = photo_vault(store)
    ref = vault.put(portrait, MIME)
    with store.staff_tx():
        _target(desk, session, staff_id)  # still active, still allowed
        held = photo_ids(store)
        old = held.get(staff_id)
        held[staff_id] = ref.sha256
        store.staff_put_setting(SETTING, held)
        store.audit.append(
            session.staff_id, "staff.photo_set", staff_id, {"replaced": old is not None}
        )
    _forget(vault, store)
    return ref.sha256


def remove_photo(desk: StaffDesk, store: Store, session: StaffSession, staff_id: str) -> bool:
    """Remove `staff_id`'s photo (the card shows initials again); False if there was none.
    Also for a turned-off account: a face is not kept for someone who left."""
    _target(desk, session, staff_id, active=False)
    with store.staff_tx():
        removed = unassign(store, session.staff_id, staff_id)
    if removed:
        sweep(store)
    return removed


def unassign(store: Store, actor: str, staff_id: str) -> bool:
    """Inside the caller's `staff_tx`: `staff_id` has no photo any more (audited by `actor`),
    so it commits with whatever else that transaction holds (`StaffDesk.disable`: an account
    turned off never keeps its face). False if it had none. `sweep` after the commit."""
    held = photo_ids(store)
    if staff_id not in held:
        return False
    del held[staff_id]
    store.staff_put_setting(SETTING, held)
    store.audit.append(actor, "staff.photo_removed", staff_id, {})
    return True


def sweep(store: Store) -> None:
    """After a commit that dropped or replaced a photo: delete the files nobody uses."""
    _forget(photo_vault(store), store)


def _forget(vault: MediaVault, store: Store) -> None:
    """Delete every stored staff photo nobody's card uses any more (a replaced or removed one,
    or one left by a write cut off before its commit). Runs on the db worker, after commit."""
    used = set(photo_ids(store).values())
    with contextlib.suppress(OSError):
        vault.sweep(lambda sha: sha in used, older_than_s=0.0)
