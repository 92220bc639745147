"""One list of checks for `sala self-test`, the technician screen and the fleet report.

`run_checks(ctx)` runs them in order (the database check opens the store the three after it
use); an exception inside a check becomes a failure rather than stopping the list.
`fleet_report(results)` is what goes to the server: ids, statuses and measured values only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kiosk.diagnostics.devices import (
    REQUIRED_FONTS,
    FontError,
    check_camera,
    check_font,
    check_fonts,
    check_printer,
    check_scanner,
    judge_frames,
    probe_camera,
)
from kiosk.diagnostics.model import CameraSample, Context, Result, Status
from kiosk.diagnostics.store_checks import (
    MIN_FREE_BYTES,
    app_version,
    catalog_in_use,
    check_applications,
    check_audit,
    check_backlog,
    check_catalog,
    check_clock,
    check_data_dir,
    check_database,
    check_free_space,
    check_media,
    check_server,
    check_sync,
    check_version,
    free_space,
)

Check = Callable[[Context], Result]

# The order is the order of `sala self-test` and the technician screen.
CHECKS: tuple[tuple[str, Check], ...] = (
    ("data_dir", check_data_dir),
    ("free_space", check_free_space),
    ("database", check_database),
    ("applications", check_applications),
    ("audit", check_audit),
    ("media", check_media),
    ("catalog", check_catalog),
    ("fonts", check_fonts),
    ("camera", check_camera),
    ("printer", check_printer),
    ("scanner", check_scanner),
    ("clock", check_clock),
    ("server", check_server),
    ("backlog", check_backlog),
    ("sync", check_sync),
    ("version", check_version),
)
FLEET_REPORT_VERSION = 1


def run_checks(ctx: Context, only: Sequence[str] | None = None) -> list[Result]:
    """Every check (or those in `only`), in order; closes a store the checks opened."""
    results = []
    with ctx.session():
        for check_id, check in CHECKS:
            if only is not None and check_id not in only:
                continue
            try:
                results.append(check(ctx))
            except Exception as exc:  # StoreError, OSError, a bug: the list goes on
                why = f"{type(exc).__name__}: {exc}"
                results.append(Result(check_id, "fail", "diagnostics.failed", {"error": why}))
    return results


def fleet_report(results: Sequence[Result], *, at: str | None = None) -> dict[str, Any]:
    """The payload of the planned `POST /v1/device-report` (sync/PROTOCOL.md): no texts, no
    params (they may name files or quote errors), only ids, statuses and measured values."""
    counts: dict[str, int] = dict.fromkeys(("ok", "warn", "fail", "skipped"), 0)
    for r in results:
        counts[r.status] += 1
    return {
        "v": FLEET_REPORT_VERSION,
        "at": at,
        "summary": counts,
        "checks": [{"id": r.id, "status": r.status, "values": dict(r.values)} for r in results],
    }


__all__ = [
    "CHECKS",
    "MIN_FREE_BYTES",
    "REQUIRED_FONTS",
    "CameraSample",
    "Context",
    "FontError",
    "Result",
    "Status",
    "app_version",
    "catalog_in_use",
    "check_font",
    "fleet_report",
    "free_space",
    "judge_frames",
    "probe_camera",
    "run_checks",
]
