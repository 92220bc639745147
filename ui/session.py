"""One citizen's visit: what they chose, typed and showed, and how to forget it all.

Everything a citizen enters lives here (and in the widgets showing it) until the application is
submitted or the session ends. `wipe()` forgets it; the caller deletes the session's temporary
folder and discards the unsubmitted draft from the store, both through the task helper (never
on the GUI thread).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily: this module is on the start-up path
    from kiosk.model import Attachment, Receipt

# Plain classes rather than dataclasses: @dataclass compiles its methods when the module is
# imported (~0.3 ms a class), and these are made before the attract screen is painted.


class DraftBox:
    """The draft's id as the db worker knows it. Jobs on the single db worker run in order, so
    create → save → discard/submit see the id even before the GUI thread hears of it."""

    def __init__(self, id: str | None = None, submitted: bool = False) -> None:
        self.id = id
        self.submitted = submitted


class Session:
    def __init__(
        self,
        locale: str = "km",
        service: Any = None,  # kiosk.catalog Service
        answers: dict[str, Any] | None = None,
        attachments: list[Attachment] | None = None,
        draft: DraftBox | None = None,
        receipt: Receipt | None = None,
        returning_to_check: bool = False,  # "Change" on check-your-answers: come back there
    ) -> None:
        self.locale = locale
        self.service = service
        self.answers: dict[str, Any] = {} if answers is None else answers
        self.attachments: list[Attachment] = [] if attachments is None else attachments
        self.draft = draft
        self.receipt = receipt
        self.returning_to_check = returning_to_check
        self._tmp_dir: Path | None = None

    @property
    def active(self) -> bool:
        """True once a citizen has chosen something worth forgetting."""
        return bool(self.service or self.answers or self.attachments or self.draft)

    @property
    def submitted(self) -> bool:
        return self.receipt is not None

    def temp_dir(self) -> Path:
        """A private folder for this session's temporary files (imports, previews)."""
        if self._tmp_dir is None:
            import tempfile

            self._tmp_dir = Path(tempfile.mkdtemp(prefix="sala-session-"))
        return self._tmp_dir

    def attachments_for(self, field_id: str) -> list[Attachment]:
        return sorted((a for a in self.attachments if a.field_id == field_id), key=lambda a: a.page)

    def set_attachments(self, field_id: str, items: list[Attachment]) -> None:
        self.attachments = [a for a in self.attachments if a.field_id != field_id] + list(items)

    def start(self, service: Any) -> None:
        """A new service: forget answers of any other one, keep the language."""
        self.service = service
        self.answers = {}
        self.attachments = []
        self.draft = DraftBox() if service is not None else None
        self.receipt = None
        self.returning_to_check = False

    def wipe(self) -> tuple[DraftBox | None, Path | None]:
        """Forget everything. Returns the draft to discard (the caller checks `submitted` on
        the db worker, where the truth is) and the temp folder to delete (off the GUI thread)."""
        draft, tmp = self.draft, self._tmp_dir
        self._tmp_dir = None
        self.locale = "km"
        self.start(None)
        return draft, tmp
