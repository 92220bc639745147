"""One error shape for every refusal: `{"error": code, "message": English sentence}`."""

from __future__ import annotations

import json
from typing import Any

from sync import protocol as p


class ApiError(Exception):
    """Raised anywhere in a request; the app turns it into a JSON response with `status`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}


def json_body(raw: bytes) -> Any:
    """A request body parsed for hashing and storing, or 400 `bad_json`.

    FastAPI's parser takes NaN/Infinity and lone surrogate escapes (`"\\ud800"`); neither has
    a canonical UTF-8 spelling, so hashing them would fail with a 500 instead of a refusal.
    """
    try:
        doc = json.loads(raw, parse_constant=p.refuse_constant)
        p.canonical_json(doc)
    except ValueError as exc:  # UnicodeEncodeError is a ValueError
        raise ApiError(
            400, "bad_json", "The body is not valid JSON text (NaN, Infinity or a lone surrogate)."
        ) from exc
    return doc
