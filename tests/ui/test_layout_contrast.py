"""Every text colour in the kiosk stylesheet is readable on its background: WCAG 2.x contrast
ratio at least 4.5:1 (AA for normal text), computed from the colours in kiosk.qss itself."""

from __future__ import annotations

import re
from importlib import resources

import pytest

AA = 4.5
PAGE, LIGHT = "#FFFFFF", "#F3F2F1"  # the page and the light panels (footer, cards)
_RULE = re.compile(r"([^{}]+)\{([^}]*)\}")
_PROP = re.compile(r"(?<![-\w])(color|background)\s*:\s*(#[0-9A-Fa-f]{6})")


def luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def colour_pairs() -> list[tuple[str, str, str]]:
    """(selector, text colour, background) for every rule that sets a text colour; a rule
    without its own background is checked against both the page and the light panels."""
    qss = (resources.files("assets") / "styles" / "kiosk.qss").read_text(encoding="utf-8")
    qss = re.sub(r"/\*.*?\*/", "", qss, flags=re.S)
    pairs = []
    for selector, body in _RULE.findall(qss):
        props = dict(_PROP.findall(body))
        if "color" not in props:
            continue
        backgrounds = [props["background"]] if "background" in props else [PAGE, LIGHT]
        if 'checked="true"' in selector:  # text on a chosen (dark blue) option
            backgrounds = ["#003078"]
        pairs += [(selector.strip(), props["color"], bg) for bg in backgrounds]
    return pairs


def test_the_formula_matches_known_values() -> None:
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)  # the classic fail


def test_every_text_colour_pair_meets_wcag_aa() -> None:
    pairs = colour_pairs()
    assert len(pairs) >= 15, pairs  # the parser really read the stylesheet
    weak = [
        f"{sel}: {fg} on {bg} = {contrast(fg, bg):.2f}"
        for sel, fg, bg in pairs
        if contrast(fg, bg) < AA
    ]
    assert not weak, "\n".join(weak)


def test_buttons_and_focus_colours() -> None:
    # Pairs that come from two rules (a button's fill and its label's colour).
    for fg, bg in [
        ("#FFFFFF", "#00703C"),
        ("#FFFFFF", "#003078"),
        ("#0B0C0C", "#FFDD00"),
        ("#0B0C0C", "#DDDDDD"),
        ("#B10E1E", "#FFFFFF"),
        ("#FFFFFF", "#0B0C0C"),
    ]:
        assert contrast(fg, bg) >= AA, (fg, bg)
