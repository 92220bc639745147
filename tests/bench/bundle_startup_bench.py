"""Start-up benchmark of the packaged kiosk: the PyInstaller bundle's `sala kiosk` from process
start to the attract screen painted, against a bare PySide6 window measured in the same run.

    python tests/bench/bundle_startup_bench.py [--bundle build/kiosk/dist/sala] [--runs 5]

The bundle is packaging/build.sh's (`build/kiosk/dist/sala`, or the tree unpacked from the
.deb: `opt/sala/releases/<version>`). Each run spawns a fresh process, offscreen Qt, on a
configured data dir (setup done, so the citizen's attract screen shows, not first-run setup).
The kiosk prints `SHOWN_AT=<unix time>` on its first paint (SALA_EXIT_WHEN_SHOWN=1, as in
startup_bench.py, whose bare window and data dir this reuses). The first run of each is
reported apart as the cold start (nothing of it in the OS file cache yet, unless a previous
bench ran); the medians of the runs after it are compared: goal ratio <= 1.5 (issue 14).
`fullscreen_ratio` is `sala kiosk` as the systemd unit runs it (frameless, full-screen).
`cpu_ratio` compares the CPU seconds each process had used by its first paint (the `CPU=`
field): on a busy machine wall times swing with the load, CPU time much less. To compare two
builds, pass the other with `--other DIR` (e.g. a copy of the previous bundle): its runs are
interleaved with these, so both see the same load (`other_cpu_s`, `other_cpu_ratio`); two
benches run one after the other differ by more than most start-up changes save.
`qt_namespace` says whether PySide's `Qt` namespace (~93 enums, built all at once on first use)
was built by the first paint in the bundle's windowed and full-screen runs: `no` is the aim
(ui/app.py).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.startup_bench import BARE, _env, configure, shown_fields  # noqa: E402

QT_NAMESPACE: set[str] = set()  # the `QT_NAMESPACE=` values this bundle's runs reported


def one_run(cmd: list[str], tmp: Path, *, ours: bool = True) -> tuple[float, float]:
    """Wall seconds from process start to the first paint, and the CPU seconds used by then."""
    env = _env(tmp)
    if cmd[0] != sys.executable:  # the bundle: none of the checkout's Python settings
        env = {k: v for k, v in env.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    start = time.time()
    proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=120)
    fields = shown_fields(proc.stdout, cmd[0], proc.stderr, proc.returncode)
    if ours and cmd[0] != sys.executable:  # the bundle, not the bare window or `--other`
        QT_NAMESPACE.add(fields.get("QT_NAMESPACE", "?"))
    return float(fields["SHOWN_AT"]) - start, float(fields.get("CPU", "nan"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "build" / "kiosk" / "dist" / "sala")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--other", type=Path, help="a second bundle, timed in the same runs")
    args = parser.parse_args()
    sala = args.bundle.resolve() / "sala"  # the runs start in a temporary dir
    if not sala.is_file():
        print(f"no bundle at {args.bundle}: build it first with `bash packaging/build.sh`")
        return 2
    windowed = [str(sala), "kiosk", "--windowed"]
    full = [str(sala), "kiosk"]
    bare = [sys.executable, "-c", BARE]
    other = [str(args.other.resolve() / "sala"), "kiosk", "--windowed"] if args.other else None
    if other is not None and not Path(other[0]).is_file():
        print(f"no bundle at {args.other}")
        return 2
    with tempfile.TemporaryDirectory(prefix="sala-bundle-bench-") as tmpname:
        tmp = Path(tmpname)
        configure(tmp / "data")
        (cold_kiosk, _), (cold_bare, _) = one_run(windowed, tmp), one_run(bare, tmp)
        kiosk: list[float] = []
        fullscreen: list[float] = []
        base: list[float] = []
        kiosk_cpu: list[float] = []
        base_cpu: list[float] = []
        other_cpu: list[float] = []
        for _ in range(args.runs):  # interleaved, so all see the same machine load
            if other is not None:
                other_cpu.append(one_run(other, tmp, ours=False)[1])
            t, cpu = one_run(windowed, tmp)
            kiosk.append(t)
            kiosk_cpu.append(cpu)
            fullscreen.append(one_run(full, tmp)[0])
            t, cpu = one_run(bare, tmp)
            base.append(t)
            base_cpu.append(cpu)
    k, f, b = statistics.median(kiosk), statistics.median(fullscreen), statistics.median(base)
    kc, bc = statistics.median(kiosk_cpu), statistics.median(base_cpu)
    oc = statistics.median(other_cpu) if other_cpu else float("nan")
    print(f"bundle runs: {', '.join(f'{x:.3f}' for x in kiosk)}")
    print(f"bundle full-screen: {', '.join(f'{x:.3f}' for x in fullscreen)}")
    print(f"bare  runs: {', '.join(f'{x:.3f}' for x in base)}")
    print(f"CPU to the first paint, bundle: {', '.join(f'{x:.3f}' for x in kiosk_cpu)}")
    print(f"CPU to the first paint, bare: {', '.join(f'{x:.3f}' for x in base_cpu)}")
    print(
        f"RESULT bundle_startup_s={k:.3f} bare_qt_s={b:.3f} ratio={k / b:.2f} "
        f"fullscreen_ratio={f / b:.2f} cold_bundle_s={cold_kiosk:.3f} "
        f"cold_bare_s={cold_bare:.3f} cold_ratio={cold_kiosk / cold_bare:.2f} "
        f"cpu_s={kc:.3f} bare_cpu_s={bc:.3f} cpu_ratio={kc / bc:.2f}"
        + (f" other_cpu_s={oc:.3f} other_cpu_ratio={oc / bc:.2f}" if other_cpu else "")
        + f" qt_namespace={'/'.join(sorted(QT_NAMESPACE))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
