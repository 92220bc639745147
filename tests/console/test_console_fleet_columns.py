"""The fleet page's last successful sync, clock skew and audit chain columns, against a real
`sala-server` fed by signed device reports and audit uploads; the page's queries do not grow
with the number of kiosks; the enrolment code's refusals in each language; axe and km/en
screenshots of the page with the new columns.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from sync.protocol import setup_qr
from tests.console.conftest import Console
from tests.console.seed import csrf_of
from tests.sync.conftest import Kiosk
from tests.sync.test_server_audit_upload import chain


def report(at: float, last_success: str | None, own_offset: float = 0.0) -> dict[str, Any]:
    """A report as kiosk.diagnostics.fleet_report makes it (the `sync` and `clock` checks'
    values; `at` is the kiosk's clock corrected by the offset it learned)."""
    return {
        "v": 1,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)),
        "summary": {"ok": 3, "warn": 0, "fail": 0, "skipped": 0},
        "checks": [
            {"id": "version", "status": "ok", "values": {"version": "1.5.0"}},
            {"id": "sync", "status": "ok", "values": {"last_success": last_success}},
            {"id": "clock", "status": "ok", "values": {"offset_seconds": own_offset}},
        ],
    }


def row_of(page: str, label: str) -> str:
    return page.split('<table class="list fleet">')[1].split(label)[1].split("</tr>")[0]


def cell(row: str, name: str) -> str:
    return row.split(f'<td class="{name}">')[1].split("</td>")[0]


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("fc_root", role="admin", ministry="*", jurisdiction="all")
    slow = Kiosk(console.server, label="Prek Pra hall").enrol(commune="120102")
    good = Kiosk(console.server, label="Boeung Tumpun hall").enrol(commune="120103")
    broken = Kiosk(console.server, label="Chak Angre hall").enrol(commune="120104")
    silent = Kiosk(console.server, label="Steung Meanchey hall").enrol(commune="120105")
    now = time.time()
    # the slow kiosk's clock is 10 minutes behind: its report says it was made 10 min ago
    r = slow.request("POST", "/v1/device-report", json_body=report(now - 600, None))
    assert r.status_code == 200, r.text
    # the good kiosk's own clock is an hour behind, and its sync client corrects it
    body = report(now, "2026-12-06T02:30:00Z", own_offset=3600.0)
    r = good.request("POST", "/v1/device-report", json_body=body)
    assert r.status_code == 200, r.text
    entries = chain(5)
    assert good.request("POST", "/v1/audit", json_body={"entries": entries}).status_code == 200
    body = {"entries": chain(2)}
    assert broken.request("POST", "/v1/audit", json_body=body).status_code == 200
    tampered = chain(4, tag="-x")[2:]  # seq 3 linked to another seq 2: a broken chain
    r = broken.request("POST", "/v1/audit", json_body={"entries": tampered})
    assert r.status_code == 409, r.text
    kiosks = {"slow": slow, "good": good, "broken": broken, "silent": silent}
    yield kiosks
    for k in kiosks.values():
        k.close()


def test_last_sync_skew_and_audit_chain_columns(console: Console, world: Any) -> None:
    root = console.signed_in("fc_root")
    root.cookies.set("sala_lang", "en", path="/console")
    page = root.get("/console/fleet").text
    for header in ("Last successful sync", "Clock skew", "Audit chain"):
        assert f"<th>{header}</th>" in page
    good = row_of(page, "Boeung Tumpun hall")
    assert cell(good, "last-sync") == "2026-12-06 09:30"  # 02:30 UTC in Cambodia time
    skew = cell(good, "skew")
    assert skew.split("<br>")[0].endswith(" s") and "own clock +1 h, corrected" in skew
    assert "✓ #5" in cell(good, "audit")
    slow = row_of(page, "Prek Pra hall")
    skew = cell(slow, "skew")
    assert 'class="flag warn"' in skew and "+10 min" in skew  # past the signature window
    assert "own clock" not in skew
    assert cell(slow, "last-sync") == "—"  # it reports no successful sync yet
    assert cell(slow, "audit") == "not uploaded yet"
    broken = row_of(page, "Chak Angre hall")
    assert 'class="flag bad"' in cell(broken, "audit") and "broken #3" in cell(broken, "audit")
    silent = row_of(page, "Steung Meanchey hall")
    assert (cell(silent, "last-sync"), cell(silent, "skew")) == ("—", "—")
    root.cookies.set("sala_lang", "km", path="/console")
    km = root.get("/console/fleet").text
    assert "<th>គម្លាត\u200bនាឡិកា</th>" in km and "<th>ខ្សែ\u200bសវនកម្ម</th>" in km
    assert "ខ្សែ\u200bដាច់ #3" in cell(row_of(km, "Chak Angre hall"), "audit")


def test_the_page_queries_do_not_grow_with_the_fleet(console: Console, world: Any) -> None:
    """One statement per column source for the whole page, however many kiosks: counted on the
    server's own database file with the function the page calls."""
    from sync.server.console import fleet

    def statements() -> int:
        seen: list[str] = []
        with console.server.engine() as engine:
            event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
            fleet.kiosks(engine)
        return len(seen)

    before = statements()
    more = [Kiosk(console.server, label=f"extra {i}").enrol(commune="120106") for i in range(4)]
    for k in more:
        assert k.request("POST", "/v1/audit", json_body={"entries": chain(1)}).status_code == 200
    assert statements() == before
    for k in more:
        k.close()


def test_enrolment_code_refusals_in_each_language(console: Console, world: Any) -> None:
    root = console.signed_in("fc_root")
    csrf = csrf_of(root)
    for lang, commune_text, hours_text in (
        ("km", "លេខ\u200bកូដ\u200bឃុំ\u200bត្រូវ\u200bមាន ៦ ខ្ទង់", "ពី ១ ដល់ 336"),
        ("en", "commune code must be 6 digits", "hours: 1 to 336"),
    ):
        root.cookies.set("sala_lang", lang, path="/console")
        r = root.post("/console/fleet/codes", data={"csrf": csrf, "commune": "12010"})
        assert r.status_code == 422 and commune_text in r.text
        bad = {"csrf": csrf, "commune": "120101", "ttl_hours": "999"}
        r = root.post("/console/fleet/codes", data=bad)
        assert r.status_code == 422 and hours_text in r.text
        if lang == "km":  # no English detail inside the Khmer message
            message = r.text.split('class="alert error" role="alert">')[1].split("</p>")[0]
            assert "hours" not in message and "digits" not in message
    # plain http: the fingerprint cannot be known here, so the page asks for it and says why
    page = root.get("/console/fleet").text
    assert 'id="ca_sha256"' in page and "does not run TLS itself" in page
    r = root.post(
        "/console/fleet/codes", data={"csrf": csrf, "commune": "120101", "ca_sha256": "cd" * 32}
    )
    assert r.status_code == 200 and "data:image/png;base64," in r.text
    text = r.text.split('<p class="mono">')[1].split("</p>")[0]
    assert setup_qr.parse_enrolment_qr(text.replace("&amp;", "&"))["ca_sha256"] == "cd" * 32


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["km", "en"])
def test_fleet_columns_pass_axe(
    browser: Any, console: Console, world: Any, shots: Path, lang: str
) -> None:
    from tests.console.test_console_axe import serious
    from tests.console.test_console_browser import new_page, shoot

    page = new_page(browser, lang)
    console.open_signed_in(page, "fc_root", lang)
    page.goto(f"{console.url}/console/fleet")
    assert page.locator("td.audit .flag.bad").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    problems = serious(page, f"fleet-{lang}")
    page.locator("table.fleet").scroll_into_view_if_needed()
    shoot(page, shots, f"fleet-columns-table-{lang}")
    page.fill("#commune", "120107")
    page.click("form.codes button[type=submit]")
    assert page.locator(".qr svg").count() == 1
    problems += serious(page, f"fleet-code-{lang}")
    shoot(page, shots, f"fleet-columns-code-{lang}")
    page.context.close()
    assert not problems, "\n".join(problems)
