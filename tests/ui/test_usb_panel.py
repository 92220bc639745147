"""The USB panel (ui/usb/panel.py) with real parts: an enrolled kiosk's real store, a real server
process that imports the export and writes the return bundle, sticks that are folders under a
temporary "/media" (read-only and full ones are real tmpfs mounts when this runs as root), and
every outcome said in Khmer and re-said in English on a language switch."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import Qt

from kiosk.model import State
from sync.client.usb_export import export
from sync.protocol import usb as fmt
from tests.sync.conftest import (
    COMMUNE,
    ServerProcess,
    server,  # noqa: F401  (the module's server process)
)
from tests.ui.conftest import LONG_WAIT_MS, WAIT_MS
from ui.usb.panel import UsbPanel
from ui.widgets.text import tr

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]
pytestmark = [pytest.mark.qt, pytest.mark.slow]


class Kit:
    """The kiosk side and, once `start`ed, a UsbPanel on a real TaskManager over its store."""

    def __init__(self, side: KioskSide, qtbot: Any, media: Path) -> None:
        self.side, self.qtbot, self.media = side, qtbot, media
        self.tasks: Any = None
        self.panel: Any = None

    def start(self, actions: tuple[str, ...] = ("export", "diagnostics", "import")) -> UsbPanel:
        from kiosk.store import Store
        from ui.screens.base import AppContext
        from ui.session import Session
        from ui.tasks import TaskManager

        side = self.side
        if self.tasks is None:
            side.store.close()  # the kiosk's db worker owns the store from here
            self.tasks = TaskManager()
            with self.qtbot.waitSignal(self.tasks.store_opened, timeout=LONG_WAIT_MS):
                self.tasks.open_store(
                    lambda: Store.open(
                        side.data_dir, commune_code=COMMUNE, secret_dir=side.secret_dir
                    )
                )
            self.ctx = AppContext(self.tasks, Session("km"))
        panel = UsbPanel(self.ctx, actions=actions)
        panel.data_dir = side.data_dir
        panel.stick_roots = (self.media,)
        self.qtbot.addWidget(panel)
        self.panel = panel
        return panel

    def tap(self, action: str) -> tuple[bool, str]:
        """Tap the action's button; (ok, what the panel says) once it finished."""
        names = {"export": "usbExport", "diagnostics": "usbDiagnostics", "import": "usbImport"}
        button = self.panel.findChild(type(self.panel.buttons[action]), names[action])
        with self.qtbot.waitSignal(self.panel.finished, timeout=LONG_WAIT_MS) as blocker:
            self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert blocker.args[0] == action
        return bool(blocker.args[1]), self.panel.findChild(
            type(self.panel.status), "usbStatus"
        ).text()

    def error_key(self) -> str:
        outcome = self.panel.outcome[1]
        assert isinstance(outcome, Exception)
        return str(outcome.message_key)

    def db(self, fn: Any) -> Any:
        got: list[Any] = []
        self.tasks.run_db(fn, got.append, got.append)
        self.qtbot.waitUntil(lambda: bool(got), timeout=WAIT_MS)
        assert not isinstance(got[0], BaseException), got[0]
        return got[0]

    def states(self, ids: list[str]) -> list[State]:
        return list(self.db(lambda store: [store.get(i).state for i in ids]))

    def close(self) -> None:
        if self.tasks is not None:
            self.tasks.shutdown()


@pytest.fixture
def kit(kiosk_side: KioskSide, qtbot: Any, tmp_path: Path) -> Iterator[Kit]:
    media = tmp_path / "media"  # a temporary "/media": each folder in it stands for a stick
    media.mkdir()
    k = Kit(kiosk_side, qtbot, media)
    yield k
    k.close()


_KEY_FILES: dict[Path, bytes] = {}  # server data dir -> the key file its `usb-key` wrote


def stick(kit: Kit, server: ServerProcess, name: str = "STICK") -> Path:  # noqa: F811
    """A stick with the ministry's key file, as a technician has: `usb-key` writes it on the
    server's first stick, later sticks get a copy of that file (a CLI call is ~2 s of CPU)."""
    path = kit.media / name
    path.mkdir(exist_ok=True)
    written = _KEY_FILES.get(server.data_dir)
    if written is None:
        server.cli("usb-key", "--out", str(path))
        _KEY_FILES[server.data_dir] = (path / fmt.KEY_FILE).read_bytes()
    else:
        (path / fmt.KEY_FILE).write_bytes(written)
    return path


def carry(server: ServerProcess, bundle: Path) -> Path:  # noqa: F811
    """`sala server import` at the ministry; the return bundle it wrote beside the export."""
    out = server.cli("import", str(bundle), check=False)
    assert out.returncode in (0, 1), out.stderr
    bundle_id = fmt.parse(bundle.read_bytes()).manifest["bundle_id"]
    (back,) = bundle.parent.glob(f"*{bundle_id[:8]}{fmt.RETURN_SUFFIX}")
    return back


def test_export_then_the_ministrys_answer_in_both_languages(
    kit: Kit,
    server: ServerProcess,  # noqa: F811
) -> None:
    regs = [kit.side.submit(size=4000, seed=i) for i in range(2)]
    on_stick = stick(kit, server)
    kit.start()
    ok, text = kit.tap("export")
    (bundle,) = on_stick.glob(f"*{fmt.EXPORT_SUFFIX}")
    assert ok and text == tr("usb.export.done", "km", n=2, file=bundle.name)
    kit.ctx.session.locale = "en"  # the language switch re-says the last outcome
    kit.panel.retranslate()
    assert kit.panel.status.text() == tr("usb.export.done", "en", n=2, file=bundle.name)
    assert kit.panel.buttons["import"].text() == tr("usb.panel.import", "en")
    assert kit.states([r.id for r in regs]) == [State.SUBMITTED] * 2  # still in the outbox

    carry(server, bundle)
    ok, text = kit.tap("import")
    assert ok and text.startswith("2 applications are now accepted by the ministry")
    assert kit.states([r.id for r in regs]) == [State.ACCEPTED] * 2
    ok, text = kit.tap("import")  # the same stick again: a no-op that says so
    assert ok and text == tr("usb.import.already", "en")
    ok, text = kit.tap("export")  # and nothing is left to carry
    assert not ok and text == tr("usb.error.nothing", "en")


def test_each_button_without_a_stick_says_so_and_the_supervisor_gets_export_only(
    kit: Kit,
) -> None:
    kit.start()
    for action in ("export", "diagnostics", "import"):
        ok, text = kit.tap(action)
        assert not ok and text == tr("usb.error.no_stick", "km")
    supervisor = kit.start(actions=("export",))
    assert supervisor.findChild(type(supervisor.buttons["export"]), "usbExport") is not None
    assert supervisor.findChild(type(supervisor.buttons["export"]), "usbImport") is None
    assert supervisor.status.isHidden()  # nothing said before anything was tapped
    with pytest.raises(ValueError):
        UsbPanel(kit.ctx, actions=("format",))


def test_diagnostics_on_the_stick_holds_no_personal_data(
    kit: Kit,
    server: ServerProcess,  # noqa: F811
) -> None:
    reg = kit.side.submit(size=3000, seed=7)  # answers: "សុខ ដារ៉ា", +85512345678
    on_stick = stick(kit, server)
    kit.start()
    ok, text = kit.tap("diagnostics")
    (zip_path,) = on_stick.glob("sala-diagnostics-*.zip")
    assert ok and text == tr("usb.panel.diagnostics_done", "km", file=zip_path.name)
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        blob = b"".join(zf.read(n) for n in names)
    assert {"self-test.json", "queue.json", "versions.json"} <= set(names)
    for secret in ("ដារ៉ា".encode(), b"12345678"):
        assert secret not in blob
    assert kit.states([reg.id]) == [State.SUBMITTED]


# -- sticks that cannot take a bundle -----------------------------------------------------------
def _mount(path: Path, *options: str) -> bool:
    path.mkdir(exist_ok=True)
    opts = ",".join(options)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)],
                          capture_output=True, check=False)  # fmt: skip
    return done.returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True, check=False)


@pytest.fixture
def real_sticks(kit: Kit) -> Iterator[list[Path]]:
    mounted: list[Path] = []
    yield mounted
    for path in mounted:
        _umount(path)


def test_a_read_only_and_a_full_stick_are_named_and_nothing_changes(
    kit: Kit,
    server: ServerProcess,  # noqa: F811
    real_sticks: list[Path],
    tmp_path: Path,
) -> None:
    first = kit.side.submit(size=30_000, seed=3)  # carried on an earlier visit
    earlier = stick(kit, server, "EARLIER")
    back = carry(server, export(kit.side.store, kit.side.data_dir, earlier).path)
    shutil.move(earlier, tmp_path / "earlier")  # that stick is gone
    second = kit.side.submit(size=30_000, seed=4)
    locked = kit.media / "LOCKED"
    if os.geteuid() == 0:
        if not _mount(locked, "size=1m", "mode=0755"):
            pytest.skip("mount does not work in this sandbox")
        real_sticks.append(locked)
    stick(kit, server, "LOCKED")
    (locked / back.name).write_bytes((tmp_path / "earlier" / back.name).read_bytes())
    if os.geteuid() == 0:  # a write-protected stick: mounted read-only
        subprocess.run(["mount", "-o", "remount,ro", str(locked)], check=True)
    else:  # an unprivileged tester cannot write a 0555 folder: a real EACCES
        locked.chmod(0o555)
    kit.start()
    for action in ("export", "diagnostics"):
        ok, text = kit.tap(action)
        assert not ok and text == tr("usb.error.read_only", "km"), action
    assert sorted(p.name for p in locked.iterdir()) == sorted([fmt.KEY_FILE, back.name])
    assert kit.states([first.id, second.id]) == [State.SUBMITTED] * 2
    assert kit.db(lambda store: store.outbox_count()) == 2
    ok, text = kit.tap("import")  # reading the ministry's answer needs no write
    assert ok and text == tr("usb.import.done", "km", n=1, changes=kit.panel.outcome[1].changes)
    assert kit.states([first.id, second.id]) == [State.ACCEPTED, State.SUBMITTED]
    if os.geteuid() != 0:
        locked.chmod(0o755)
        return
    _umount(locked)
    real_sticks.remove(locked)
    locked.rmdir()
    full = kit.media / "FULL"
    assert _mount(full, "size=512k")  # room for the key file, not for bundle + margin
    real_sticks.append(full)
    stick(kit, server, "FULL")
    ok, text = kit.tap("export")
    assert not ok and kit.error_key() == "usb.error.no_space"
    assert text.startswith(tr("usb.error.no_space", "km").split("{")[0])
    assert sorted(p.name for p in full.iterdir()) == [fmt.KEY_FILE]
    assert kit.states([second.id]) == [State.SUBMITTED]


# -- return bundles that must be refused --------------------------------------------------------
def _server_key(server: ServerProcess) -> Ed25519PrivateKey:  # noqa: F811
    key = serialization.load_pem_private_key(
        (server.data_dir / "server_key.pem").read_bytes(), None
    )
    assert isinstance(key, Ed25519PrivateKey)
    return key


def _resealed(server: ServerProcess, blob: bytes, **changes: Any) -> bytes:  # noqa: F811
    """The real return bundle with manifest fields changed, signed by the real server key."""
    parsed = fmt.parse(blob)
    manifest = {k: v for k, v in parsed.manifest.items() if not k.startswith("body_")}
    return fmt.seal({**manifest, **changes}, parsed.body, _server_key(server))


def test_bad_return_bundles_are_refused_with_their_reason(
    kit: Kit,
    server: ServerProcess,  # noqa: F811
) -> None:
    reg = kit.side.submit(size=4000, seed=11)
    on_stick = stick(kit, server)
    made = export(kit.side.store, kit.side.data_dir, on_stick)
    back = carry(server, made.path)
    blob = back.read_bytes()
    back.unlink()
    mine = back.name
    other = f"sala-return-0badcafe-{made.bundle_id[:8]}{fmt.RETURN_SUFFIX}"
    cases = [
        ("truncated", mine, blob[: len(blob) - 9]),
        ("tampered", mine, blob[:-3] + bytes([blob[-3] ^ 0x40]) + blob[-2:]),
        ("version", mine, _resealed(server, blob, v=0)),  # an older protocol's bundle
        ("wrong_commune", mine, _resealed(server, blob, commune_code="010101")),
        ("wrong_device", other, _resealed(server, blob, device_id="0badcafe-other-kiosk")),
        ("bad_signature", mine, fmt.seal(
            {k: v for k, v in fmt.parse(blob).manifest.items() if not k.startswith("body_")},
            fmt.parse(blob).body, Ed25519PrivateKey.generate())),
    ]  # fmt: skip
    kit.start()
    for key, name, data in cases:
        path = on_stick / name
        path.write_bytes(data)
        ok, text = kit.tap("import")
        assert not ok and text == tr(f"usb.error.{key}", "km"), key
        path.unlink()
    ok, text = kit.tap("import")
    assert not ok and text == tr("usb.error.no_return", "km")
    assert kit.states([reg.id]) == [State.SUBMITTED]  # nothing changed


def test_several_return_bundles_are_all_applied_once(
    kit: Kit,
    server: ServerProcess,  # noqa: F811
) -> None:
    first = [kit.side.submit(size=3000, seed=20 + i) for i in range(2)]
    on_stick = stick(kit, server)
    carry(server, export(kit.side.store, kit.side.data_dir, on_stick).path)
    second = kit.side.submit(size=3000, seed=30)  # the next visit, before the answer came
    last = carry(server, export(kit.side.store, kit.side.data_dir, on_stick).path)
    assert len(list(on_stick.glob(f"*{fmt.RETURN_SUFFIX}"))) == 2
    damaged = on_stick / last.name.replace(last.name.split("-")[-1], f"0damaged{fmt.RETURN_SUFFIX}")
    damaged.write_bytes(last.read_bytes()[:-20])  # a copy cut short: it must not stop the rest
    kit.start()
    ok, text = kit.tap("import")
    # the second export carried all three again (none was answered yet): each is counted once
    assert ok and kit.states([r.id for r in [*first, second]]) == [State.ACCEPTED] * 3
    result = kit.panel.outcome[1]
    assert len(result.accepted) == 3
    assert text.split("\n") == [
        tr("usb.import.done", "km", n=3, changes=result.changes),
        tr("usb.error.truncated", "km"),
    ]
    damaged.unlink()
    ok, text = kit.tap("import")
    assert ok and text == tr("usb.import.already", "km")


def test_the_answer_names_refusals_and_a_release_in_both_languages() -> None:
    from sync.client.usb_return import ReturnResult
    from ui.usb.panel import result_text

    done = ReturnResult("b", accepted=["r1", "r2"], refused=["r3"], changes=4, release="90.1")
    for lang in ("km", "en"):
        assert result_text("import", done, lang).split("\n") == [
            tr("usb.import.done", lang, n=2, changes=4),
            tr("usb.import.refused", lang, n=1),
            tr("usb.import.release", lang, version="90.1"),
        ]
    held = ReturnResult("b", accepted=["r1"], release_refused="expired")
    assert result_text("import", held, "en").split("\n")[-1] == tr(
        "usb.import.release_refused", "en"
    )
