"""Published catalog and gazetteer versions, and which (service id, form version) pairs are known.

The server only needs ids and versions from a catalog: a commit for a pair it does not know is
kept with `review = "unknown_service"` for a supervisor. Every published version counts, since a
kiosk may still be on an older one.

`publish` is the one way a version reaches the feed (API, `sala server publish`, the console).
A catalog goes through the kiosk's own validator (`sync.protocol.catalog.validate.check_catalog`)
first: a document a kiosk would refuse is refused here with every problem (`CatalogRefused`) and
nothing changes. The back office also checks an upload before keeping it as a draft until an
admin publishes it (`save_draft`, `publish_draft`). The first start's `--catalog` file (or the
bundled one) is published the same way (`import_initial`); one a kiosk would refuse stops
`sala server` before it serves (`refuse_bad_first_catalog`). `append_document` is the unchecked
step below: only tests that must put a bad catalog on the feed (to test the kiosk's own refusal)
call it directly; no route, page or command does.

Each service's owning ministry (`service_ministry`, which scopes officers) is set at publishing
(`set_owners`, new services only) or changed (`change_owner`); either way the service's
applications already in the back office move to the owner at once (`refile`).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from sync.protocol.catalog.schema import CatalogError
from sync.protocol.catalog.text import Text
from sync.protocol.catalog.validate import check_catalog
from sync.server import db
from sync.server.tables import catalog_drafts, queue_counts, timing_rollup

KINDS = ("catalog", "gazetteer")
REFILE_BATCH = 1000  # applications moved to a new owner per step (bound parameters per IN)


def services_of(doc: Any) -> set[tuple[str, str]]:
    """(id, version) pairs in a catalog document: `services` as a list of objects or a mapping."""
    if not isinstance(doc, dict):
        return set()
    services = doc.get("services", [])
    items = services.values() if isinstance(services, dict) else services
    pairs = set()
    if isinstance(services, dict):
        for key, svc in services.items():
            if isinstance(svc, dict):
                pairs.add((str(svc.get("id", key)), str(svc.get("version", ""))))
    elif isinstance(items, list):
        for svc in items:
            if isinstance(svc, dict) and "id" in svc:
                pairs.add((str(svc["id"]), str(svc.get("version", ""))))
    return pairs


_known_cache: dict[str, tuple[int, frozenset[tuple[str, str]]]] = {}


def known_services(conn: Connection) -> frozenset[tuple[str, str]]:
    """Union over all published catalogs; re-parsed only when a new version was published
    (documents are never deleted, so their count says whether the cache is current)."""
    count = (
        conn.execute(
            select(func.count()).select_from(db.documents).where(db.documents.c.kind == "catalog")
        ).scalar()
        or 0
    )
    key = str(conn.engine.url)
    cached = _known_cache.get(key)
    if cached and cached[0] == count:
        return cached[1]
    pairs: set[tuple[str, str]] = set()
    rows = conn.execute(select(db.documents.c.body).where(db.documents.c.kind == "catalog"))
    for body in rows.scalars():
        try:
            pairs |= services_of(json.loads(body))
        except ValueError:
            continue
    _known_cache[key] = (int(count), frozenset(pairs))
    return _known_cache[key][1]


class CatalogRefused(ValueError):
    """A catalog the kiosk's validator refuses; `errors` holds every problem it found."""

    def __init__(self, name: str, errors: list[CatalogError]) -> None:
        self.name = name
        self.errors = errors
        super().__init__(f"{name}: {len(errors)} problem(s) a kiosk would refuse.")

    def problems(self) -> list[dict[str, Any]]:
        """The problems as JSON: where (the validator's path), the code and the words. A path
        may quote the document's own keys: a lone surrogate in one is spelled out (`\\ud800`),
        since it has no UTF-8 form."""

        def text(s: str) -> str:
            return s.encode("utf-8", "backslashreplace").decode("utf-8")

        return [
            {
                "field": text(e.field),
                "code": e.code,
                "message": {"km": text(e.text.km), "en": text(e.text.en)},
            }
            for e in self.errors
        ]


def publish(conn: Connection, kind: str, raw: bytes, *, name: str = "catalog.json") -> str:
    """Check, store and announce a new catalog/gazetteer version; returns the version.

    A catalog must pass `check_catalog` (CatalogRefused, a ValueError, lists every problem);
    then as `append_document`. Nothing is written when it raises.
    """
    if kind == "catalog":
        found = check_catalog(raw, name)
        if not found.ok:
            raise CatalogRefused(name, found.errors)
    return append_document(conn, kind, raw)


def append_document(conn: Connection, kind: str, raw: bytes) -> str:
    """Store a version and announce it in the feed, checking only JSON and `version` (ValueError
    with a sentence; FileExistsError for a version already published). Unchecked: routes and
    commands call `publish`."""
    from sync.server.feed import append_change

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"The {kind} is not valid JSON: {exc}.") from exc
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or not version or len(version) > 100:
        raise ValueError(f'The {kind} needs a string "version" (at most 100 characters).')
    exists = conn.execute(
        select(db.documents.c.version)
        .where(db.documents.c.kind == kind)
        .where(db.documents.c.version == version)
    ).first()
    if exists:
        raise FileExistsError(f"{kind} version {version} is already published.")
    conn.execute(
        db.documents.insert().values(
            kind=kind, version=version, body=raw.decode("utf-8"), published_at=db.now()
        )
    )
    db.set_setting(conn, f"{kind}_version", version)
    append_change(conn, kind, None, {"version": version, "url": f"/v1/{kind}/{version}"})
    return version


BUNDLED = Path(__file__).resolve().parents[2] / "assets" / "catalog" / "services.json"


def _initial_file(path: Path | None) -> Path | None:
    """The operator's `--catalog` file, else the bundled catalog if this install has it."""
    if path is not None:
        return path
    return BUNDLED if BUNDLED.is_file() else None


def import_initial(engine: Engine, path: Path | None) -> None:
    """On first start, publish the given (or bundled) catalog so known services are known.

    Through `publish`, as every other path: `refuse_bad_first_catalog` has already stopped the
    start with a clear message if the file is missing or a kiosk would refuse it, so a refusal
    here (the file changed in between) is only a failed start-up, with nothing stored."""
    candidate = _initial_file(path)
    if candidate is None:
        return
    with engine.begin() as conn:
        if db.get_setting(conn, "catalog_version") is not None:
            return
        try:
            publish(conn, "catalog", candidate.read_bytes(), name=candidate.name)
        except FileExistsError:
            return


# What `sala server` prints when its first start's catalog cannot be published, then the
# validator's own words for each problem (`CatalogError.text`).
START_UNREADABLE = Text(
    "sala server មិន​បាន​ចាប់ផ្ដើម​ទេ៖ មិន​អាច​អាន​ឯកសារ​កាតាឡុក {file} បាន​ទេ ({why})។",
    "sala server did not start: the catalog file {file} cannot be read ({why}).",
)
START_REFUSED = Text(
    "sala server មិន​បាន​ចាប់ផ្ដើម​ទេ៖ ឯកសារ​កាតាឡុក {file} មាន​បញ្ហា {n} ដែល​ម៉ាស៊ីន​សាលា​ឃុំ​នឹង​បដិសេធ៖",
    "sala server did not start: the catalog file {file} has {n} problem(s) a kiosk would refuse:",
)
START_NOTHING_STORED = Text(
    "គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។ សូម​កែ​ឯកសារ (ឬ​ចាប់ផ្ដើម​ដោយ​គ្មាន --catalog ដើម្បី​ប្រើ"
    "​កាតាឡុក​ដែល​ភ្ជាប់​មក​ជាមួយ) ហើយ​ចាប់ផ្ដើម​ម្ដង​ទៀត។",
    "Nothing was stored. Correct the file (or start without --catalog for the bundled "
    "catalog) and start again.",
)
WHOLE_FILE = Text("ឯកសារ​ទាំងមូល", "the whole file")


class StartRefused(SystemExit):
    """The first start's catalog cannot be published, so the server does not start. A
    SystemExit whose code is the message: uncaught, Python prints it (no traceback) and exits
    with status 1, before anything is stored or served."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _catalog_stored(db_url: str) -> bool:
    """Whether this database already holds a published catalog (so `--catalog` is ignored).
    A database not made yet (no SQLite file, no tables) holds none; nothing is created here."""
    engine = db.make_engine(db_url)
    try:
        if engine.dialect.name == "sqlite":
            name = engine.url.database
            if not name or name == ":memory:" or not Path(name).is_file():
                return False
        with db.reading(engine) as conn:
            return db.get_setting(conn, "catalog_version") is not None
    except DBAPIError:  # no `settings` table yet: a database never started
        return False
    finally:
        engine.dispose()


def problem_lines(errors: Any) -> list[str]:
    """Each problem a kiosk would refuse as two indented lines, English over Khmer, under its
    field: how `sala server publish` and a refused first start both list them."""
    lines = []
    for e in errors:
        where = e.field or WHOLE_FILE.en
        lines.append(f"  {where}: {e.text.en}\n  {' ' * len(where)}  {e.text.km}")
    return lines


def start_problems(db_url: str, path: Path | None) -> str | None:
    """Why the first start cannot publish its catalog, English then Khmer line by line as
    `sala server publish` prints a refusal; None when it can, or when the database already
    holds a catalog (later starts ignore the file)."""
    candidate = _initial_file(path)
    if candidate is None or _catalog_stored(db_url):
        return None
    try:
        raw = candidate.read_bytes()
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        lines = [START_UNREADABLE.en, START_UNREADABLE.km]
        return "\n".join(line.format(file=candidate, why=why) for line in lines)
    found = check_catalog(raw, candidate.name)
    if found.ok:
        return None
    n = len(found.errors)
    lines = [t.format(file=candidate, n=n) for t in (START_REFUSED.en, START_REFUSED.km)]
    lines += problem_lines(found.errors)
    lines += [START_NOTHING_STORED.en, START_NOTHING_STORED.km]
    text = "\n".join(lines)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates in keys


def refuse_bad_first_catalog(db_url: str, path: Path | None) -> None:
    """Stop `sala server` before it serves (StartRefused) when its first start's catalog is
    missing, unreadable or one a kiosk would refuse; every problem is listed."""
    problems = start_problems(db_url, path)
    if problems is not None:
        raise StartRefused(problems)


def fetch(conn: Connection, kind: str, version: str) -> str | None:
    return conn.execute(
        select(db.documents.c.body)
        .where(db.documents.c.kind == kind)
        .where(db.documents.c.version == version)
    ).scalar()


# --- the back office's catalog pages (console/catalogs.py) -------------------------------------

DRAFT_DAYS = 7


@dataclass(frozen=True)
class Published:
    version: str
    published_at: float
    services: int  # service entries in the document
    current: bool  # the one `catalog_version` names (what a new kiosk installs)


def published(conn: Connection) -> list[Published]:
    """Every published catalog version, newest first."""
    current = db.get_setting(conn, "catalog_version")
    rows = conn.execute(
        select(db.documents.c.version, db.documents.c.published_at, db.documents.c.body)
        .where(db.documents.c.kind == "catalog")
        .order_by(db.documents.c.published_at.desc())
    ).all()
    out = []
    for r in rows:
        try:
            count = len(services_of(json.loads(r.body)))
        except ValueError:
            count = 0
        out.append(Published(r.version, float(r.published_at), count, r.version == current))
    return out


def is_published(conn: Connection, version: str) -> bool:
    return fetch(conn, "catalog", version) is not None


def save_draft(conn: Connection, raw: bytes, version: str, filename: str, who: str) -> str:
    """Keep a checked upload until it is published or discarded; returns its id. Drafts older
    than `DRAFT_DAYS` go first."""
    drafts = catalog_drafts.catalog_drafts
    now = db.now()
    conn.execute(drafts.delete().where(drafts.c.uploaded_at < now - DRAFT_DAYS * 86400.0))
    draft_id = secrets.token_hex(16)
    conn.execute(
        drafts.insert().values(
            id=draft_id,
            version=version,
            body=raw.decode("utf-8"),
            filename=filename[:200],
            uploaded_by=who[:200],
            uploaded_at=now,
        )
    )
    return draft_id


def draft(conn: Connection, draft_id: str) -> Any | None:
    """The draft row (id, version, body, filename, uploaded_by, uploaded_at), or None."""
    drafts = catalog_drafts.catalog_drafts
    return conn.execute(select(drafts).where(drafts.c.id == draft_id)).first()


def drop_draft(conn: Connection, draft_id: str) -> bool:
    drafts = catalog_drafts.catalog_drafts
    return bool(conn.execute(drafts.delete().where(drafts.c.id == draft_id)).rowcount)


def publish_draft(conn: Connection, draft_id: str) -> str:
    """Publish a draft's bytes with `publish` (as `sala server publish catalog` does) and drop
    the draft, in the caller's transaction. LookupError: no such draft; FileExistsError: its
    version was published meanwhile."""
    row = draft(conn, draft_id)
    if row is None:
        raise LookupError(draft_id)
    version = publish(conn, "catalog", str(row.body).encode("utf-8"), name=str(row.filename))
    drop_draft(conn, draft_id)
    return version


def drafts(conn: Connection) -> list[Any]:
    """Drafts waiting for an admin (id, version, filename, uploaded_by, uploaded_at), newest
    first."""
    d = catalog_drafts.catalog_drafts
    cols = (d.c.id, d.c.version, d.c.filename, d.c.uploaded_by, d.c.uploaded_at)
    return list(conn.execute(select(*cols).order_by(d.c.uploaded_at.desc()).limit(20)).all())


OWNERS_LOCK = 72017  # PostgreSQL advisory lock (72010-72016: db, auth, timing_*, kiosk_clock)


def lock_owners(conn: Connection, *, change: bool) -> None:
    """Serialise a change of a service's owning ministry (`change`: exclusive) against facts
    being made (shared; facts made at once never wait for each other) until commit. Without
    it, on PostgreSQL, facts made while an owner change commits kept the old owner: they read
    it before the change committed, and the change's refile did not see them yet. SQLite's
    BEGIN IMMEDIATE already serialises all writers."""
    if conn.dialect.name == "postgresql":
        how = "pg_advisory_xact_lock" if change else "pg_advisory_xact_lock_shared"
        conn.execute(text(f"SELECT {how}({OWNERS_LOCK})"))


def set_owners(conn: Connection, owners: dict[str, str]) -> dict[str, str]:
    """Give services with no owning ministry yet the one chosen at publishing (an existing
    owner is never changed here); returns what was set. Applications of those services that
    arrived before (unowned until now) move to the owner at once (`refile`)."""
    lock_owners(conn, change=True)
    have = set(conn.execute(select(db.service_ministry.c.service_id)).scalars())
    added = {sid: m for sid, m in owners.items() if m and sid not in have}
    for sid, ministry in added.items():
        conn.execute(db.service_ministry.insert().values(service_id=sid, ministry=ministry))
    refile(conn, added)
    return added


def change_owner(conn: Connection, service_id: str, ministry: str) -> bool:
    """Make `ministry` (a code the caller has checked: console.accounts.MINISTRIES) the owner
    of a service, new or not, and move its applications to it (`refile`), in the caller's
    transaction. Returns False when it already was the owner."""
    sm = db.service_ministry
    lock_owners(conn, change=True)
    was = conn.execute(select(sm.c.ministry).where(sm.c.service_id == service_id)).scalar()
    if was == ministry:
        return False
    if was is None:
        conn.execute(sm.insert().values(service_id=service_id, ministry=ministry))
    else:
        conn.execute(sm.update().where(sm.c.service_id == service_id).values(ministry=ministry))
    refile(conn, {service_id: ministry})
    return True


def refile(conn: Connection, owners: dict[str, str]) -> int:
    """Give these services' applications that already have console facts their new owning
    ministry, and move everything counted by ministry with them (queue, flag and narrow queue
    counts, the flags' copies: queue_counts.after; processing-time rollups, days and
    percentiles: timing_rollup.after), in the caller's transaction. The facts' ministry is
    otherwise copied once, when they are made (console/scope.refresh_facts); facts made later
    read the new owner there. Returns how many applications moved."""
    facts, regs = db.console_facts, db.registrations
    moved = 0
    for sid, ministry in sorted(owners.items()):
        ids = list(
            conn.execute(
                select(facts.c.registration_id)
                .join(regs, regs.c.id == facts.c.registration_id)
                .where(regs.c.service_id == sid, facts.c.ministry != ministry)
                .order_by(facts.c.registration_id)
            ).scalars()
        )
        for at in range(0, len(ids), REFILE_BATCH):
            batch = ids[at : at + REFILE_BATCH]
            counted = queue_counts.before(conn, batch)  # the order decisions.py locks in
            timed = timing_rollup.before(conn, batch)
            conn.execute(
                facts.update().where(facts.c.registration_id.in_(batch)).values(ministry=ministry)
            )
            queue_counts.after(conn, batch, counted)
            timing_rollup.after(conn, batch, timed)
        moved += len(ids)
    return moved
