#!/usr/bin/env bash
# As close to a real install as this machine allows: a fresh Debian 12 root made by debootstrap,
# the package installed there with apt (no Recommends, so Depends must be complete), then the
# kiosk started the way sala-kiosk.service starts it (`cage -d -- /usr/bin/sala kiosk`, user
# `sala`, the unit's environment) and a picture taken of what cage shows.
#
# Not exercised here (no systemd as PID 1, no DRM/KMS, no tty1 in this sandbox): booting with
# systemd, the unit's PAM/logind seat, VT handling and restart limits. Those are checked by
# `systemd-analyze verify` in the package job and by the README's field steps.
#
# Usage: bash packaging/rootfs_check.sh [path/to/sala-kiosk_*.deb]   (root; needs network to
# the Debian mirror; ~3 minutes the first time, the base root is cached in $SALA_ROOTFS_CACHE)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
deb=${1:-$(ls -t "$here"/dist/sala-kiosk_*_amd64.deb 2>/dev/null | head -1)}
[ -f "$deb" ] || { echo "rootfs-check: no .deb (run: bash packaging/dev.sh package)"; exit 2; }
cache=${SALA_ROOTFS_CACHE:-/var/tmp/sala-rootfs-base}
root=$(mktemp -d /var/tmp/sala-rootfs.XXXXXX)
out=${SALA_ROOTFS_OUT:-$here/dist}
mirror=${SALA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
python=${SALA_PYTHON:-$here/.venv/bin/python}
display=:$((70 + RANDOM % 20))
failed=0
say() { printf 'rootfs-check: %s\n' "$*"; }
check() { # check NAME CMD...: one line per check, failures counted
  if "${@:2}" >/dev/null 2>&1; then say "ok   $1"; else say "FAIL $1"; failed=$((failed + 1)); fi
}
cleanup() {
  pkill -f "$root/usr/bin/cage" 2>/dev/null || true
  pkill -f "Xvfb $display" 2>/dev/null || true
  for m in tmp/.X11-unix tmp dev/shm dev/pts dev sys proc; do
    mountpoint -q "$root/$m" && umount -l "$root/$m"
  done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT

for tool in debootstrap Xvfb; do
  command -v "$tool" >/dev/null || /usr/bin/apt-get install -y -q debootstrap xvfb >/dev/null
done
if [ ! -f "$cache/.complete" ]; then
  say "debootstrap bookworm (minbase) into $cache"
  rm -rf "$cache"
  debootstrap --variant=minbase bookworm "$cache" "$mirror" >/dev/null
  touch "$cache/.complete"
fi
cp -a "$cache/." "$root/"
for m in proc sys dev dev/pts dev/shm; do mount --bind "/$m" "$root/$m"; done
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
as_sala() {
  chroot --userspec=sala:sala "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/var/lib/sala \
    SALA_DATA_DIR=/var/lib/sala SALA_SECRET_DIR=/var/lib/sala-secret XDG_RUNTIME_DIR=/run/user/sala \
    "$@"
}

say "apt install $(basename "$deb") --no-install-recommends"
in_root bash -c 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends /tmp/'"$(basename "$deb")" >"$out/rootfs-install.log" 2>&1 \
  || { say "FAIL apt install (see $out/rootfs-install.log)"; exit 1; }
check "user sala exists" in_root id sala
check "data dir 0700 sala" test "$(in_root stat -c '%a %U' /var/lib/sala)" = "700 sala"
check "secret dir 0700 sala, outside the data dir" \
  test "$(in_root stat -c '%a %U' /var/lib/sala-secret)" = "700 sala"
check "kiosk unit enabled at boot" test -L "$root/etc/systemd/system/multi-user.target.wants/sala-kiosk.service"
check "sala --version" as_sala /usr/bin/sala --version
mkdir -p "$root/run/user/sala" && in_root chown sala:sala /run/user/sala && chmod 700 "$root/run/user/sala"

# The unit's ExecStart under cage. wlroots' headless backend is tried first; if its output never
# renders here (wlroots 0.15 + pixman without a DRM node), cage's nested X11 backend on Xvfb.
exec_start=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/sala-kiosk.service")
shot="$out/rootfs-cage.png"
run_cage() { # run_cage BACKEND: start cage as the unit does, wait for the kiosk window, grab it
  local backend=$1
  as_sala WLR_BACKENDS="$backend" WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
    LIBSEAT_BACKEND=noop DISPLAY="$display" QT_QPA_PLATFORM=wayland XDG_SESSION_TYPE=wayland \
    $exec_start >"$out/rootfs-cage-$backend.log" 2>&1 &
  local pid=$! i
  for i in $(seq 60); do
    sleep 1
    grep -q "sala kiosk" <(ps -eo args) && [ -e "$root/var/lib/sala/logs/sala.log" ] && break
  done
  sleep 8
  if [ "$backend" = headless ]; then
    in_root apt-get install -y -q --no-install-recommends grim >/dev/null 2>&1 || true
    as_sala WAYLAND_DISPLAY=wayland-0 grim /tmp/shot.png 2>/dev/null && cp "$root/tmp/shot.png" "$shot"
  else
    DISPLAY=$display "$python" - "$shot" <<'EOF'
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(["grab", "-platform", "xcb"])
app.primaryScreen().grabWindow(0).save(sys.argv[1])
EOF
  fi
  kill "$pid" 2>/dev/null || true
  pkill -f "$root/usr/bin/cage" 2>/dev/null || pkill -x cage 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # Drawn means more than a few colours: a black or blank output compresses to almost nothing.
  "$python" -c "
import sys; from PIL import Image
im = Image.open(sys.argv[1]).convert('RGB'); colours = im.getcolors(1 << 20) or []
sys.exit(0 if len(colours) > 16 else 1)" "$shot" 2>/dev/null
}
rm -f "$shot"
if run_cage headless; then
  say "ok   kiosk drawn under cage, wlroots headless backend ($shot)"
else
  say "note wlroots headless output did not render here; trying cage's nested X11 backend"
  Xvfb "$display" -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
  sleep 2
  mkdir -p "$root/tmp/.X11-unix" && mount --bind /tmp/.X11-unix "$root/tmp/.X11-unix"
  check "kiosk drawn under cage, nested X11 backend ($shot)" run_cage x11
fi
check "kiosk wrote its log in the data dir" test -s "$root/var/lib/sala/logs/sala.log"

# Removal keeps the data; a purge of a data dir that holds nothing unsent goes through.
files() { (cd "$root/var/lib/sala" && find . -type f ! -name .unsent-at-remove | sort | md5sum); }
held=$(files)
in_root bash -c 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -q sala-kiosk' >>"$out/rootfs-install.log" 2>&1
check "apt remove keeps /var/lib/sala" test "$(files)" = "$held"
check "apt remove leaves no /opt/sala/current" test ! -e "$root/opt/sala/current/sala"
check "prerm counted nothing unsent" test "$(cat "$root/var/lib/sala/.unsent-at-remove")" = 0
in_root bash -c 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q sala-kiosk' >>"$out/rootfs-install.log" 2>&1
check "apt purge with nothing unsent deletes the data and the secret" \
  test ! -e "$root/var/lib/sala" -a ! -e "$root/var/lib/sala-secret"

if [ "$failed" -eq 0 ]; then say "PASS"; else say "FAILED ($failed)"; exit 1; fi
