"""A USB bundle read from its file without holding it (the server's import of exports of up
to hundreds of MB): the format and its checks are `sync.protocol.usb`'s; this is only the
driver that reads the file in segments and feeds them to `usb.PayloadReader`."""

from __future__ import annotations

import hashlib
import os
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.protocol import usb as fmt


class BundleReader:
    """A bundle read from its open file without holding it: the header at once (framing,
    version, body length), then the body in segments, with its SHA-256 checked against the
    signed manifest once the last one is read. Check the signature
    (`usb.check_signature(reader.header, ...)`) and the manifest before reading the body;
    `verify` then reads it all once, holding nothing, so that a bundle is refused whole
    before the first of its entries is used (`payload`)."""

    def __init__(self, source: str | os.PathLike[str] | BinaryIO) -> None:
        """`source`: a path, or a file already opened (and checked) by the caller, e.g. a
        stick's file opened without blocking; it is closed with the reader."""
        if isinstance(source, (str, os.PathLike)):
            source = open(source, "rb")  # noqa: SIM115 (closed by close/__exit__)
        self._file: BinaryIO = source
        try:
            total = self._file.seek(0, os.SEEK_END)
            self._file.seek(0)
            self.header = fmt.read_header(self._file.read, total)
        except BaseException:
            self._file.close()
            raise
        self.manifest = self.header.manifest

    def __enter__(self) -> BundleReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def payload(self, key: X25519PrivateKey | None = None) -> fmt.PayloadReader:
        """The payload, decrypted (export bundles: `key` is the ministry's) segment by segment
        as its files are taken. Every read checks everything again: a file that changed after
        `verify` fails where it changed."""
        enc, dec = self.manifest.get("enc"), None
        if enc is not None:  # None: a return bundle, signed, not encrypted
            if not isinstance(enc, dict) or key is None:
                raise fmt.BundleError("tampered", "The bundle's encryption header is malformed.")
            dec = fmt.Decryptor(enc, key)
        return fmt.PayloadReader(_Segments(self._file, self.header, dec))

    def verify(self, key: X25519PrivateKey | None = None, limit: int | None = None) -> None:
        """Read the whole body once as `payload` would, keeping nothing: body hash, every
        segment's tag, the index, every file's size and hash (over `limit`: in pieces),
        nothing after the last."""
        reader = self.payload(key)
        reader.index()
        media = reader.media(limit)
        while next(media, None) is not None:  # no name holds a file while the next is read
            pass


class _Segments:
    """The body's plaintext, one segment per `next` read from the file (a return bundle's
    plain body in pieces of `fmt.SEGMENT`), the body hash checked after the last. An iterator
    object, not a generator, so that no frame keeps a spent segment alive while the next
    one is read and decrypted."""

    def __init__(self, file: BinaryIO, header: fmt.Header, dec: fmt.Decryptor | None) -> None:
        file.seek(header.body_offset)
        self._file, self._dec, self._want = file, dec, header.manifest.get("body_sha256")
        self._left = int(header.manifest["body_size"])
        self._digest = hashlib.sha256()
        self._done = False

    def __iter__(self) -> _Segments:
        return self

    def __next__(self) -> bytes:
        if not self._left:
            if not self._done:  # once: the checks that need the whole body
                self._done = True
                if self._digest.hexdigest() != self._want:
                    raise fmt.BundleError(
                        "tampered", "The bundle's contents do not match its manifest."
                    )
                if self._dec is not None:
                    self._dec.finish()
            raise StopIteration
        step = fmt.SEGMENT if self._dec is None else fmt.SEGMENT_STEP
        piece = self._file.read(min(step, self._left))
        if not piece:  # the file shrank since it was opened
            raise fmt.BundleError("truncated", "The bundle file is cut short.")
        self._digest.update(piece)
        self._left -= len(piece)
        return piece if self._dec is None else self._dec.open(piece)
