"""The clerk's action screens on one application (issue 12), registered by `ClerkJourney`.

Each is built as cls(ctx, journey) and entered with `journey.go(name, reg_id=...)`; the
names are fixed by the clerk-station contract (the application view's buttons use them).
"""

from ui.navigator import ScreenSpec

SCREENS: list[ScreenSpec] = [
    ("clerk_originals", "ui.clerk.actions.originals", "OriginalsScreen"),
    ("clerk_correct", "ui.clerk.actions.correct", "CorrectScreen"),
    ("clerk_supplement", "ui.clerk.actions.supplement", "SupplementScreen"),
    ("clerk_override", "ui.clerk.actions.override", "OverrideScreen"),
    ("clerk_handover", "ui.clerk.actions.handover", "HandoverScreen"),
    ("clerk_fee", "ui.clerk.actions.fee", "FeeScreen"),
    ("clerk_end_of_day", "ui.clerk.actions.end_of_day", "EndOfDayScreen"),
    ("clerk_assisted", "ui.clerk.actions.assisted", "AssistedScreen"),
]

__all__ = ["SCREENS"]
