"""One error shape for every refusal: `{"error": code, "message": English sentence}`."""

from __future__ import annotations

from typing import Any


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
