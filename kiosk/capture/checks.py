"""One measured check: its value, the range it must fall in, and whether it passed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Check:
    """A measured value against its limits (either limit may be absent)."""

    name: str
    value: float | None
    low: float | None = None
    high: float | None = None

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        if self.low is not None and self.value < self.low:
            return False
        return not (self.high is not None and self.value > self.high)

    @property
    def too_low(self) -> bool:
        return self.value is not None and self.low is not None and self.value < self.low

    @property
    def too_high(self) -> bool:
        return self.value is not None and self.high is not None and self.value > self.high

    def as_dict(self) -> dict[str, Any]:
        value = None if self.value is None else round(float(self.value), 3)
        return {"value": value, "low": self.low, "high": self.high, "passed": self.passed}
