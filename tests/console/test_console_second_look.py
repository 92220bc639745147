"""More flags for a second look, on a real server process: near-duplicate face photos (real
portraits re-encoded, resized, brightened with Pillow) on different people, kiosks that
override photo checks too often, and the supervisors' second review of a random audit sample
(deterministic HMAC draw, officers cannot see it, agree / disagree + note, audited)."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageEnhance

from tests.console.conftest import CATALOG, Console
from tests.console.seed import audit, csrf_of, db, listed, submit
from tests.sync.conftest import ROOT, Kiosk, ServerProcess
from tests.sync.pg import PgCluster

PORTRAITS = sorted((ROOT / "tests" / "fixtures" / "faces" / "portraits").glob("*.jpg"))


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def set_setting(console: Console, key: str, value: Any) -> None:
    with db(console) as conn:
        conn.execute("DELETE FROM settings WHERE key = ?", (key,))
        if value is not None:
            conn.execute("INSERT INTO settings VALUES (?, ?)", (key, json.dumps(value)))


def hash_all(console: Console, client: httpx.Client) -> None:
    """Page views hash the queued photos a few at a time (a small time budget each)."""
    for _ in range(60):
        client.get("/console/queue")
        with db(console) as conn:
            if not conn.execute("SELECT count(*) FROM photo_queue").fetchone()[0]:
                return
    raise AssertionError("photos still queued after 60 page views")


def english(client: httpx.Client) -> httpx.Client:
    client.cookies.set("sala_lang", "en", path="/console")
    return client


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("ann", role="officer", ministry="interior", jurisdiction="12")
    console.add_account("bob", role="officer", ministry="interior", jurisdiction="12")
    console.add_account("sam", role="supervisor", ministry="interior", jurisdiction="12")
    with Image.open(PORTRAITS[0]) as im:
        face = im.convert("RGB")
    with Image.open(PORTRAITS[1]) as im:
        other_face = im.convert("RGB")
    with Image.open(PORTRAITS[2]) as im:
        third = im.convert("RGB")
    w, h = face.size
    hall = Kiosk(console.server, label="Hall").enrol(commune="120101")
    apps = {
        "near_a": submit(hall, name="LIM NA", photo=jpeg(face)),
        "near_b": submit(hall, name="MAO SA", photo=jpeg(face, 35)),
        "near_c": submit(
            hall, name="KHIEU BO", photo=jpeg(face.resize((w * 9 // 10, h * 9 // 10)))
        ),
        "near_d": submit(
            hall, name="SAR MEN", photo=jpeg(ImageEnhance.Brightness(face).enhance(1.2))
        ),
        "far": submit(hall, name="TEP VY", photo=jpeg(other_face)),
        # the same person twice, the photo saved again: not a flag
        "self_1": submit(hall, name="OUK SAM", photo=jpeg(third)),
        "self_2": submit(hall, name="ouk  sam", photo=jpeg(third, 40)),
        "hall_override": submit(hall, name="PHAL RA", override="glasses_glare"),
    }
    busy = Kiosk(console.server, label="Busy").enrol(commune="120101")
    apps["busy_1"] = submit(busy, name="CHEA KA", override="glasses_glare")
    apps["busy_2"] = submit(busy, name="CHEA KB", override="too_dark")
    apps["busy_3"] = submit(busy, name="CHEA KC")
    yield {k: v[0] for k, v in apps.items()}
    hall.close()
    busy.close()


def test_near_duplicate_photos_on_different_people(console: Console, world: Any) -> None:
    ann = english(console.signed_in("ann"))
    hash_all(console, ann)
    found = listed(ann.get("/console/queue", params={"flag": "similar_photo"}).text)
    assert found == {world[k] for k in ("near_a", "near_b", "near_c", "near_d")}
    exact = listed(ann.get("/console/queue", params={"flag": "same_photo"}).text)
    assert not exact & found  # different files: the exact-hash flag cannot see these
    html = ann.get(f"/console/applications/{world['near_c']}").text
    assert "Similar photo" in html and "resized or brightened" in html
    for key in ("far", "self_1", "self_2"):
        assert "f-similar_photo" not in ann.get(f"/console/applications/{world[key]}").text


def test_kiosks_that_override_too_often(console: Console, world: Any) -> None:
    ann = english(console.signed_in("ann"))
    set_setting(console, "console.override_share", {"days": 30, "share": 0.5, "min": 3})
    set_setting(console, "console.override_stats_at", None)  # recount now, not in 10 minutes
    found = listed(ann.get("/console/queue", params={"flag": "kiosk_overrides"}).text)
    # Busy: 2 of 3 overridden (> 50 %, 3 applications); Hall: 1 of 8
    assert found == {world["busy_1"], world["busy_2"], world["busy_3"]}
    html = ann.get(f"/console/applications/{world['busy_3']}").text
    assert "Kiosk overrides often" in html and "unusually large share" in html
    assert (
        "f-kiosk_overrides" not in ann.get(f"/console/applications/{world['hall_override']}").text
    )
    set_setting(console, "console.override_share", {"days": 30, "share": 0.5, "min": 4})
    set_setting(console, "console.override_stats_at", None)
    assert not listed(ann.get("/console/queue", params={"flag": "kiosk_overrides"}).text)


def _decide(client: httpx.Client, reg: str, action: str = "approve") -> None:
    token = csrf_of(client)
    for step in ("start_review", action):
        data = {"csrf": token, "action": step, "reason": "Not eligible."}
        r = client.post(f"/console/applications/{reg}/act", data=data)
        assert r.status_code == 303, (step, r.status_code, r.text[-300:])


def _draw(secret: str, reg_id: str) -> float:
    digest = hmac.new(bytes.fromhex(secret), reg_id.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _sampled(console: Console) -> set[str]:
    with db(console) as conn:
        return {r[0] for r in conn.execute("SELECT registration_id FROM audit_samples")}


def test_second_review_of_a_random_audit_sample(console: Console, world: Any) -> None:
    set_setting(
        console, "console.audit_share", {"share": 0, "communes": {"120102": 1, "120103": 0.5}}
    )
    ann, sam = english(console.signed_in("ann")), english(console.signed_in("sam"))
    none_k = Kiosk(console.server).enrol(commune="120101")
    all_k = Kiosk(console.server).enrol(commune="120102")
    half_k = Kiosk(console.server).enrol(commune="120103")
    outside = submit(none_k, name="NO DRAW")[0]
    drawn = submit(all_k, name="ALWAYS DRAWN")[0]
    rejected = submit(all_k, name="ALSO DRAWN")[0]
    own = submit(all_k, name="SAM DECIDES")[0]
    halves = [submit(half_k, name=f"HALF {i}")[0] for i in range(8)]
    for k in (none_k, all_k, half_k):
        k.close()
    # officers decide without any sign of the sample, before or after
    page = ann.get(f"/console/applications/{drawn}").text
    assert "second-review" not in page and "sample" not in page.lower()
    for reg in (outside, drawn, *halves):
        _decide(ann, reg)
    _decide(ann, rejected, "reject")
    _decide(sam, own)
    assert "second-review" not in ann.get(f"/console/applications/{drawn}").text
    assert ann.get("/console/second-review").status_code == 403

    listing = sam.get("/console/second-review")
    assert listing.status_code == 200
    with db(console) as conn:
        secret = conn.execute(
            "SELECT value FROM settings WHERE key = 'console.audit_secret'"
        ).fetchone()[0]
    expected_halves = {r for r in halves if _draw(secret, r) < 0.5}
    assert _sampled(console) == {drawn, rejected, own, *expected_halves}
    assert set(listed(listing.text)) == {drawn, rejected, own, *expected_halves}
    assert "Second review" in listing.text and "Approved" in listing.text

    def review(reg: str, verdict: str, note: str = "") -> httpx.Response:
        data = {"csrf": csrf_of(sam), "verdict": verdict, "note": note}
        return sam.post(f"/console/second-review/{reg}", data=data)

    r = review(rejected, "disagree")
    assert r.status_code == 422 and "Write why you disagree" in r.text
    r = review(rejected, "maybe")
    assert r.status_code == 422 and "Choose agree or disagree" in r.text
    assert review(own, "agree").status_code == 403  # not one's own decision
    assert review(outside, "agree").status_code == 404  # not in the sample
    r = review(rejected, "disagree", "The birth record was in order.")
    assert r.status_code == 303
    assert review(drawn, "agree").status_code == 303
    r = review(drawn, "disagree", "changed my mind")
    assert r.status_code == 409 and "already been reviewed" in r.text
    done = sam.get("/console/second-review").text.split("Reviewed")[1]
    assert "The birth record was in order." in done and "Disagree" in done
    with db(console) as conn:
        rows = dict(
            conn.execute(
                "SELECT registration_id, verdict FROM audit_samples WHERE verdict IS NOT NULL"
            ).fetchall()
        )
    assert rows == {rejected: "disagree", drawn: "agree"}
    outcomes = [(s, o) for _who, s, o in audit(console, "console_second_review")]
    assert (rejected, "ok") in outcomes and (drawn, "ok") in outcomes
    assert (own, "refused:sr_own_decision") in outcomes
    assert (drawn, "refused:sr_already_reviewed") in outcomes
    # re-deciding never redraws: the sample stays what the id alone decides
    assert _sampled(console) == {drawn, rejected, own, *expected_halves}


def test_km_words_on_the_second_review_page(console: Console, world: Any) -> None:
    sam = console.signed_in("sam")
    html = sam.get("/console/second-review").text
    assert "ការ\u200bពិនិត្យ\u200bឡើងវិញ\u200bលើក\u200bទី\u200bពីរ" in html
    assert 'href="/console/second-review"' in html  # in the supervisor's menu


@pytest.mark.slow
def test_screens(browser: Any, console: Console, world: Any, shots: Path) -> None:
    pytest.importorskip("playwright")
    """Screenshots in km and en, and axe-core on the second review page (with reviews waiting
    and done) and on a queue filtered by the new flag."""
    from tests.console.test_console_axe import serious
    from tests.console.test_console_browser import new_page
    from tests.console.test_console_flags import sizes

    problems: list[str] = []
    for lang in ("km", "en"):
        page = new_page(browser, lang)
        console.open_signed_in(page, "sam", lang)
        page.goto(f"{console.url}/console/queue?flag=similar_photo")
        assert page.locator("table.list .flag.f-similar_photo").count() == 4
        problems += serious(page, f"queue-similar-photo-{lang}")
        sizes(page, shots, f"queue-similar-photo-{lang}")
        page.goto(f"{console.url}/console/second-review")
        assert page.locator("h1").count() == 1
        problems += serious(page, f"second-review-{lang}")
        sizes(page, shots, f"second-review-{lang}")
        page.context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.postgres
def test_similar_photos_override_share_and_sample_on_postgres(
    pg_cluster: PgCluster, tmp_path: Path
) -> None:
    """The same SQL on PostgreSQL: the banded look-up, ON CONFLICT inserts, the per-kiosk
    recount and the sample's draw and review."""
    from sqlalchemy import text

    from sync.server import db as server_db

    url = pg_cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}")
    server = ServerProcess(tmp_path / "pg", url, args=("--catalog", str(CATALOG))).start()
    engine = server_db.make_engine(url)
    try:
        console = Console(server)
        console.add_account("pga", role="officer", ministry="interior", jurisdiction="12")
        console.add_account("pgs", role="supervisor", ministry="interior", jurisdiction="12")
        with engine.begin() as conn:
            for key, value in (
                ("console.audit_share", {"share": 0, "communes": {"120102": 1}}),
                ("console.override_share", {"days": 30, "share": 0.4, "min": 2}),
            ):
                server_db.set_setting(conn, key, json.dumps(value))
        with Image.open(PORTRAITS[5]) as im:
            face = im.convert("RGB")
        kiosk = Kiosk(server).enrol(commune="120102")
        a = submit(kiosk, name="PG ONE", photo=jpeg(face))[0]
        b = submit(kiosk, name="PG TWO", photo=jpeg(face, 30), override="too_dark")[0]
        kiosk.close()
        pga, pgs = english(console.signed_in("pga")), english(console.signed_in("pgs"))
        for _ in range(60):
            pga.get("/console/queue")
            with engine.connect() as conn:
                if not conn.execute(text("SELECT count(*) FROM photo_queue")).scalar():
                    break
        with engine.begin() as conn:  # recount now, not in 10 minutes
            conn.execute(text("DELETE FROM settings WHERE key = 'console.override_stats_at'"))
        assert listed(pga.get("/console/queue", params={"flag": "similar_photo"}).text) == {a, b}
        assert listed(pga.get("/console/queue", params={"flag": "kiosk_overrides"}).text) == {
            a,
            b,
        }
        _decide(pga, a)
        assert listed(pgs.get("/console/second-review").text) == {a}
        r = pgs.post(f"/console/second-review/{a}", data={"csrf": csrf_of(pgs), "verdict": "agree"})
        assert r.status_code == 303
        with engine.connect() as conn:
            verdict = conn.execute(
                text("SELECT verdict FROM audit_samples WHERE registration_id = :r"), {"r": a}
            ).scalar()
        assert verdict == "agree"
    finally:
        engine.dispose()
        server.stop()
