"""The three second-look settings an admin may change: the audit sample's share per commune
(`console.audit_share`), the hall's opening hours (`console.hall_hours`) and the kiosk photo
override rule (`console.override_share`).

Each is checked here, from the settings page's fields or the CLI's JSON, into exactly the shape
its reader (audit_sample.rule, flags.hours, flags.override_share) accepts, so a saved value is
never silently ignored by them. A refusal is a SettingError with an i18n key (`set_…`). Saving
is audited with the old and new values. Hall hours stay one server-wide setting: the flag is
computed when an application's keys are first derived (flags.refresh_keys), and a per-hall rule
would need a hall table the server does not have; new hours apply to applications received
from then on.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import Connection, Engine

from sync import protocol as p
from sync.server import db, officers
from sync.server.console import audit_sample, flags
from sync.server.console.accounts import Account

KEYS = {
    "audit_share": "console.audit_share",
    "hall_hours": "console.hall_hours",
    "override_share": "console.override_share",
}
HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
COMMUNES_MAX = 2000
OVERRIDE_DAYS_MAX = 365


class SettingError(ValueError):
    """`code` is an i18n key; `values` fill its sentence."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(f"{code} {values}" if values else code)
        self.code = code
        self.values = values


def _percent(text: str, code: str) -> float:
    """A share given in percent (0 to 100, "2" or "2.5"), as a fraction."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise SettingError(code, value=text.strip()[:20]) from None
    if not 0 <= value <= 100 or value != value:
        raise SettingError(code, value=text.strip()[:20])
    return round(value / 100, 6)


def audit_share(share: str, communes: str) -> dict[str, Any]:
    """`share` in percent; `communes` one "CODE PERCENT" per line (a commune's own share)."""
    out: dict[str, float] = {}
    for n, line in enumerate(communes.splitlines(), start=1):
        parts = line.replace("=", " ").replace(":", " ").split()
        if not parts:
            continue
        if len(parts) != 2 or not p.is_ascii_digits(parts[0], 6):
            raise SettingError("set_bad_commune_line", line=n)
        out[parts[0]] = _percent(parts[1], "set_bad_percent")
    if len(out) > COMMUNES_MAX:
        raise SettingError("set_too_many_communes", n=COMMUNES_MAX)
    return {"share": _percent(share, "set_bad_percent"), "communes": out}


def hall_hours(days: list[str], opens: str, closes: str) -> dict[str, Any]:
    """Days as "0".."6" (Monday = 0), times as HH:MM (Cambodia), opening before closing."""
    try:
        picked = sorted({int(d) for d in days})
    except ValueError:
        raise SettingError("set_bad_days") from None
    if not picked or any(not 0 <= d <= 6 for d in picked):
        raise SettingError("set_bad_days")
    opens, closes = opens.strip(), closes.strip()
    if not HHMM.fullmatch(opens) or not HHMM.fullmatch(closes):
        raise SettingError("set_bad_time")
    if opens >= closes:
        raise SettingError("set_open_after_close")
    return {"days": picked, "open": opens, "close": closes}


def override_share(days: str, share: str, least: str) -> dict[str, Any]:
    """Over the last `days` (1..365), a kiosk is flagged past `share` percent of its
    applications with a photo override, once it has at least `least` (>= 1) applications."""
    try:
        n_days, n_least = int(days.strip()), int(least.strip())
    except ValueError:
        shown = f"{days.strip()[:10]} / {least.strip()[:10]}"
        raise SettingError("set_bad_whole", value=shown) from None
    if not 1 <= n_days <= OVERRIDE_DAYS_MAX:
        raise SettingError("set_bad_days_back", n=OVERRIDE_DAYS_MAX)
    if not 1 <= n_least <= 1_000_000:
        raise SettingError("set_bad_least")
    return {"days": n_days, "share": _percent(share, "set_bad_percent"), "min": n_least}


def from_json(name: str, text: str) -> dict[str, Any]:
    """The CLI's form: a JSON object of the setting's shape, checked by the same rules."""
    try:
        value = json.loads(text)
    except ValueError:
        raise SettingError("set_bad_json") from None
    if not isinstance(value, dict):
        raise SettingError("set_bad_json")
    try:
        if name == "audit_share":
            communes = value.get("communes") or {}
            if not isinstance(communes, dict):
                raise SettingError("set_bad_json")
            lines = "\n".join(f"{c} {float(v) * 100}" for c, v in communes.items())
            return audit_share(str(float(value["share"]) * 100), lines)
        if name == "hall_hours":
            return hall_hours([str(d) for d in value["days"]], value["open"], value["close"])
        if name == "override_share":
            share = str(float(value["share"]) * 100)
            return override_share(str(value["days"]), share, str(value["min"]))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, SettingError):
            raise
        raise SettingError("set_bad_json") from None
    raise SettingError("set_unknown", name=name)


def current(conn: Connection) -> dict[str, dict[str, Any]]:
    """What the readers use now (the saved value where well formed, else their default)."""
    rule = audit_sample.rule(conn)
    return {
        "audit_share": {"share": rule.share, "communes": dict(sorted(rule.communes.items()))},
        "hall_hours": dict(flags.hours(conn)),
        "override_share": dict(flags.override_share(conn)),
    }


def audit_refusal(engine: Engine, actor: Account, name: str, code: str) -> None:
    """A refused change (nothing saved), in the same audit as the changes."""
    with engine.begin() as conn:
        officers.record(
            conn, actor.as_token_officer(), "console_setting", KEYS[name], f"refused:{code}"
        )


def save(engine: Engine, actor: Account | None, name: str, value: dict[str, Any]) -> None:
    """Store one setting and audit it (old and new values) in one transaction."""
    if name not in KEYS:
        raise SettingError("set_unknown", name=name)
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    with engine.begin() as conn:
        old = db.get_setting(conn, KEYS[name]) or "default"
        db.set_setting(conn, KEYS[name], text)
        officers.record(
            conn,
            actor.as_token_officer() if actor else None,
            "console_setting",
            KEYS[name],
            "ok",
            detail=f"{old} -> {text}"[:2000],
            who="cli",
        )
