#!/usr/bin/env bash
# The packaged kiosk: `bash packaging/build.sh` builds, from this checkout on Debian 12 x86-64,
# a PyInstaller one-folder bundle of `sala` (packaging/sala.spec says what goes in and what is
# trimmed), then dist/sala-kiosk_<version>_amd64.deb (README "Packaged kiosk").
# Environment: SALA_BUILD_DIR (work dir, default build/kiosk), SALA_DIST_DIR (default dist).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
BUILD=${SALA_BUILD_DIR:-$ROOT/build/kiosk}
DIST=${SALA_DIST_DIR:-$ROOT/dist}
for dir in /usr/local/sbin /usr/sbin /sbin; do
  case ":$PATH:" in *":$dir:"*) ;; *) PATH="$PATH:$dir" ;; esac
done
export PATH
start=$(date +%s)
step() { echo "sala build [$(($(date +%s) - start))s]: $*"; }

# readelf/strip (binutils) for the bundle; PyInstaller's Qt hooks import PySide6, which needs
# the Qt runtime libraries (the same as packaging/dev.sh's).
QT_LIBS="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libglib2.0-0 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0"
missing=()
for pkg in binutils $QT_LIBS; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "sala build: please install these system packages first: ${missing[*]}" >&2
    exit 1
  fi
fi

# The build venv: the kiosk's extras and PyInstaller (the `build` extra), reinstalled when
# pyproject.toml changes (its version is the package's version: the one owner).
VENV=.venv-build
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
want="kiosk,escpos,build $(sha256sum pyproject.toml | cut -c1-16)"
if [ "$(cat "$VENV/.sala-stamp" 2>/dev/null)" != "$want" ]; then
  step "installing the build venv ($VENV)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[kiosk,escpos,build]"
  echo "$want" > "$VENV/.sala-stamp"
fi
VERSION=$("$VENV/bin/python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
[[ $VERSION =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || { echo "sala build: bad version '$VERSION'" >&2; exit 1; }
ARCH=amd64
PKG=sala-kiosk
DEB="$DIST/${PKG}_${VERSION}_${ARCH}.deb"

step "PyInstaller one-folder bundle of sala $VERSION"
rm -rf "$BUILD"
mkdir -p "$BUILD" "$DIST"
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN --distpath "$BUILD/dist" \
  --workpath "$BUILD/work" packaging/sala.spec
BUNDLE=$BUILD/dist/sala
# Qt's ICU data down to what Qt uses here (packaging/trim_icu.py says what and why): ~30 MB.
if command -v icupkg >/dev/null && command -v genccode >/dev/null && command -v gcc >/dev/null; then
  "$PY" packaging/trim_icu.py "$BUNDLE"/_internal/PySide6/Qt/lib/libicudata.so.*
else
  echo "sala build: WARNING: icu-devtools or gcc missing: ICU data not trimmed (~30 MB more)" >&2
fi
# Symbol tables and debug info out of every ELF file that still loads without them (~13 MB;
# packaging/strip_bundle.py keeps the original of any that strip would break).
"$VENV/bin/python" packaging/strip_bundle.py "$BUNDLE"
got=$("$BUNDLE/sala" --version)
[ "$got" = "sala $VERSION" ] || { echo "sala build: the bundle says '$got', not 'sala $VERSION'" >&2; exit 1; }

step "package tree"
TREE=$BUILD/deb
REL=opt/sala/releases/$VERSION
mkdir -p "$TREE/DEBIAN" "$TREE/$REL" "$TREE/usr/bin" "$TREE/lib/systemd/system" "$TREE/etc/pam.d" \
  "$TREE/usr/share/doc/$PKG/examples" "$TREE/usr/share/lintian/overrides"
cp -a "$BUNDLE/." "$TREE/$REL/"
ln -s "releases/$VERSION" "$TREE/opt/sala/current"
ln -s /opt/sala/current/sala "$TREE/usr/bin/sala"
install -m 0644 packaging/deb/sala-kiosk.service packaging/deb/sala-kiosk-failed.service \
  packaging/deb/sala-kiosk-left.service packaging/deb/sala-kiosk-notice.service \
  packaging/deb/sala-update.service packaging/deb/sala-update.path "$TREE/lib/systemd/system/"
# The ministry's release public key, pinned (README "Updates"): $SALA_RELEASE_PUBKEY or
# packaging/release_key.pub (from the key ceremony). Without one the package installs, but
# refuses every update ("no release key").
KEY=${SALA_RELEASE_PUBKEY:-packaging/release_key.pub}
if [ -f "$KEY" ]; then
  install -D -m 0644 "$KEY" "$TREE/usr/share/sala-kiosk/release_key.pub"
else
  echo "sala build: WARNING: no release public key ($KEY): this package refuses all updates" >&2
fi
install -D -m 0755 packaging/deb/kiosk-session "$TREE/usr/lib/sala-kiosk/kiosk-session"
install -m 0644 packaging/deb/pam-sala-kiosk "$TREE/etc/pam.d/sala-kiosk"
# Lock-down: no Magic SysRq keyboard control (Alt+SysRq+R, then Ctrl+Alt+Fn leaves the kiosk).
install -D -m 0644 packaging/deb/sysctl-sala-kiosk.conf "$TREE/usr/lib/sysctl.d/60-sala-kiosk.conf"
install -m 0644 packaging/deb/copyright packaging/deb/README.Debian "$TREE/usr/share/doc/$PKG/"
# Every bundled distribution's licence texts, one folder each, gathered by sala.spec from what
# went into the bundle (packaging/licences.py); the copyright file points there.
cp -r "$BUILD/dist/licences" "$TREE/usr/share/doc/$PKG/licences"
install -m 0644 packaging/deb/examples/99-sala-touch.rules "$TREE/usr/share/doc/$PKG/examples/"
install -m 0644 packaging/deb/lintian-overrides "$TREE/usr/share/lintian/overrides/$PKG"
# A native package's changelog (Debian policy 12.7), from the version owner.
printf '%s (%s) unstable; urgency=medium\n\n  * Built from the Sala checkout by packaging/build.sh.\n\n -- Sala maintainers <sala-kiosk@example.org>  %s\n' \
  "$PKG" "$VERSION" "$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" \
  | gzip -9n > "$TREE/usr/share/doc/$PKG/changelog.gz"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$TREE/DEBIAN/"
echo /etc/pam.d/sala-kiosk > "$TREE/DEBIAN/conffiles"
# Files world-readable, dirs and executables 0755, whatever the checkout's umask was.
chmod -R u+rwX,go+rX,go-w "$TREE"
# Shared libraries are not programs (lintian: shared-library-is-executable).
find "$TREE/$REL" -type f -name '*.so*' -exec chmod 0644 {} +

step "Depends from the bundle's ELF files: every library they need that the bundle lacks"
# Each NEEDED library not shipped in the bundle is found with ldconfig and named by the Debian
# package that owns it (dpkg -S). One not found anywhere fails the build.
mapfile -t elves < <(find "$TREE/$REL" -type f -exec sh -c 'for f; do [ "$(head -c4 "$f")" = "$(printf "\177ELF")" ] && echo "$f"; done' _ {} +)
declare -A bundled=()
while IFS= read -r name; do bundled[$name]=1; done < <(find "$TREE/$REL" \( -type f -o -type l \) -printf '%f\n')
declare -A need=()
for f in "${elves[@]}"; do
  while IFS= read -r lib; do
    [ -n "${bundled[$lib]:-}" ] || need[$lib]=1
  done < <(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done
declare -A pkgs=()
unresolved=()
cache=$(ldconfig -p)
for lib in "${!need[@]}"; do
  path=$(awk -v l="$lib" '$1 == l && /x86-64/ { print $NF }' <<<"$cache" | head -1)
  owner=""
  if [ -n "$path" ]; then
    for p in "$path" "$(readlink -f "$path")" "/usr$path" "${path#/usr}"; do
      owner=$(dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1 || true)
      [ -z "$owner" ] || break
    done
  fi
  if [ -n "$owner" ]; then pkgs[$owner]=1; else unresolved+=("$lib"); fi
done
if [ ${#unresolved[@]} -gt 0 ]; then
  echo "sala build: no Debian package provides: ${unresolved[*]}" >&2
  exit 1
fi
unset 'pkgs[libc6]'
printf '%s\n' "${!need[@]}" | sort > "$BUILD/needed-libs.txt"
# Besides the libraries: cage (the compositor) and xwayland (Debian's cage is built with
# XWayland and exits at start without /usr/bin/Xwayland, and it only Recommends it: found by
# packaging/rootfs_check.sh), adduser (postinst), libpam-systemd (the unit's logind session),
# glibc 2.34+ (PySide6's wheels are built for it), and fontconfig: its dpkg trigger builds the
# system's font cache (/var/cache/fontconfig) at install, which libfontconfig1 alone never does,
# so the kiosk's first start after installing reads that cache instead of scanning every
# system font file (and writing a cache of its own into the data dir, the sala user's home).
# Recommends: the GPU drivers cage draws with, and libusb for an ESC/POS printer on USB (pyusb
# loads it with ctypes, so no ELF file names it).
depends="libc6 (>= 2.34), $(printf '%s\n' "${!pkgs[@]}" | sort | paste -sd, | sed 's/,/, /g'), cage, xwayland, adduser, libpam-systemd, fontconfig"

step "control file and $DEB"
size_kb=$(du -sk --exclude=DEBIAN "$TREE" | cut -f1)
cat > "$TREE/DEBIAN/control" <<EOF
Package: $PKG
Version: $VERSION
Architecture: $ARCH
Maintainer: Sala maintainers <sala-kiosk@example.org>
Installed-Size: $size_kb
Depends: $depends
Recommends: libgl1-mesa-dri, libusb-1.0-0
Section: misc
Priority: optional
Description: Sala commune-hall kiosk for government services
 Sala is an offline-first touchscreen kiosk where a citizen applies for a
 government service at the commune hall, in Khmer or English. It keeps
 applications in an encrypted local store and syncs them to the ministry.
 .
 This package boots the machine straight into the kiosk: full-screen inside
 the cage Wayland compositor on tty1, as the system user sala.
EOF
(cd "$TREE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$TREE/DEBIAN/md5sums"
chmod 0644 "$TREE/DEBIAN/control" "$TREE/DEBIAN/md5sums" "$TREE/DEBIAN/conffiles"
rm -f "$DEB"
dpkg-deb --root-owner-group -Zzstd -b "$TREE" "$DEB" >/dev/null
step "done: $DEB ($(du -m "$DEB" | cut -f1) MB, installed ${size_kb} kB)"
