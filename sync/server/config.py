"""Server settings, resolved once from the command line and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sync.protocol import DEFAULT_MAX_UPLOAD, UPLOAD_EXPIRY_DAYS

DAY = 86400.0


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path
    db_url: str
    media_dir: Path
    max_upload: int = DEFAULT_MAX_UPLOAD
    upload_expiry_s: float = UPLOAD_EXPIRY_DAYS * DAY
    feed_retention_s: float = 365 * DAY  # older changes are compacted; older cursors get 410
    sweep_interval_s: float = 300.0
    max_in_flight: int = 256  # above this many concurrent requests: 503 + Retry-After
    catalog_path: Path | None = None  # initial catalog when none is published yet
    enrolment_ttl_s: float = 72 * 3600.0
    # Until this epoch time, version-1 signatures (which cover no headers) are still accepted
    # on tus requests, for kiosks not yet updated; None: refused from the start.
    signature_v1_tus_until: float | None = None

    @property
    def key_path(self) -> Path:
        return self.data_dir / "server_key.pem"


def default_data_dir() -> Path:
    env = os.environ.get("SALA_SERVER_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("sala-server"))


def resolve(
    data_dir: str | Path | None = None,
    db: str | None = None,
    media_dir: str | Path | None = None,
    **overrides: object,
) -> ServerConfig:
    """Fill in defaults: SQLite file in the data dir (or $SALA_DATABASE_URL), media beside it."""
    base = Path(data_dir) if data_dir else default_data_dir()
    url = db or os.environ.get("SALA_DATABASE_URL") or f"sqlite:///{base / 'server.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    media = Path(media_dir) if media_dir else base / "media"
    clean = {k: v for k, v in overrides.items() if v is not None}
    return ServerConfig(data_dir=base, db_url=url, media_dir=media, **clean)  # type: ignore[arg-type]
