"""Issue 10 item 14: /openapi.json describes the auth, the tus headers and the real refusals,
and a documented example uploads a file with a stock HTTP library plus the signing hook."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import requests
from cryptography.hazmat.primitives import serialization

from sync import protocol as p
from sync.examples.tus_upload import SalaAuth, upload
from tests.sync.conftest import ROOT, Kiosk, ServerProcess, registration_doc

UNSIGNED = {("get", "/v1/ping"), ("post", "/v1/devices"), ("options", "/v1/uploads")}


def _spec(server: ServerProcess) -> dict[str, Any]:
    spec: dict[str, Any] = httpx.get(f"{server.url}/openapi.json").json()
    return spec


def _ops(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): op
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict)
    }


def test_every_operation_says_how_it_is_authenticated(server: ServerProcess) -> None:
    spec = _spec(server)
    schemes = spec["components"]["securitySchemes"]
    assert schemes["deviceSignature"]["name"] == p.HDR_SIGNATURE
    for header in (p.HDR_DEVICE, p.HDR_DATE, p.HDR_NONCE, p.HDR_SIGNATURE_VERSION):
        assert header in schemes["deviceSignature"]["description"]
    assert schemes["officerToken"] == {
        **schemes["officerToken"],
        "type": "http",
        "scheme": "bearer",
    }
    ops = _ops(spec)
    assert len(ops) >= 14
    for key, op in ops.items():
        if key in UNSIGNED:
            assert op["security"] == [], key
            continue
        assert op["security"] in ([{"deviceSignature": []}], [{"officerToken": []}]), key
        assert "401" in op["responses"], key
        assert "Sala-Server-Time" in op["responses"]["401"].get("headers", {}), key
        names = {x["name"].lower() for x in op.get("parameters", [])}
        assert "authorization" not in names, key  # the scheme says it, not a parameter
    officer = ops[("post", "/v1/registrations/{registration_id}/status")]
    assert officer["security"] == [{"officerToken": []}]
    assert "outside_jurisdiction" in officer["responses"]["403"]["description"]


def test_tus_headers_bodies_and_refusals_are_described(server: ServerProcess) -> None:
    ops = _ops(_spec(server))
    post, patch = ops[("post", "/v1/uploads")], ops[("patch", "/v1/uploads/{upload_id}")]
    params = {x["name"]: x for x in post["parameters"]}
    assert params["Upload-Length"]["required"] and params["Upload-Metadata"]["required"]
    assert "sha256" in params["Upload-Checksum"]["description"]
    assert {"Location", "Upload-Offset"} <= set(post["responses"]["201"]["headers"])
    assert p.TUS_CONTENT_TYPE in post["requestBody"]["content"]
    assert {x["name"] for x in patch["parameters"]} >= {"Upload-Offset", "Upload-Checksum"}
    assert patch["requestBody"]["required"]
    for status in ("409", "410", "412", "413", "415", "460", "503"):
        assert status in patch["responses"], status
    assert "offset_mismatch" in patch["responses"]["409"]["description"]
    commit = ops[("put", "/v1/registrations/{registration_id}")]["responses"]
    assert "app_number_taken" in commit["409"]["description"]
    enrol = ops[("post", "/v1/devices")]["responses"]
    assert "kiosk_numbers_exhausted" in enrol["409"]["description"]
    assert "kiosk_number" in str(_spec(server)["components"]["schemas"]["EnrolOut"])
    assert "Retry-After" in ops[("get", "/v1/changes")]["responses"]["503"]["headers"]


def test_the_documented_422_is_the_real_one(server: ServerProcess) -> None:
    spec = _spec(server)
    assert "HTTPValidationError" not in str(spec)
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message"]
    put = _ops(spec)[("put", "/v1/registrations/{registration_id}")]
    assert put["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    kiosk = Kiosk(server).enrol()
    r = kiosk.commit(str(uuid.uuid4()), {**registration_doc(kiosk), "commune_code": "x"})
    assert r.status_code == 422, r.text
    body = r.json()
    assert set(error["required"]) <= set(body) and body["error"] == "invalid_request"
    assert set(body) <= set(error["properties"])
    assert all(set(d) == {"loc", "msg"} for d in body["detail"])


def test_the_example_uploads_a_file_with_requests_and_the_signing_hook(
    server: ServerProcess, tmp_path: Path
) -> None:
    kiosk = Kiosk(server).enrol()
    data = os.urandom(700_000)
    session = requests.Session()
    session.auth = SalaAuth(kiosk.device_id, kiosk.key)
    reg_id = str(uuid.uuid4())
    location = upload(session, server.url, data, reg_id, chunk_size=256 * 1024)
    head = kiosk.request("HEAD", location, headers={"Tus-Resumable": "1.0.0"})
    assert head.headers["Upload-Offset"] == str(len(data))
    doc = registration_doc(kiosk, [(data, location)])
    assert kiosk.commit(reg_id, doc).status_code == 201  # the server took the whole file

    # The command line, as the docstring shows it.
    key = tmp_path / "device.pem"
    key.write_bytes(
        kiosk.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(os.urandom(1000))
    args = ["--server", server.url, "--device-id", kiosk.device_id, "--key", str(key)]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sync.examples.tus_upload",
            *args,
            "--registration",
            reg_id,
            str(photo),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("/v1/uploads/")
    sha = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert (server.data_dir / "media").exists() and sha
