"""Resumable media upload over tus 1.0.0 (creation-with-upload, checksum, HEAD resume).

Network only: it never touches the Store, so a few uploads can run side by side on their own
connections. Progress goes out through `report(url, offset)`, which the caller persists
(`store.save_upload_state`) so that after a cut, a crash or a reboot the upload continues from
the server's true offset (asked with HEAD) and at most one chunk is ever sent twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sync import protocol
from sync.client.api import AnswerLost, Api, Offline, Refused, SyncError, error_code

# A connection that breaks right after progress is retried at once (a HEAD on a fresh
# connection is the probe); only when that fails too does the caller back off.
MAX_QUICK_RETRIES = 3
MAX_CHECKSUM_RETRIES = 3
BAD_SIGNATURE = "bad_signature"

Report = Callable[[str, int], None]


class UploadRejected(SyncError):
    """The server will not take this file (too large, refused metadata): a person must look."""

    key = "sync.error.upload_rejected"


class Cancelled(SyncError):
    key = "sync.error.cancelled"


@dataclass
class Media:
    """One file to send: its bytes, hash and the registration it belongs to."""

    registration_id: str
    sha256: str
    data: bytes
    url: str | None = None  # from a previous attempt (store.upload_state), if any
    offset: int = 0


def _tus_headers(extra: dict[str, str]) -> dict[str, str]:
    return {"Tus-Resumable": protocol.TUS_VERSION, **extra}


def _offset(resp_headers: object, name: str = "Upload-Offset") -> int | None:
    value = resp_headers.get(name)  # type: ignore[attr-defined]
    try:  # ASCII digits only: int() would read "٣" as 3
        return protocol.parse_uint(value) if value is not None else None
    except ValueError:
        return None


def head_offset(api: Api, url: str) -> int | None:
    """The server's committed offset for an upload, or None if it is gone (404/410)."""
    resp = api.request("HEAD", url, headers=_tus_headers({}))
    if resp.status_code in (404, 410, 403):
        return None
    if resp.status_code // 100 != 2:
        raise Refused(f"HEAD {url}: {resp.status_code}", status=resp.status_code, code=None)
    return _offset(resp.headers)


def _timed_send(api: Api, method: str, path: str, chunk: bytes, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    api.stats_add("body_bytes", len(chunk))
    # urllib3 uses the connect timeout while the body goes out, and Python's sendall counts it
    # for the whole body, not per step: both limits follow the measured link, or a 64 KiB chunk
    # could never go out on a link below ~50 kbit/s.
    wait = api.link.timeout_for(len(chunk))
    timeout = (wait, wait)
    resp = api.request(method, path, body=chunk, headers=headers, timeout=timeout)
    if resp.status_code // 100 == 2:
        api.link.add_transfer(len(chunk), time.monotonic() - started)
    return resp


def _create(api: Api, media: Media, report: Report) -> tuple[str, int]:
    """POST with the first chunk in the same request (creation-with-upload)."""
    size = len(media.data)
    chunk = media.data[: api.link.chunk_size()]
    metadata = protocol.encode_tus_metadata(
        {"sha256": media.sha256, "registration": media.registration_id}
    )
    headers = _tus_headers({"Upload-Length": str(size), "Upload-Metadata": metadata})
    if chunk:
        headers["Content-Type"] = protocol.TUS_CONTENT_TYPE
        headers["Upload-Checksum"] = protocol.tus_checksum_header(chunk)
    resp = _timed_send(api, "POST", "/v1/uploads", chunk, headers)
    if resp.status_code == 413:
        raise UploadRejected(f"The server refuses a file of {size} bytes (413).")
    if resp.status_code != 201 or "Location" not in resp.headers:
        code, message = error_code(resp)
        if resp.status_code == protocol.HTTP_CHECKSUM_MISMATCH:
            raise Offline(f"first chunk damaged on the way (460): {message}")
        raise Refused(
            f"POST /v1/uploads: {resp.status_code} {code}: {message}",
            status=resp.status_code,
            code=code,
        )
    url = api.target(resp.headers["Location"])
    offset = _offset(resp.headers) or 0
    report(url, offset)
    return url, offset


def upload(
    api: Api,
    media: Media,
    *,
    report: Report,
    is_cancelled: Callable[[], bool] = lambda: False,
) -> str:
    """Send `media` to the end; returns its upload path. Raises Offline/ServerBusy/Refused."""
    size = len(media.data)
    url, offset = media.url, media.offset
    quick_left = MAX_QUICK_RETRIES
    bad_checksums = 0
    need_head = url is not None  # a stored offset is a hint: ask the server for the truth
    while True:
        if is_cancelled():
            raise Cancelled("sync was stopped")
        try:
            if url is None:
                try:
                    url, offset = _create(api, media, report)
                except Refused as exc:
                    if exc.code != BAD_SIGNATURE or bad_checksums >= MAX_CHECKSUM_RETRIES:
                        raise
                    bad_checksums += 1  # first chunk damaged on the way (see PATCH below)
                    continue
                need_head = False
            elif need_head:
                true = head_offset(api, url)
                need_head = False
                if true is None:  # expired or unknown: start again
                    url, offset = None, 0
                    continue
                if true != offset:
                    offset = true
                    report(url, offset)
            if offset >= size:
                return url
            chunk = media.data[offset : offset + api.link.chunk_size()]
            headers = _tus_headers(
                {
                    "Upload-Offset": str(offset),
                    "Content-Type": protocol.TUS_CONTENT_TYPE,
                    "Upload-Checksum": protocol.tus_checksum_header(chunk),
                }
            )
            resp = _timed_send(api, "PATCH", url, chunk, headers)
        except Refused as exc:
            if exc.code != BAD_SIGNATURE or bad_checksums >= MAX_CHECKSUM_RETRIES:
                raise
            # The signature covers the body's hash, so a bit flipped on the way shows up as
            # a bad signature before the server even reads Upload-Checksum: same cure as 460.
            bad_checksums += 1
            continue
        except Offline as exc:
            if quick_left <= 0:
                raise
            quick_left -= 1
            if isinstance(exc, AnswerLost) and url is not None:
                # The whole chunk went out: the server may have kept it. Asking costs a round
                # trip; guessing wrong would send the chunk again only to hear 409.
                need_head = True
                continue
            # Straight back at the last offset the server confirmed: if it kept more (our
            # answer was lost), it says 409 and HEAD tells us where it is. Saves a round trip.
            continue
        status = resp.status_code
        if status == 204:
            new = _offset(resp.headers)
            offset = new if new is not None else offset + len(chunk)
            report(url, offset)
            quick_left = MAX_QUICK_RETRIES  # progress: a later cut again gets quick retries
            continue
        if status == protocol.HTTP_CHECKSUM_MISMATCH:
            bad_checksums += 1
            if bad_checksums > MAX_CHECKSUM_RETRIES:
                raise Offline("chunks keep arriving damaged (460); the line is bad")
            continue  # the server kept nothing of it: send the same chunk again
        if status == 409:
            api.stats_add("offset_conflicts", 1)
            need_head = True
            continue
        if status in (404, 410):
            url, offset = None, 0
            continue
        if status == 413:
            raise UploadRejected(f"The server refuses the upload of {size} bytes (413).")
        code, message = error_code(resp)
        raise Refused(f"PATCH {url}: {status} {code}: {message}", status=status, code=code)
