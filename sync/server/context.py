"""What every request handler needs: settings, the engine, the signing key, upload locks."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, Request
from sqlalchemy import Engine

from sync.server import db, keys
from sync.server.config import ServerConfig
from sync.server.media import MediaStore


@dataclass
class Context:
    config: ServerConfig
    engine: Engine
    key: Ed25519PrivateKey
    public_key: str
    media: MediaStore
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _locks_guard: threading.Lock = field(default_factory=threading.Lock)

    def upload_lock(self, upload_id: str) -> threading.Lock:
        """One lock per upload: two PATCHes racing on one file must not interleave writes."""
        with self._locks_guard:
            lock = self._locks.get(upload_id)
            if lock is None:
                if len(self._locks) > 10000:
                    self._locks = {k: v for k, v in self._locks.items() if v.locked()}
                lock = self._locks[upload_id] = threading.Lock()
            return lock


def open_context(config: ServerConfig) -> Context:
    """Engine + migrations + signing key + media dir: everything a request or a CLI call needs.
    Here, not in app.py: a CLI call opens it without importing the routes (a second of CPU)."""
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # PII and the signing key
    engine = db.make_engine(config.db_url)
    db.migrate(engine)
    key = keys.load_or_create(config.key_path)
    return Context(
        config=config,
        engine=engine,
        key=key,
        public_key=keys.public_b64(key),
        media=MediaStore(config.media_dir),
    )


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.sala
    return ctx


Ctx = Annotated[Context, Depends(get_context)]
