"""Everything checked before a release is unpacked, in this order: the signature by the pinned
key, freshness, anti-rollback (lifted only by a signed downgrade naming exactly this step:
`downgrade`), then the .deb's size and SHA-256 (streamed; nothing is extracted). The kiosk
runs it before asking for an install and the root unit runs it again on its own copy. It
changes nothing: the caller records the result (`UpdateState.accept`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.update import downgrade as dg
from kiosk.update.manifest import Manifest, UpdateRefused, read_signed
from kiosk.update.state import UpdateState
from kiosk.update.versions import compare

CHUNK = 1 << 20


def check_manifest(
    m: Manifest, installed: str, state: UpdateState, downgrade: dg.Downgrade | None = None
) -> None:
    """Freshness and anti-rollback for a manifest whose signature already checked out.

    With `downgrade` (already verified: `dg.read_signed`), a version below the installed
    one, the highest ever run and the highest `min_version` seen is allowed, if the downgrade
    names exactly `installed` → `m.version` and has not expired; the release's own
    `min_version` still holds, and so does the kiosk's floor unless the downgrade was issued
    after the manifest that raised it (one signed earlier cannot have known that minimum)."""
    reference = state.reference_time()
    if reference is not None and m.expires_at() < reference:
        raise UpdateRefused("expired", m.version, version=m.version)
    if compare(m.version, installed) == 0:
        raise UpdateRefused("already_installed", m.version, version=m.version)
    floors: tuple[str | None, ...] = (m.min_version, state.floor_version)
    if downgrade is not None and compare(m.version, installed) < 0:
        dg.check(downgrade, installed, m.version, reference)
        since = state.floor_since()
        if since is not None and downgrade.issued_at > since:
            floors = (m.min_version,)
    else:
        for floor in (installed, state.highest_version):
            if floor is not None and compare(m.version, floor) < 0:
                raise UpdateRefused("rollback", f"{m.version} < {floor}", version=m.version)
    for floor in floors:
        if floor is not None and compare(m.version, floor) < 0:
            raise UpdateRefused("below_minimum", f"{m.version} < {floor}", version=m.version)


def check_deb(path: Path, m: Manifest) -> None:
    """The .deb is exactly the one signed: its size first (a truncated copy from a pulled
    stick is named as such), then its SHA-256."""
    try:
        size = path.stat().st_size
        if size != m.size:
            raise UpdateRefused("size_mismatch", f"{size} != {m.size}", version=m.version)
        digest = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise UpdateRefused("unreadable", str(exc), version=m.version) from exc
    if digest.hexdigest() != m.sha256:
        raise UpdateRefused("hash_mismatch", path.name, version=m.version)


def verify_release(
    document: bytes,
    deb: Path,
    public: Ed25519PublicKey,
    installed: str,
    state: UpdateState,
    downgrade: bytes | None = None,
) -> Manifest:
    """The verified manifest of (`document`, `deb`), or UpdateRefused naming the first
    failed check; `downgrade`: a signed downgrade document (`kiosk.update.downgrade`)."""
    m = read_signed(document, public)
    d = dg.read_signed(downgrade, public) if downgrade is not None else None
    check_manifest(m, installed, state, d)
    check_deb(deb, m)
    return m
