"""The ministry server's tables (SQLAlchemy Core) and its small versioned migrations.

Why not alembic: the schema is a handful of tables with one linear history, the server migrates
itself on start, and the same code must run on SQLite and PostgreSQL without an alembic.ini and an
env.py to ship. `schema_migrations` records which numbered steps ran; a new step is a function
appended to `MIGRATIONS`.

Times are stored as float epoch seconds (portable, comparable on both backends); wire times are
RFC 3339 strings derived from them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy import exc as exc_mod
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

log = logging.getLogger("sala.server")

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", Float, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("commune_code", String(6), nullable=False),
    Column("public_key", String(64), nullable=False),  # base64url raw Ed25519, never a secret
    Column("label", String(200), nullable=False, default=""),
    Column("enrolled_at", Float, nullable=False),
    Column("revoked_at", Float),
    Column("kiosk_number", Integer),  # 1..99 in its commune, never reused (v2)
    Index("ux_devices_commune_kiosk", "commune_code", "kiosk_number", unique=True),
)

enrolment_codes = Table(
    "enrolment_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),  # sha256 hex; the code itself is not kept
    Column("commune_code", String(6), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
    Column("device_id", String(36)),
)

nonces = Table(
    "nonces",
    metadata,
    Column("device_id", String(36), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("seen_at", Float, nullable=False, index=True),
)

uploads = Table(
    "uploads",
    metadata,
    Column("id", String(36), primary_key=True),  # server-made UUID, also the partial file name
    Column("device_id", String(36), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("length", BigInteger, nullable=False),
    Column("offset", BigInteger, nullable=False, default=0),
    Column("status", String(16), nullable=False),  # open | complete | failed | expired | deleted
    Column("registration_id", String(64)),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_uploads_device_sha", "device_id", "sha256"),
    Index("ix_uploads_status_expires", "status", "expires_at"),
)

registrations = Table(
    "registrations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("device_id", String(36), nullable=False),
    Column("commune_code", String(6), nullable=False, index=True),
    Column("service_id", String(200), nullable=False),
    Column("form_version", String(100), nullable=False),
    Column("app_number", String(40), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON, exactly what the kiosk committed
    Column("received_at", Float, nullable=False),
    Column("status", String(32), nullable=False),
    Column("status_note", Text, nullable=False, default=""),
    Column("status_at", Float, nullable=False),
    Column("review", String(32)),  # e.g. "unknown_service": a supervisor must look
    Column("receipt", Text, nullable=False),  # canonical JSON of the signed receipt
    Column("signature", String(128), nullable=False),
    Index("ix_registrations_app_number", "app_number"),  # v2: one number, one device
)

status_history = Table(
    "status_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("registration_id", String(36), nullable=False, index=True),
    Column("status", String(32), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("actor", String(200), nullable=False),
    Column("at", Float, nullable=False),
)

changes = Table(
    "changes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # status | catalog | gazetteer | staff
    Column("commune_code", String(6)),  # set for a commune's own entries (status, staff)
    Column("payload", Text, nullable=False),  # JSON
    Column("at", Float, nullable=False, index=True),
    sqlite_autoincrement=True,  # a seq is never reused, even after compaction empties the table
)

officers = Table(  # bearer tokens; the model is sync/server/officers.py
    "officers",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float),
    # v2 (NULL only before the migration filled them in):
    Column("id", String(16)),  # short public handle for `officer-revoke` and the audit
    Column("role", String(16)),  # decide | publish | admin
    Column("jurisdiction", Text),  # "*" or comma-separated province/district/commune codes
    Column("expires_at", Float),
    Index("ux_officers_id", "id", unique=True),
)

officer_audit = Table(  # every use of an officer token (and of set-status), allowed or not
    "officer_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("token_id", String(16)),  # NULL: no token, or one the server does not know
    Column("officer", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("outcome", String(60), nullable=False),  # ok | refused:<error code>
    Column("detail", Text, nullable=False, default=""),
)

documents = Table(  # published catalog and gazetteer versions, fetched by URL from the feed
    "documents",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("version", String(100), primary_key=True),
    Column("body", Text, nullable=False),
    Column("published_at", Float, nullable=False),
)

staff = Table(  # commune staff, their roster reaches the commune's kiosks (sync/server/staff.py)
    "staff",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("commune_code", String(6), nullable=False, index=True),
    Column("name_km", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("role", String(16), nullable=False),  # clerk | supervisor | technician
    Column("status", String(16), nullable=False),  # active | disabled
    Column("pin_verifier", Text),  # Argon2id strings; the PIN and codes themselves are never kept
    Column("first_code_verifier", Text),
    Column("unlock_verifier", Text),
    Column("version", Integer, nullable=False),
    Column("origin", String(64), nullable=False),  # "cli" or "device:<id>": who created it
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

staff_changes = Table(  # what kiosks reported, kept whole; idempotency by change id
    "staff_changes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("device_id", String(36), nullable=False, index=True),
    Column("staff_id", String(36), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON of the change as sent
    Column("result", Text, nullable=False),  # canonical JSON of what the server answered
    Column("received_at", Float, nullable=False),
)

device_audit = Table(  # each kiosk's hash-chained audit, append-only (sync/server/audit.py)
    "device_audit",
    metadata,
    Column("device_id", String(36), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(64), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("details", Text, nullable=False),  # canonical text, exactly what was hashed
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("received_at", Float, nullable=False),
)

device_audit_flags = Table(  # a break or gap in a kiosk's chain, for the back office
    "device_audit_flags",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(36), nullable=False, index=True),
    Column("commune_code", String(6), nullable=False),
    Column("kind", String(16), nullable=False),  # chain_broken | gap
    Column("seq", BigInteger, nullable=False),  # the first entry that did not fit
    Column("detail", Text, nullable=False),  # JSON: what was expected and what came
    Column("first_at", Float, nullable=False),
    Column("last_at", Float, nullable=False),
    Column("count", Integer, nullable=False),  # uploads that hit it (a kiosk retries)
    Column("resolved_at", Float),
)

# --- the back office (sync/server/console/): officer accounts, sessions, queues (v4) ---

console_officers = Table(  # people who sign in to /console/; the model is console/accounts.py
    "console_officers",
    metadata,
    Column("id", String(16), primary_key=True),  # public handle, also the audit's token_id
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", Text, nullable=False),  # Argon2id encoded string
    Column("role", String(16), nullable=False),  # officer | supervisor | admin
    Column("ministry", String(32), nullable=False),  # a service_ministry code, or "*"
    Column("jurisdiction", Text, nullable=False),  # "*" or province/district/commune codes
    Column("totp_secret", String(64)),  # base32; NULL: no second factor (officer role only)
    Column("totp_last_step", BigInteger),  # the last accepted 30 s step: a code works once
    Column("created_at", Float, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("disabled_at", Float),
)

console_sessions = Table(  # one row per signed-in browser; the cookie holds the token
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 hex of the cookie value
    Column("officer_id", String(16), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),  # echoed in every form of this session
    Column("source", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("seen_at", Float, nullable=False),
    Column("ended_at", Float),
)

console_signin_failures = Table(  # lockout by username and by source address
    "console_signin_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("username", String(64), nullable=False, index=True),
    Column("source", String(64), nullable=False, index=True),
)

console_assignments = Table(  # who holds an application: only the assignee decides
    "console_assignments",
    metadata,
    Column("registration_id", String(36), primary_key=True),
    Column("officer_id", String(16), nullable=False, index=True),
    Column("assigned_at", Float, nullable=False),
    Column("assigned_by", String(200), nullable=False),
)

console_facts = Table(  # per registration, what the queues filter on (filled lazily)
    "console_facts",
    metadata,
    Column("registration_id", String(36), primary_key=True),
    Column("ministry", String(32), nullable=False),
    Column("submitted_at", Float, nullable=False),  # the kiosk's time, not the upload's
    Column("due_at", Float),  # submitted + the service's processing days; NULL: unknown
    Index("ix_console_facts_ministry_due", "ministry", "due_at"),
)

service_ministry = Table(  # which ministry owns each catalog service id
    "service_ministry",
    metadata,
    Column("service_id", String(200), primary_key=True),
    Column("ministry", String(32), nullable=False),
)


settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


def _v1(conn: Connection) -> None:
    metadata.create_all(conn)


def _add_columns(conn: Connection, table: Table, names: tuple[str, ...]) -> None:
    """ALTER TABLE … ADD COLUMN for each of `names` the table lacks (a fresh database made by
    `_v1` from today's metadata has them all already)."""
    have = {c["name"] for c in inspect(conn).get_columns(table.name)}
    for name in names:
        if name not in have:
            kind = table.c[name].type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}")


def _v2(conn: Connection) -> None:
    """Kiosk numbers, one device per application number, scoped officer tokens and their audit.

    Existing devices get numbers per commune in enrolment order. Existing officer tokens had no
    role, jurisdiction or expiry, and one of them moved another commune's application: they
    are retired (expired now), not silently made national admins; the start-up log says how
    many, and `sala-server officer-token` makes scoped ones.
    """
    metadata.create_all(conn)  # new tables (officer_audit); existing ones are left alone
    _add_columns(conn, devices, ("kiosk_number",))
    _add_columns(conn, officers, ("id", "role", "jurisdiction", "expires_at"))
    for index in (*devices.indexes, *registrations.indexes, *officers.indexes):
        index.create(conn, checkfirst=True)
    rows = conn.execute(
        select(devices.c.id, devices.c.commune_code)
        .where(devices.c.kiosk_number.is_(None))
        .order_by(devices.c.commune_code, devices.c.enrolled_at, devices.c.id)
    ).all()
    last: dict[str, int] = {}
    for row in rows:
        number = last.get(row.commune_code, 0) + 1
        last[row.commune_code] = number
        if number <= 99:  # protocol.KIOSK_NUMBER_MAX; beyond it the device keeps none
            conn.execute(devices.update().where(devices.c.id == row.id).values(kiosk_number=number))
    legacy = conn.execute(select(officers.c.token_hash).where(officers.c.id.is_(None))).all()
    for (token_hash,) in legacy:
        conn.execute(
            officers.update()
            .where(officers.c.token_hash == token_hash)
            .values(id=token_hash[:12], role="admin", jurisdiction="*", expires_at=now())
        )
    if legacy:
        log.warning(
            "%d officer token(s) from before scoped tokens were RETIRED (expired now): they had "
            "no role, jurisdiction or expiry. Make new ones with `sala-server officer-token "
            "--role … --jurisdiction … --expires-days N`.",
            len(legacy),
        )


def _v3(conn: Connection) -> None:
    """Commune staff and their changes from kiosks, and the kiosks' uploaded audit chains."""
    metadata.create_all(conn)  # only the new tables; existing ones are left alone


# Owning ministries of the bundled catalog's services (assets/catalog/services.json), seeded
# once; `sala-server officer ministry` changes them. Birth certificates are copies from the
# commune's civil register, which the Ministry of Interior keeps.
SERVICE_MINISTRIES = {
    "national_id_card": "interior",
    "passport_ordinary": "interior",
    "residence_certificate": "interior",
    "birth_certificate_copy": "interior",
    "driving_licence_renewal": "mpwt",
    "business_registration": "commerce",
}


def _v4(conn: Connection) -> None:
    """The back office: officer accounts, sessions, sign-in failures, assignments, queue facts
    and the owning ministry of each service."""
    metadata.create_all(conn)
    have = set(conn.execute(select(service_ministry.c.service_id)).scalars())
    for service_id, ministry in SERVICE_MINISTRIES.items():
        if service_id not in have:
            conn.execute(service_ministry.insert().values(service_id=service_id, ministry=ministry))


def _v5(conn: Connection) -> None:
    """Clerk station, field kit and back office: the tables and columns declared in
    `sync/server/tables/` (one module per topic)."""
    from sync.server import tables

    metadata.create_all(conn)  # only the new tables; existing ones are left alone
    for table, names in tables.NEW_COLUMNS:
        _add_columns(conn, table, names)


def _declared(conn: Connection) -> None:
    """Create what `sync/server/tables/` declares and the database lacks: new tables, new
    columns and new indexes of existing tables (idempotent). Indexes are created one by one
    because `create_all` only makes the indexes of tables it creates."""
    from sync.server import tables

    metadata.create_all(conn)
    for table, names in tables.NEW_COLUMNS:
        _add_columns(conn, table, names)
    for index in tables.NEW_INDEXES:
        index.create(conn, checkfirst=True)


def _v6(conn: Connection) -> None:
    """Back office at scale, second-look flags and field kit."""
    _declared(conn)


def _v7(conn: Connection) -> None:
    """Kept flags (`console_flags`, `flag_counts`), the processing-times rollup
    (`timing_rollup`, `timing_days`, `console_facts.rolled`) and their indexes: a database
    that ran v6 before they were declared gets them here."""
    _declared(conn)


def _v8(conn: Connection) -> None:
    """The queue page's narrow counts (`queue_totals`, `queue_due`, `queue_mine`: per district,
    no assignee or past due days) and whatever else was declared since v7. Their rows are made
    once from the queue and flag counts by `queue_totals.ensure` before the first queue page
    (the setting it keeps is cleared here, so a database migrated again is recounted too)."""
    _declared(conn)
    conn.execute(settings.delete().where(settings.c.key == "console.queue_totals"))


def _v9(conn: Connection) -> None:
    """Whatever was declared since v8: `console_officers.password_reset_at` (a password an admin
    reset must be changed at the next sign-in, tables/console_accounts.py)."""
    _declared(conn)


def _v10(conn: Connection) -> None:
    """The assignee copied onto the facts and kept flags, filled once for the rows made before
    (tables/queue_counts.py `backfill_assignee`), then its indexes: "New" and "Assigned to me"
    walk them in due-date order. Columns first, indexes last: the backfill writes no index."""
    from sync.server import tables
    from sync.server.tables import queue_counts

    for table, names in tables.NEW_COLUMNS:
        _add_columns(conn, table, names)
    queue_counts.backfill_assignee(conn)
    _declared(conn)


MIGRATIONS: list[Callable[[Connection], None]] = [
    *(_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9),
    _v10,
]


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, synchronous=FULL and BEGIN IMMEDIATE transactions.

    BEGIN IMMEDIATE takes the write lock up front, so two writers wait on busy_timeout instead of
    failing on a lock upgrade half-way through a commit.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            readonly = conn.get_execution_options().get("sala_readonly", False)
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url, pool_size=20, max_overflow=40)
    _ping_when_idle(engine)
    return engine


PING_IDLE_S = 10.0  # a pooled connection unused this long is pinged before it is handed out


def _ping_when_idle(engine: Engine) -> None:
    """`pool_pre_ping`, for connections that sat idle only. Why: a console page checks out a
    connection several times, and pinging each checkout was a round trip per checkout (most of
    a busy page's statements); a connection used a moment ago is as alive as a ping would say.
    One that fails its ping is replaced (DisconnectionError: the pool retries with a fresh one),
    and a connection that dies mid-use is still invalidated with the whole pool by SQLAlchemy's
    disconnect handling, as before."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["sala_used_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        used = record.info.get("sala_used_at")
        if used is not None and time.monotonic() - used < PING_IDLE_S:
            return
        try:
            dbapi_conn.execute("SELECT 1")
            dbapi_conn.rollback()
        except Exception as exc:
            raise exc_mod.DisconnectionError() from exc


def migrate(engine: Engine) -> int:
    """Run every migration step not yet recorded; returns the schema version now in place."""
    from sync.server import tables  # noqa: F401  (declares its tables on `metadata` first)

    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(72010)"))  # two servers starting
        schema_migrations.create(conn, checkfirst=True)
        done = set(conn.execute(select(schema_migrations.c.version)).scalars())
        for number, step in enumerate(MIGRATIONS, start=1):
            if number not in done:
                step(conn)
                conn.execute(schema_migrations.insert().values(version=number, applied_at=now()))
    return len(MIGRATIONS)


def lock_feed(conn: Connection) -> None:
    """Serialise writers of `changes` until commit, so seqs become visible in order.

    Without this, on PostgreSQL a reader could see seq 11 committed before seq 10 and move its
    cursor past 10 for good. SQLite's BEGIN IMMEDIATE already serialises all writers.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(72011)"))


def get_setting(conn: Connection, key: str, default: str | None = None) -> str | None:
    value = conn.execute(select(settings.c.value).where(settings.c.key == key)).scalar()
    return default if value is None else str(value)


def _dialect_insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


def insert_ignore(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL: two server processes doing
    the same work never fail each other."""
    if rows:
        conn.execute(_dialect_insert(conn, table).on_conflict_do_nothing(), rows)


def set_setting(conn: Connection, key: str, value: str) -> None:
    """Upsert: two requests setting the same key at once must not fail on the unique key."""
    stmt = _dialect_insert(conn, settings).values(key=key, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def now() -> float:
    return time.time()


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction: on SQLite a plain BEGIN, so readers never wait for writers.
    On PostgreSQL the reads autocommit: at READ COMMITTED each statement takes its own snapshot
    anyway, so a transaction around them only cost a BEGIN and a ROLLBACK round trip each."""
    with engine.connect() as conn:
        conn.execution_options(sala_readonly=True)
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT")
        try:
            yield conn
        finally:
            conn.rollback()
