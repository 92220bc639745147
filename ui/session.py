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


class Draft:
    """The session's draft as the GUI thread knows it. `key` is what the db jobs file the
    draft under (`ui.citizen`); `id` is the registration id once the db worker has answered
    with it (None until then). Only the GUI thread writes it."""

    _next_key = 0

    def __init__(self) -> None:
        Draft._next_key += 1
        self.key = Draft._next_key
        self.id: str | None = None
        self.submitted = False


class Session:
    def __init__(
        self,
        locale: str = "km",
        service: Any = None,  # kiosk.catalog Service
        answers: dict[str, Any] | None = None,
        attachments: list[Attachment] | None = None,
        draft: Draft | None = None,
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
        self.draft = Draft() if service is not None else None
        self.receipt = None
        self.returning_to_check = False

    def wipe(self) -> tuple[Draft | None, Path | None]:
        """Forget everything. Returns the draft to discard (the caller asks the db worker,
        where the truth is, whether it was submitted) and the temp folder to delete (off the
        GUI thread)."""
        draft, tmp = self.draft, self._tmp_dir
        self._tmp_dir = None
        self.locale = "km"
        self.start(None)
        return draft, tmp
