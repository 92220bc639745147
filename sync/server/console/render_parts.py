"""Pieces of pages built in Python, not in a Jinja loop (issue 13 "Scale").

A filter's list can hold every commune of the country (1,661 for a headquarters account): as a
Jinja loop each option is a test, an escape and a join, then most of such a queue page's
rendering. Built here, each is one escape and one f-string, the same HTML byte for byte. (The
queue's rows stay in the template, made cheaper there: words as items of `w`, i18n.Words, not
`t()` calls; `|day`, a filter, not a call; `r['…']`, a dict's item, not a failed attribute.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from markupsafe import Markup, escape

from sync.server.console.i18n import Words


def options(
    values: Iterable[str], selected: str, label: Callable[[str], object] | None = None
) -> Markup:
    """`<option>`s of a `<select>`, `selected` marked. Without `label` the value is the text
    (`<option>12</option>`); with it, `<option value="…">label(value)</option>` (escaped,
    unless the label is already markup, e.g. a Jinja macro's output)."""
    parts: list[str] = []
    for value in values:
        mark = " selected" if value == selected else ""
        if label is None:
            parts.append(f"<option{mark}>{escape(value)}</option>")
        else:
            parts.append(f'<option value="{escape(value)}"{mark}>{escape(label(value))}</option>')
    return Markup("".join(parts))


def in_lang(names: Mapping[str, Mapping[str, str]], lang: str) -> Words:
    """id → its name in `lang` (e.g. the services' {"km": …, "en": …}), the id itself when it
    has none: one lookup per row instead of a macro call."""
    return Words({key: pair.get(lang, key) for key, pair in names.items()})
