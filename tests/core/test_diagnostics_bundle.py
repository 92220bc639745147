"""`sala diagnostics --out FILE`: one zip, and no name, phone or ID of a citizen anywhere in it."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path

import pytest

from kiosk.diagnostics.store_checks import IDENTITY_FILE
from kiosk.logs import log_path, remove_logging, setup_logging
from kiosk.store import Store
from tests.core.conftest import ManualClock
from ui.cli import main

PII = [
    "ZZTESTNAME",
    "ZZFAMILY",
    "+85512999888",
    "85512999888",
    "12999888",
    "999888777",
    "ZZVILLAGE",
]


def _seed(data_dir: Path, clock: ManualClock) -> list[str]:
    answers = {
        "name_latin": "ZZTESTNAME ZZFAMILY",
        "phone": "+85512999888",
        "id_number": "999888777",
        "address": {"village": "ZZVILLAGE"},
    }
    numbers = []
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        for _ in range(3):
            reg = s.create_draft("s", "1", "km")
            numbers.append(s.submit(reg.id, answers, [], fee_khr=0).app_number)
            # an error text quoting what the citizen typed (a server's validation message)
            s.record_sync_error(
                reg.id, "422 invalid: name 'ZZTESTNAME ZZFAMILY' phone +85512999888 id 999888777"
            )
        s.set_setting("sync.staff_error", {"error": "refused ZZTESTNAME"})
    return numbers


def _all_bytes(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_no_personal_data_anywhere_in_the_bundle(
    data_dir: Path, clock: ManualClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    numbers = _seed(data_dir, clock)
    (data_dir / IDENTITY_FILE).write_text(
        json.dumps(
            {
                "server_url": "http://127.0.0.1:9",
                "device_id": "dev-1",
                "commune_code": "120101",
                "server_public_key": "PUBKEYZZ",
                "token": "SECRETTOKENZZ",
            }
        )
    )
    setup_logging(data_dir)
    try:  # a careless log call: names are never logged, but if one were…
        logging.getLogger("sala.test").error("push failed for ZZTESTNAME ZZFAMILY +85512999888")
    finally:
        remove_logging(data_dir)
    with log_path(data_dir).open("a") as f:  # …and a line that bypassed the filter entirely
        f.write("raw ZZVILLAGE 999888777\n")
    out = tmp_path / "diag.zip"
    assert main(["--data-dir", str(data_dir), "diagnostics", "--out", str(out), "--no-camera"]) == 0
    assert "wrote" in capsys.readouterr().out
    files = _all_bytes(out)
    assert {
        "logs/sala.log",
        "versions.json",
        "config.json",
        "self-test.json",
        "queue.json",
        "sync-errors.json",
    } <= set(files)
    blob = out.read_bytes() + b"".join(files.values())
    for needle in [*PII, "SECRETTOKENZZ", "PUBKEYZZ"]:
        for form in (needle.encode(), needle.lower().encode()):
            assert form not in blob, (needle, [n for n, d in files.items() if form in d])
    # what support needs is still there
    errors = json.loads(files["sync-errors.json"])
    assert len(errors["outbox"]) == 3 and "[redacted]" in errors["outbox"][0]["last_error"]
    assert {row["app_number"] for row in errors["outbox"]} == set(numbers)
    assert json.loads(files["queue.json"])["counts"]["submitted"] == 3
    config = json.loads(files["config.json"])
    assert config["enrolment"]["server_url"] == "http://127.0.0.1:9"
    assert {r["id"] for r in json.loads(files["self-test.json"])} >= {"database", "backlog"}
    assert json.loads(files["versions.json"])["sqlite"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_locked_store_withholds_error_texts(
    data_dir: Path, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(data_dir, clock)
    monkeypatch.setenv("SALA_SECRET_DIR", str(tmp_path / "other-machine"))  # key unwraps not
    out = tmp_path / "diag.zip"
    assert main(["--data-dir", str(data_dir), "diagnostics", "--out", str(out), "--no-camera"]) == 0
    blob = b"".join(_all_bytes(out).values())
    assert b"ZZTESTNAME" not in blob and b"withheld" in blob


def test_an_unwritable_out_exits_2(data_dir: Path, clock: ManualClock, tmp_path: Path) -> None:
    _seed(data_dir, clock)
    out = tmp_path / "no" / "such" / "dir" / "diag.zip"
    assert main(["--data-dir", str(data_dir), "diagnostics", "--out", str(out), "--no-camera"]) == 2


def test_self_test_json_and_khmer(
    data_dir: Path, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(data_dir, clock)
    main(["--data-dir", str(data_dir), "self-test", "--json", "--no-camera"])
    results = json.loads(capsys.readouterr().out)
    assert {r["id"]: r["status"] for r in results}["camera"] == "skipped"
    assert all(set(r["text"]) == {"km", "en"} for r in results)
    main(["--data-dir", str(data_dir), "self-test", "--lang", "km", "--no-camera"])
    assert "មូលដ្ឋានទិន្នន័យ" in capsys.readouterr().out


def test_bundle_is_one_zip_replaced_atomically(
    data_dir: Path, clock: ManualClock, tmp_path: Path
) -> None:
    _seed(data_dir, clock)
    out = tmp_path / "diag.zip"
    out.write_bytes(b"old")
    assert main(["--data-dir", str(data_dir), "diagnostics", "--out", str(out), "--no-camera"]) == 0
    assert zipfile.is_zipfile(io.BytesIO(out.read_bytes()))
