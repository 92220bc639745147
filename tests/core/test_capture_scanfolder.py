"""The scanner's watched folder: stable files only, moved to done/ or rejected/, never deleted."""

from __future__ import annotations

from pathlib import Path

import cv2

from kiosk.capture.scanfolder import ScanFolder
from tests.fixtures.capture import scenes as S


def test_file_is_taken_once_stable_and_moved_to_done(tmp_path: Path) -> None:
    data = cv2.imencode(".jpg", S.a4_page())[1].tobytes()
    folder = ScanFolder(tmp_path)
    scan = tmp_path / "scan0001.jpg"
    with scan.open("wb") as f:  # the scanner is still writing
        f.write(data[:1000])
        f.flush()
        assert folder.collect() == []
        f.write(data[1000:5000])
        f.flush()
        assert folder.collect() == []  # size changed since the last poll
    with scan.open("ab") as f:
        f.write(data[5000:])
    assert folder.collect() == []  # first look at the final size
    taken = folder.collect()
    assert len(taken) == 1 and taken[0].error is None and len(taken[0].pages) == 1
    assert not scan.exists() and (tmp_path / "done" / "scan0001.jpg").read_bytes() == data
    assert folder.collect() == []  # nothing taken twice


def test_unreadable_file_goes_to_rejected_and_name_clash_is_kept(tmp_path: Path) -> None:
    folder = ScanFolder(tmp_path)
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "a.jpg").write_bytes(b"older")
    (tmp_path / "a.jpg").write_bytes(cv2.imencode(".jpg", S.a4_page())[1].tobytes())
    (tmp_path / "note.txt").write_text("not a scan")
    (tmp_path / "partial.tmp").write_bytes(b"ignored while the scanner writes")
    folder.collect()
    results = {r.name: r for r in folder.collect()}
    assert set(results) == {"a.jpg", "note.txt"}
    assert results["note.txt"].error is not None
    assert (tmp_path / "rejected" / "note.txt").exists()
    assert (tmp_path / "done" / "a.jpg").read_bytes() == b"older"
    assert (tmp_path / "done" / "a-1.jpg").exists()
    assert (tmp_path / "partial.tmp").exists()


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    import pytest

    from kiosk.capture import CaptureError

    with pytest.raises(CaptureError) as err:
        ScanFolder(tmp_path / "nowhere").collect()
    assert err.value.key == "capture.error.scan_folder_missing"
