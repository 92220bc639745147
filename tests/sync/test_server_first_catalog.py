"""The first start's `--catalog` goes through the kiosk's validator, as every publish does: a
real `sala server` process given a catalog a kiosk would refuse (or no readable file) exits
before it serves, listing every problem in English and Khmer, with no catalog stored. A valid
one starts and is published; later starts ignore the file (a catalog is already stored)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.sync.catalog_docs import valid_catalog
from tests.sync.conftest import KNOWN_SERVICE, TEST_CATALOG, ServerProcess

pytestmark = pytest.mark.server

# The bare service list test servers used to start with: no format, names, fields.
BARE = {"version": "bare-1", "services": [{"id": KNOWN_SERVICE[0], "version": KNOWN_SERVICE[1]}]}


def refused_start(server: ServerProcess) -> str:
    """Start `server`, which must exit by itself with a non-zero status; returns its output."""
    with pytest.raises(RuntimeError, match="server exited"):
        server.start()
    assert server.proc is not None and server.proc.returncode != 0
    return (server.data_dir / "server.log").read_text("utf-8")


def stored_catalogs(server: ServerProcess) -> list[str]:
    """Published catalog versions in the server's SQLite database (none if it was never made)."""
    path = server.data_dir / "server.db"
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        rows = (
            db.execute("SELECT version FROM documents WHERE kind = 'catalog'").fetchall()
            if "documents" in tables
            else []
        )
    db.close()
    return [r[0] for r in rows]


def test_an_invalid_first_catalog_stops_the_start_with_every_problem(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "bad", catalog=BARE)
    out = refused_start(server)
    assert "sala server did not start" in out
    assert "sala server មិន​បាន​ចាប់ផ្ដើម​ទេ" in out
    assert "test-catalog.json has 6 problem(s) a kiosk would refuse:" in out
    # each problem: where, the English words, then the Khmer ones
    assert "  format: must be a whole number" in out
    assert "services[0].name: must be an object" in out
    assert "ត្រូវ​តែ​ជា object" in out
    assert "Nothing was stored." in out and "គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ" in out
    assert "Traceback" not in out
    assert stored_catalogs(server) == []
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/v1/ping", timeout=1)


def test_a_missing_first_catalog_stops_the_start(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "catalog.json"
    server = ServerProcess(tmp_path / "missing", args=("--catalog", str(missing)))
    out = refused_start(server)
    assert f"the catalog file {missing} cannot be read (No such file or directory)" in out
    assert f"មិន​អាច​អាន​ឯកសារ​កាតាឡុក {missing} បាន​ទេ" in out
    assert "Traceback" not in out
    assert stored_catalogs(server) == []


def test_what_the_start_check_says_for_other_files(tmp_path: Path) -> None:
    """The check itself, on a real SQLite file: not JSON, not a file, a stored catalog."""
    from sync.server import catalog

    url = f"sqlite:///{tmp_path / 'server.db'}"
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"{not json")
    said = catalog.start_problems(url, junk)
    assert said is not None and "junk.json has 1 problem(s) a kiosk would refuse:" in said
    assert not (tmp_path / "server.db").exists()  # nothing made by the check
    said = catalog.start_problems(url, tmp_path)  # a directory
    assert said is not None and "cannot be read (Is a directory)" in said
    good = tmp_path / "good.json"
    good.write_text(json.dumps(TEST_CATALOG))
    assert catalog.start_problems(url, good) is None


def test_a_corrected_catalog_starts_is_published_and_later_starts_ignore_the_file(
    tmp_path: Path,
) -> None:
    """Nothing half-made is left by a refusal: the same data dir starts with the corrected
    file, which is published as given; once a catalog is stored, the file is not the first
    start's any more, so a bad one does not stop a restart and changes nothing."""
    refused_start(ServerProcess(tmp_path / "s", catalog=BARE))
    fixed = valid_catalog("fixed-1", [KNOWN_SERVICE], processing_days=3)
    server = ServerProcess(tmp_path / "s", catalog=fixed).start()
    try:
        assert stored_catalogs(server) == ["fixed-1"]
        with sqlite3.connect(server.data_dir / "server.db") as db:
            body = db.execute("SELECT body FROM documents WHERE version = 'fixed-1'").fetchone()
        db.close()
        assert json.loads(body[0]) == fixed
    finally:
        server.stop()
    again = ServerProcess(tmp_path / "s", catalog=BARE, port=server.port).start()
    try:
        assert stored_catalogs(again) == ["fixed-1"]
    finally:
        again.stop()
