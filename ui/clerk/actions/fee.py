"""The fee: the catalog's amount for this application's answers, the amount received typed on
a keypad, and the paper receipt-book number.

The anti-broker point (issue 12): the kiosk never records an amount other than the catalog's.
The desk refuses it (`ClerkDesk.record_fee`, the one owner of the rule); the screen says so
before asking, in the clerk's language, and keeps what was typed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import format_khr, to_ascii_digits
from ui.clerk.actions.base import ActionScreen, line_edit
from ui.clerk.actions.keypad import Keypad, pad_box
from ui.widgets.basic import wrap_label


class FeeScreen(ActionScreen):
    name = "clerk_fee"
    title_key = "clerk.act.fee.title"
    primary_key = "clerk.act.fee.record"

    def build(self, content: QWidget) -> None:
        col = QVBoxLayout(content)
        col.setContentsMargins(0, 0, 0, 0)
        self.due = wrap_label(role="subheading")
        self.due.setObjectName("clerkFeeDue")
        self.paid = wrap_label(role="notice")
        self.paid.setObjectName("clerkFeePaid")
        self.paid.hide()
        row = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.due)
        left.addWidget(self.paid)
        self.amount_label = wrap_label(role="body")
        self.amount = pad_box("clerkFeeAmount")
        self.amount_words = wrap_label(role="hint")
        self.amount_words.setObjectName("clerkFeeAmountWords")
        self.book_label = wrap_label(role="body")
        self.book = line_edit("clerkFeeBook", "num")
        self.book.setMaxLength(30)
        for w in (self.amount_label, self.amount, self.amount_words, self.book_label, self.book):
            left.addWidget(w)
        left.addStretch(1)
        self.keypad = Keypad(self.amount, max_len=9)
        self.keypad.changed.connect(self._on_amount)
        row.addLayout(left, 1)
        row.addWidget(self.keypad, 0, Qt.AlignmentFlag.AlignTop)
        col.addLayout(row)

    def clear(self) -> None:
        self.amount.clear()
        self.book.clear()
        self.amount_words.clear()
        self.paid.hide()

    def fee_due(self) -> int | None:
        return None if self.view is None else self.view.fee_due

    def show_view(self) -> None:
        self.amount_label.setText(self.tr("clerk.act.fee.amount"))
        self.book_label.setText(self.tr("clerk.act.fee.book"))
        self.keypad.retranslate(self.lang)
        self._on_amount(self.amount.text())
        due = self.fee_due()
        if self.view is None:
            self.due.setText("")
            return
        if not due:
            self.due.setText(self.tr("clerk.act.fee.none"))
        else:
            self.due.setText(self.tr("clerk.act.fee.due", amount=format_khr(due, self.lang)))
        paid = getattr(self.view, "fee_paid", None)
        self.paid.setVisible(paid is not None)
        if paid is not None:
            amount, book = _paid_parts(paid)
            self.paid.setText(
                self.tr("clerk.act.fee.already", amount=format_khr(amount, self.lang), book=book)
            )
        self.primary.setEnabled(bool(due) and paid is None and not self._busy)

    def _on_amount(self, text: str) -> None:
        self.amount_words.setText(format_khr(int(text), self.lang) if text else "")

    def act(self) -> None:
        due, reg_id = self.fee_due(), self.reg_id
        text = self.amount.text()
        book = to_ascii_digits(self.book.text()).strip()
        if not text:
            self.show_error(self.tr("clerk.act.fee.no_amount"))
            return
        amount = int(text)
        if not due or amount != due:
            self.show_error(
                self.tr(
                    "clerk.act.fee.wrong",
                    amount=format_khr(amount, self.lang),
                    due=format_khr(due or 0, self.lang),
                )
            )
            return
        if not book:
            self.show_error(self.tr("clerk.act.fee.no_book"))
            self.book.setFocus()
            return
        self.call(lambda desk: desk.record_fee(reg_id, amount, book), self._on_recorded)

    def _on_recorded(self, _result: Any) -> None:
        self.show_done(self.tr("clerk.act.fee.done"))
        self.load()


def _paid_parts(paid: Any) -> tuple[int, str]:
    """(amount, receipt-book number) from the view's `fee_paid` (a tuple or a record)."""
    if isinstance(paid, tuple | list):
        return int(paid[0]), str(paid[1])
    return int(paid.amount_riel), str(paid.receipt_book_no)
