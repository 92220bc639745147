"""The capture checks an attachment carries on the wire (PROTOCOL.md "Commit": `checks`):
what the kiosk measured on a photo or page (sharpness, exposure, glare … with their limits) and
a clerk's override, so the officer sees them and the second-look flags can count overrides.

Kiosks before this field sent none. A kiosk re-sending, after its upgrade, a commit or a
supplement it first sent without them is sending the same application: `without_checks` is
what the server compares with the held content then, so the retry gets the original answer
instead of a 409."""

from __future__ import annotations

from typing import Any

CHECKS = "checks"
MAX_CHECKS_CHARS = 4096  # a few dozen measures; the server refuses more (422)


def wire_checks(checks: Any) -> dict[str, Any]:
    """An attachment's `checks` as sent: the store keeps them as canonical JSON already (no NaN,
    a clerk override with a reason code only), so they go as they are; anything else, none."""
    return dict(checks) if isinstance(checks, dict) else {}


def without_checks(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` with no attachment's `checks`: a commit or supplement as a kiosk before the field
    sent it."""
    attachments = doc.get("attachments")
    if not isinstance(attachments, list):
        return doc
    plain = [
        {k: v for k, v in a.items() if k != CHECKS} if isinstance(a, dict) else a
        for a in attachments
    ]
    return {**doc, "attachments": plain}
