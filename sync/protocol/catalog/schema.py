"""The catalog's data model: services, their form fields and the conditions between fields.

Frozen dataclasses built only by the validator (sync/protocol/catalog/validate.py), so the
rest of the code can trust them. Answers are stored with the service id and version; a later
catalog never changes the meaning of a saved answer. The model is in the protocol because the
kiosk and the ministry's back office must judge a catalog alike (`kiosk.catalog` re-exports it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from sync.protocol.catalog.messages import message_text
from sync.protocol.catalog.text import Text

__all__ = [
    "ATTACHMENT_TYPES",
    "ORIGINALS_CHECKS",
    "Catalog",
    "CatalogError",
    "Condition",
    "ConditionOp",
    "Field",
    "FieldType",
    "Option",
    "OriginalsCheck",
    "Service",
    "Text",
    "set_general_next_steps",
]


class FieldType(StrEnum):
    """Every kind of question the form engine knows how to ask, normalise and check."""

    TEXT_KM = "text_km"  # Khmer script
    TEXT_LATIN = "text_latin"  # Latin script (names as in a passport)
    NUMBER = "number"
    DATE = "date"  # "YYYY-MM-DD", Gregorian
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"
    PHONE = "phone"  # Cambodian number, stored +855…
    NATIONAL_ID = "national_id"  # Khmer national ID card number
    ADDRESS = "address"  # gazetteer codes province → village
    PHOTO = "photo"  # face photo (an Attachment, not an answer)
    DOCUMENT = "document"  # photos of papers (Attachments, pages 0…)
    CONSENT = "consent"  # must be True


# Types whose value lives in attachments, not in the answers dict.
ATTACHMENT_TYPES = frozenset({FieldType.PHOTO, FieldType.DOCUMENT})

ConditionOp = Literal["equals", "not_equals", "in"]
OriginalsCheck = Literal["before_upload", "at_pickup", "none"]
ORIGINALS_CHECKS: tuple[OriginalsCheck, ...] = ("before_upload", "at_pickup", "none")


@dataclass(frozen=True)
class Condition:
    """A test on an earlier answer: `field` `op` `value` (for "in", value is a tuple).

    On a multi-choice answer, "equals" means "the value is one of those chosen".
    """

    field: str
    op: ConditionOp
    value: Any


@dataclass(frozen=True)
class Option:
    value: str
    label: Text


@dataclass(frozen=True)
class Field:
    """One question. `minimum`/`maximum` bound a NUMBER; on a DATE they bound the age in whole
    years on the day of validation (e.g. date of birth with minimum 18)."""

    id: str
    type: FieldType
    label: Text
    help: Text | None = None
    required: bool = True
    options: tuple[Option, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    date_past_only: bool = False
    show_if: Condition | None = None
    group: str | None = None
    min_pages: int = 1  # DOCUMENT only
    max_pages: int = 1  # DOCUMENT only
    # Additions to the ARCHITECTURE.md contract (all defaulted):
    required_if: Condition | None = None  # cross-field: required when this holds
    error_name: Text | None = None  # noun phrase for messages ("your date of birth")
    pattern_hint: Text | None = None  # what the pattern wants, said plainly
    searchable: bool = False  # the clerk's search indexes this answer (names, phones, numbers)

    def option_label(self, value: str) -> Text | None:
        for option in self.options:
            if option.value == value:
                return option.label
        return None


@dataclass(frozen=True)
class Service:
    id: str
    version: str
    name: Text
    description: Text
    fee_khr: int
    processing_days: int
    papers: tuple[Text, ...]
    fields: tuple[Field, ...]
    example_only: bool = True
    # Addition: step titles for grouped fields (group id -> heading); optional.
    groups: Mapping[str, Text] = field(default_factory=dict)
    # Addition: what the citizen does after sending (what to bring, where to collect), printed
    # on the receipt and shown on the confirmation; None: `what_next()` gives a general text.
    next_steps: Text | None = None
    # Addition (issue 12): when the clerk checks the original papers: "before_upload" (the
    # application waits for the check), "at_pickup" or "none".
    originals_check: OriginalsCheck = "none"

    def field(self, field_id: str) -> Field | None:
        for f in self.fields:
            if f.id == field_id:
                return f
        return None

    def what_next(self) -> Text:
        """This service's next steps, or the general ones when the catalog gives none: never a
        promise (like "bring your ID card") that may not hold. The general text is the kiosk's
        translation (`receipt.next_default`), handed in by `set_general_next_steps`."""
        if self.next_steps is not None:
            return self.next_steps
        if _general_next_steps is None:
            raise LookupError("no general next steps: kiosk.catalog sets them")
        return _general_next_steps()


# The kiosk's translated "what happens next" (the protocol holds no translations of its own);
# set when `kiosk.catalog` is imported.
_general_next_steps: Callable[[], Text] | None = None


def set_general_next_steps(source: Callable[[], Text]) -> None:
    """Say where `Service.what_next` finds the general text (called by `kiosk.catalog`)."""
    global _general_next_steps
    _general_next_steps = source


@dataclass(frozen=True)
class Catalog:
    version: str
    services: dict[str, Service]  # only the usable ones, in catalog order
    hidden: dict[str, str]  # service id -> why it is hidden (technician log)
    note: Text | None = None  # e.g. "fees and requirements are examples…"


class CatalogError(Exception):
    """A catalog file that cannot be used; names the file and the field path.

    `message` is the English sentence (as in logs); `text` says it in Khmer and English, and
    `code` + `params` name the problem (`messages.MESSAGES`) for anyone who words it again."""

    def __init__(
        self,
        path: str,
        field: str,
        message: str = "",
        *,
        code: str = "",
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.path = path
        self.field = field
        self.code = code
        self.params = dict(params or {})
        self.text: Text = message_text(code, **self.params) if code else Text(message, message)
        self.message = message or self.text.en
        where = f"{path}: {field}" if field else path
        super().__init__(f"{where}: {self.message}")
