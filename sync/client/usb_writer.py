"""Writing a bundle without holding it in memory, and onto a stick without ever leaving half.

The payload is encrypted segment by segment (`sync.protocol.usb.Encryptor`) into a hidden temp
file in the kiosk's data dir (ciphertext only), media read one at a time, while its size and SHA-256
(which the signed manifest needs up front) are counted. Then the stick gets a hidden temp file:
header, body, fsync, rename, fsync of the folder. A pulled stick leaves no `.salabundle`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.durable import fsync_dir
from sync.client.usb_key import UsbError
from sync.protocol import usb as fmt

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Body:
    path: Path
    size: int
    sha256: str

    def chunks(self) -> Iterator[bytes]:
        with self.path.open("rb") as f:
            while piece := f.read(CHUNK):
                yield piece


def os_error(exc: OSError, where: Path, *, stick: bool = True, size: int = 0) -> UsbError:
    if not stick:
        return UsbError(f"This kiosk's disk failed or is full ({where}): {exc}",
                        key="usb.error.kiosk_disk")  # fmt: skip
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return UsbError(f"{where} is read-only: {exc}", key="usb.error.read_only")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return UsbError(f"{where} is full: {exc}", key="usb.error.no_space", mb=size // 2**20 + 2)
    return UsbError(f"Writing to {where} failed: {exc}", key="usb.error.write_failed")


@contextlib.contextmanager
def encrypted_body(
    data_dir: Path, index: dict[str, Any], read_media: Callable[[str], bytes], recipient: str
) -> Iterator[tuple[dict[str, Any], Body]]:
    """(the manifest's `enc`, the ciphertext in a temp file), removed on the way out."""
    head = fmt.payload_head(index)
    total = len(head) + sum(int(m["size"]) for m in index["media"])
    enc = fmt.Encryptor(recipient, total)
    tmp = data_dir / f".usb-export-{os.urandom(4).hex()}.tmp"
    digest, size = hashlib.sha256(), 0
    try:
        try:
            with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:

                def put(parts: list[bytes]) -> None:
                    nonlocal size
                    for part in parts:
                        f.write(part)
                        digest.update(part)
                        size += len(part)

                put(enc.update(head))
                for item in index["media"]:
                    data = read_media(str(item["sha256"]))
                    if len(data) != int(item["size"]):
                        raise UsbError(
                            f"Media {item['sha256']} is {len(data)} bytes, not {item['size']}.",
                            key="usb.error.kiosk_disk",
                        )
                    put(enc.update(data))
                put(enc.finish())
        except OSError as exc:
            raise os_error(exc, data_dir, stick=False) from exc
        yield enc.enc, Body(tmp, size, digest.hexdigest())
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def write_bundle(
    target: Path,
    data: bytes | Iterable[bytes],
    *,
    size: int = 0,
    on_chunk: Callable[[int], None] | None = None,
) -> None:
    """Hidden temp file, chunked writes, fsync, rename, fsync of the directory. Any failure
    (a pulled stick: EIO) removes the temp file if it still can; the final name never exists
    with partial contents. `on_chunk(bytes_written)` reports progress; `size` (the total, if
    known) sizes the "stick full" message."""
    tmp = target.with_name(f".{target.name}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise os_error(exc, target.parent) from exc
    try:
        try:
            done = 0
            for piece in [data] if isinstance(data, bytes) else data:
                view, at = memoryview(piece), 0
                while at < len(piece):
                    n = os.write(fd, view[at : at + CHUNK])
                    at, done = at + n, done + n
                    if on_chunk is not None:
                        on_chunk(done)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        # the stick may be gone: a hidden temp left behind never imports (no name, bad hash)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise os_error(exc, target.parent, size=size or done) from exc
