"""Kiosk releases on the change feed (PROTOCOL.md "Releases").

The ministry signs a release offline (packaging/release.py); `sala server release publish
MANIFEST DEB --key release_key.pub` checks the signature and the .deb against the manifest,
keeps both under `<data dir>/releases/<version>/`, and appends one national `release` entry to
the feed. The server holds no release key and changes nothing in the manifest: kiosks verify
it against their own pinned key. `GET /v1/releases/{version}/deb` (device-signed) serves the
.deb with HTTP Range, so a kiosk on a bad line resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from sqlalchemy import Connection

from sync import protocol as p
from sync.server.auth import Signed
from sync.server.context import Ctx
from sync.server.durable import fsync_dir, write_atomic
from sync.server.errors import ApiError
from sync.server.feed import append_change

router = APIRouter(prefix="/v1", tags=["releases"])
RELEASES_DIR = "releases"
_VERSION = re.compile(r"^(?:\d+:)?[0-9][A-Za-z0-9.+~-]{0,63}$")
_DEB_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+~-]{0,120}\.deb$")


class ReleaseRefused(ValueError):
    """A manifest or .deb that is not published; nothing was stored."""


def read_public_key(line: str) -> str:
    """The base64url key from a pinned-key file's line `sala-release-ed25519 <key> <id>`."""
    parts = line.split()
    if len(parts) != 3 or parts[0] != "sala-release-ed25519":
        raise ReleaseRefused("not a Sala release key file")
    return parts[1]


def check(document: bytes, deb: Path, public_key: str) -> dict[str, Any]:
    """The manifest, if the release key signed it and `deb` is the file it describes."""
    if len(document) > p.RELEASE_MANIFEST_MAX_BYTES:
        raise ReleaseRefused("manifest too large")
    try:
        doc = json.loads(document)
        manifest, signature = doc["manifest"], doc["signature"]
        ok = p.verify(public_key, signature, p.release_signature_base(manifest))
    except (ValueError, KeyError, TypeError) as exc:
        raise ReleaseRefused(f"not a signed release manifest: {exc}") from exc
    if not ok:
        raise ReleaseRefused("the signature does not match this release key")
    info = manifest.get("deb") if isinstance(manifest, dict) else None
    version = manifest.get("version")
    if manifest.get("format") != p.RELEASE_FORMAT or not isinstance(info, dict):
        raise ReleaseRefused(f"not a {p.RELEASE_FORMAT} manifest")
    if not (isinstance(version, str) and _VERSION.match(version)):
        raise ReleaseRefused("bad version")
    if not (isinstance(info.get("file"), str) and _DEB_FILE.match(info["file"])):
        raise ReleaseRefused("bad .deb file name")
    size = deb.stat().st_size
    digest = hashlib.sha256()
    with deb.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    if size != info.get("size") or digest.hexdigest() != info.get("sha256"):
        raise ReleaseRefused(f"{deb.name} is not the file this manifest signs (size or SHA-256)")
    return dict(manifest)


def publish(conn: Connection, data_dir: Path, document: bytes, deb: Path, public_key: str) -> int:
    """Store the release and append its feed entry in the caller's transaction; its seq."""
    manifest = check(document, deb, public_key)
    version, info = manifest["version"], manifest["deb"]
    folder = data_dir / RELEASES_DIR / version
    if (folder / "manifest.json").exists():
        if (folder / "manifest.json").read_bytes() == document:
            raise ReleaseRefused(f"release {version} is already published")
        raise ReleaseRefused(f"release {version} is already published with another manifest")
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / (info["file"] + ".part")
    shutil.copyfile(deb, part)
    part.replace(folder / info["file"])
    write_atomic(folder / "manifest.json", document)
    fsync_dir(folder)
    entry = {
        "version": version,
        "channel": manifest.get("channel"),
        "manifest": json.loads(document),
        "url": f"{p.API_PREFIX}/releases/{version}/deb",
        "size": info["size"],
        "sha256": info["sha256"],
    }
    return append_change(conn, p.RELEASE_KIND, None, entry)


def _deb_path(data_dir: Path, version: str) -> Path:
    folder = data_dir / RELEASES_DIR / version
    if not _VERSION.match(version) or not (folder / "manifest.json").is_file():
        raise ApiError(404, "unknown_release", f"No release {version!r} is published.")
    info = json.loads((folder / "manifest.json").read_bytes())["manifest"]["deb"]
    return folder / str(info["file"])


@router.get("/releases/{version}/deb", summary="a published kiosk release (.deb, HTTP Range)")
async def get_release(
    version: Annotated[str, PathParam(max_length=70)], ctx: Ctx, req: Signed
) -> FileResponse:
    path = _deb_path(ctx.config.data_dir, version)
    return FileResponse(path, media_type="application/vnd.debian.binary-package")
