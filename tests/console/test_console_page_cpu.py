"""What the queue and application pages' CPU cuts (issue 13 "Scale") must keep: the filters'
options the same HTML as the Jinja loops they replaced, and a supervisor's "assign to" and
"reassign" lists the same officers as before (colleagues.py reads fewer rows, not other ones).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jinja2 import Environment, select_autoescape
from sqlalchemy import update

from sync.server import db
from sync.server.console.render_parts import options
from tests.console.conftest import Console
from tests.sync.conftest import Kiosk

TRICKY = ["12", "<b>&\"'", "1201", ""]


def jinja(source: str, **values: Any) -> str:
    env = Environment(autoescape=select_autoescape(default_for_string=True))
    env.globals["options"] = options
    return env.from_string(source).render(**values)


@pytest.mark.parametrize("selected", ["1201", "<b>&\"'", "none of them"])
def test_options_are_the_html_of_the_loops_they_replaced(selected: str) -> None:
    loop = (
        "{% for c in xs %}<option{% if c == sel %} selected{% endif %}>{{ c }}</option>{% endfor %}"
    )
    assert jinja("{{ options(xs, sel) }}", xs=TRICKY, sel=selected) == jinja(
        loop, xs=TRICKY, sel=selected
    )
    names = {"12": "ខេត្ត <12>", "1201": "A & B"}
    macro = "{% macro svc(id) %}{{ names.get(id, id) }}{% endmacro %}"
    labelled = (
        macro + '{% for s in xs %}<option value="{{ s }}"{% if s == sel %} selected{% endif %}>'
        "{{ svc(s) }}</option>{% endfor %}"
    )
    ours = jinja(macro + "{{ options(xs, sel, svc) }}", xs=TRICKY, sel=selected, names=names)
    assert ours == jinja(labelled, xs=TRICKY, sel=selected, names=names)
    assert "&lt;b&gt;&amp;" in ours and "<b>" not in ours  # escaped once, never raw
    assert ours.count(" selected") == (1 if selected in TRICKY else 0)


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    for name, role, ministry, where in (
        ("sup12", "supervisor", "interior", "12"),
        ("off12", "officer", "interior", "12"),
        ("off1201", "officer", "interior", "1201"),
        ("off13", "officer", "interior", "13"),  # another province: not for 120101
        ("anyone", "officer", "*", "all"),  # every ministry's
        ("trade12", "officer", "commerce", "12"),  # another ministry
        ("gone12", "officer", "interior", "12"),  # disabled below
        ("boss", "admin", "*", "all"),
    ):
        console.add_account(name, role=role, ministry=ministry, jurisdiction=where)
    with console.server.engine() as engine, engine.begin() as conn:
        o = db.console_officers
        conn.execute(update(o).where(o.c.username == "gone12").values(disabled_at=1.0))
    kiosk = Kiosk(console.server).enrol()
    app = console.submit(kiosk)[0]
    yield {"app": app}
    kiosk.close()


def listed(html: str, select_id: str) -> list[str]:
    found = re.search(rf'<select id="{select_id}" name="to">(.*?)</select>', html, re.S)
    assert found, html[-800:]
    return re.findall(r"\(([a-z0-9]+)\)</option>", found.group(1))


def test_a_supervisor_picks_from_the_same_officers(console: Console, world: Any) -> None:
    sup = console.signed_in("sup12")
    queue = sup.get("/console/queue", params={"queue": "new"})
    assert queue.status_code == 200
    # the queue's bulk list: the supervisor's ministry and every ministry's accounts, enabled,
    # no admin (jurisdiction is checked per application when assigned)
    assert listed(queue.text, "bulk-to") == sorted(["anyone", "off12", "off1201", "off13", "sup12"])
    page = sup.get(f"/console/applications/{world['app']}")
    assert page.status_code == 200
    # the application's list: also only those whose jurisdiction covers its commune 120101
    assert listed(page.text, "to") == sorted(["anyone", "off12", "off1201", "sup12"])
    # an officer is shown no list at all
    officer = console.signed_in("off12")
    assert '<select id="to"' not in officer.get(f"/console/applications/{world['app']}").text


def test_the_session_is_checked_before_the_application_id(console: Console, world: Any) -> None:
    """The two busiest pages check the session in the handler, not as a dependency: an ended
    session still goes to sign-in first, and a signed-in officer gets the same 422 as before."""
    anonymous = httpx.Client(base_url=console.url)
    for path in (
        "/console/queue",
        "/console/applications/not-an-id",
        f"/console/applications/{world['app']}",
    ):
        r = anonymous.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/console/signin?ended=1"
    r = console.signed_in("off12").get("/console/applications/not-an-id")
    assert r.status_code == 422 and "reg_id" in r.json()["message"]
