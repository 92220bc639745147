"""Why a clerk accepted a photo that failed a check: a fixed list of reason codes.

A free-text reason ends up in the audit log and in `attachments.checks`, both plaintext and
kept forever (the audit is append-only), and a clerk will type the citizen's name or medical
condition into it. So the store takes only these codes (`check_reason`); the screens show
their Khmer/English labels (`core.override.<code>` in assets/translations).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class OverrideReason(StrEnum):
    GLASSES_GLARE = "glasses_glare"  # glasses that cannot come off, reflecting the light
    MEDICAL = "medical"  # a condition of the eyes or face (not named: that is health data)
    RELIGIOUS_HEADWEAR = "religious_headwear"
    CHILD_UNDER_5 = "child_under_5"  # cannot hold still or look straight
    DISABILITY = "disability"  # cannot stand or sit in the frame as asked
    CAMERA_FAULT = "camera_fault"  # the camera or light is at fault, the citizen cannot wait


def label_key(reason: OverrideReason | str) -> str:
    """The i18n key of a reason's label."""
    return f"core.override.{OverrideReason(reason).value}"


class OverrideReasonError(ValueError):
    """Not one of the fixed codes (free text is refused: it would stay in plaintext forever)."""

    message_key = "store.override_reason"


def check_reason(value: object) -> OverrideReason:
    """The reason code, or OverrideReasonError naming the allowed ones."""
    if isinstance(value, str) and value in OverrideReason.__members__.values():
        return OverrideReason(value)
    allowed = ", ".join(r.value for r in OverrideReason)
    raise OverrideReasonError(
        f"Override reason must be one of {allowed}; free text is not kept "
        "(it would stay in plaintext in the audit log)."
    )


def check_override_details(details: Mapping[str, Any]) -> None:
    """Refuse a free-text `reason` in an override's audit details or `checks["override"]`."""
    if "reason" in details:
        check_reason(details["reason"])
