"""Which action screens the application view offers, by the application's status and the
signed-in role. The core refuses anything its status does not allow anyway (`ClerkError`);
this only keeps buttons that cannot work off the screen."""

from __future__ import annotations

from typing import Any

DECIDED = frozenset({"approved", "rejected", "collected", "purged"})
# (screen, the permission it needs), in the order the buttons show.
ACTIONS = (
    ("clerk_originals", "check_originals"),
    ("clerk_correct", "correct_answer"),
    ("clerk_supplement", "correct_answer"),
    ("clerk_override", "override_photo"),
    ("clerk_handover", "hand_over"),
    ("clerk_fee", "record_fee"),
)


def allowed_actions(view: Any, can: Any) -> list[str]:
    """The screens (`clerk_*`) a button may lead to for `view`; `can(action) -> bool`."""
    status = str(view.status)
    open_ = status not in DECIDED and not view.collected
    wanted = {
        "clerk_originals": view.originals_rule in ("before_upload", "at_pickup")
        and view.originals_state != "checked"
        and status not in ("rejected", "purged")
        and not view.collected,
        "clerk_correct": open_ and bool(view.answers) and not view.uploaded,
        "clerk_supplement": open_ and view.uploaded,
        "clerk_override": open_ and view.photo_media_id is not None and not view.overrides,
        "clerk_handover": status == "ready_for_pickup" and not view.collected,
        "clerk_fee": bool(view.fee_due)
        and view.fee_paid is None
        and status not in ("rejected", "purged"),
    }
    return [name for name, action in ACTIONS if wanted[name] and can(action)]
