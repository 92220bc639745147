"""A seeded PostgreSQL cluster kept between runs of backoffice_bench.py (`--pgdata DIR`).

Why: seeding a million applications takes minutes; tuning a query wants the same data loaded
again in a minute and a half. `DIR` holds the cluster (`DIR/data`), the server's data dir
(`DIR/server`) and `DIR/seeded.json` (the database, the officers' ids and TOTP secrets, the
load's sample). A later run with the same `DIR` and size starts the cluster on a new port and
brings the schema up to the code's (`db._declared`, idempotent: tables, columns and indexes
declared in sync/server/tables/ since the seed), then loads it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.sync.pg import PgCluster

STATE = "seeded.json"


class KeptCluster(PgCluster):
    """A `PgCluster` in `DIR` that is made once, restarted later, and never removed."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        shutil.rmtree(self.root, ignore_errors=True)  # the parent's throwaway dir: unused
        self.root = root.resolve()
        self.data, self.sock = self.root / "data", self.root / "sock"
        self.root.mkdir(parents=True, exist_ok=True)

    def start(self) -> KeptCluster:
        if not (self.data / "PG_VERSION").exists():
            shutil.rmtree(self.root, ignore_errors=True)
            self.root.mkdir(parents=True)
            super().start()
            return self
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        opts = (  # as PgCluster.start
            f"-h 127.0.0.1 -p {self.port} -k {self.sock} -c max_connections=300 "
            "-c fsync=off -c synchronous_commit=off"
        )
        log = str(self.root / "log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", opts, "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


def load(root: Path, applications: int) -> dict[str, Any] | None:
    """What the earlier seed of this size left in `root`, or None (seed again)."""
    path = root / STATE
    if not path.exists():
        return None
    state: dict[str, Any] = json.loads(path.read_text())
    return state if state.get("applications") == applications else None


def save(root: Path, state: dict[str, Any]) -> None:
    (root / STATE).write_text(json.dumps(state))


def upgrade(url: str) -> None:
    """Create what the code declares and the seeded database lacks (new tables, columns and
    indexes; `db._declared` is idempotent), and make the back office's kept counts and flags once
    (what the first queue page of a database does), so the load measures steady pages."""
    from sync.server import db
    from sync.server.console import flags
    from sync.server.tables import queue_counts

    engine = db.make_engine(url)
    try:
        db.migrate(engine)  # the steps since the seed (v8 has its counts remade just below)
        with engine.begin() as conn:
            db._declared(conn)
        queue_counts.ensure(engine)
        if hasattr(flags, "ensure"):  # absent in code from before the kept flags
            flags.ensure(engine)
        try:  # the queue page's narrow counts (absent in code from before them), made once
            from sync.server.tables import queue_totals
        except ImportError:
            pass
        else:
            queue_totals.ensure(engine)
        from sync.server.console import queue

        with engine.begin() as conn:  # the first look for missing facts (kept since SCALE4)
            queue.refresh(conn)
        try:  # the processing-time rollup (absent in code from before it), made once
            from sync.server.console import timing_numbers
        except ImportError:
            pass
        else:
            timing_numbers.prepare(engine)
    finally:
        engine.dispose()
    vacuum(url)


def vacuum(url: str) -> None:
    """VACUUM ANALYZE the tables the backfills rewrote, as autovacuum would soon after: the
    list indexes are read index-only once the visibility map is set again."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        names = conn.execute(
            "SELECT relname FROM pg_stat_user_tables "
            "WHERE n_dead_tup > 1000 OR n_mod_since_analyze > 1000"
        ).fetchall()
        for (name,) in names:
            conn.execute(f'VACUUM ANALYZE "{name}"')
