"""The console's one reader of multipart file uploads (catalog JSON, USB bundles).

python-multipart parses the body as it streams in, with the cap counted on the bytes as they
arrive: a file over `spool_at` goes to a temp file in `upload_dir` (never held whole in
memory), and a body over `cap` stops being parsed but is read to its end, so the browser gets
the page saying "too large" instead of a broken connection (`drain_oversize`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import FormParser, parse_options_header
from starlette.concurrency import run_in_threadpool


class UploadRefused(Exception):
    """The body is not a usable upload; `problem` is "too_large" | "not_multipart" | "no_file"."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass
class Received:
    """A parsed form: its text fields and its files (python-multipart `File`s; close them)."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[Any] = field(default_factory=list)

    def file(self, name: str) -> Any | None:
        """The first non-empty file sent under the form field `name`."""
        return next((f for f in self.files if f.field_name == name.encode() and f.size > 0), None)

    def close(self) -> None:
        for f in self.files:
            f.close()  # a temp file is deleted on close

    @staticmethod
    def data(f: Any) -> bytes:
        f.file_object.seek(0)
        return bytes(f.file_object.read())

    @staticmethod
    def path(f: Any) -> Path:
        """The file on disk (flushed to `upload_dir` first when it was small enough to stay in
        memory)."""
        if f.in_memory:
            f.flush_to_disk()
        f.file_object.flush()
        return Path(os.fsdecode(f.actual_file_name))


async def receive(
    request: Request,
    *,
    cap: int,
    upload_dir: Path | None = None,
    spool_at: int | None = None,
    max_fields: int = 20,
    drain_oversize: bool = True,
) -> Received:
    """Parse `request`'s multipart body; raise `UploadRefused` (files closed) when it is not one,
    is over `cap` bytes, or is malformed. Files up to `spool_at` bytes stay in memory (default:
    all of them when there is no `upload_dir`). A Content-Length over the cap is refused before
    the body is read; with `drain_oversize` the body is read first (small caps: the browser then
    shows the page, not a reset connection)."""
    size = request.headers.get("content-length", "")
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or not params.get(b"boundary"):
        raise UploadRefused("not_multipart")
    if size.isdigit() and int(size) > cap:
        if drain_oversize:
            await _drain(request)
        raise UploadRefused("too_large")
    got = Received()

    def on_field(f: Any) -> None:
        if len(got.fields) < max_fields:
            name = (f.field_name or b"").decode("utf-8", "replace")
            got.fields[name] = (f.value or b"").decode("utf-8", "replace")

    config: dict[str, Any] = {"MAX_MEMORY_FILE_SIZE": cap if spool_at is None else spool_at}
    if upload_dir is not None:
        config["UPLOAD_DIR"] = str(upload_dir)
    parser = FormParser(
        "multipart/form-data",
        on_field,
        got.files.append,
        boundary=params[b"boundary"],
        config=config,
    )
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > cap:
                if not drain_oversize:
                    break
                continue  # read to the end, parse no more
            await run_in_threadpool(parser.write, chunk)  # a spooled file: disk writes
        if received > cap:
            raise UploadRefused("too_large")
        parser.finalize()
    except BaseException as exc:  # a refusal, a malformed body, a client gone mid-upload
        got.close()
        # The part being written is held only by the parser's callbacks (a cycle): clearing
        # them frees its temp file now, not whenever the garbage collector runs.
        inner = getattr(parser, "parser", None)
        if inner is not None:
            inner.callbacks.clear()
        if isinstance(exc, (FormParserError, ValueError)):
            raise UploadRefused("no_file") from None
        raise
    return got


async def _drain(request: Request) -> None:
    async for _chunk in request.stream():
        pass
