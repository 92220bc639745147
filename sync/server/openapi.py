"""What FastAPI cannot see in `/openapi.json`: the signature and bearer schemes, the tus headers
and bodies, and every refusal with its real `{"error", "message"}` shape.

The handlers read tus headers from the raw request and the auth happens in a dependency that
raises, so FastAPI's generated document described none of it (and its 422 shape was not ours).
One pass here adds that per operation, keyed by method and path, so the routes stay readable
and a test checks that no operation is left undescribed.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from sync import protocol as p

ERROR = {"$ref": "#/components/schemas/Error"}
DEVICE = "deviceSignature"
OFFICER = "officerToken"
SIGNATURE_HELP = (
    "Ed25519 signature of the enrolled device (sync/PROTOCOL.md, 'Device identity'). Send "
    f"`{p.HDR_DEVICE}` (device id), `{p.HDR_DATE}` (`YYYY-MM-DDTHH:MM:SSZ`, within ±5 min), "
    f"`{p.HDR_NONCE}` (16 random bytes, base64url), `{p.HDR_SIGNATURE_VERSION}: 2` and "
    f"`{p.HDR_SIGNATURE}`: base64url signature over `sala-v2\\nMETHOD\\nPATH?QUERY\\nDATE\\n"
    "NONCE\\nHEADERS\\nhex(sha256(body))`, where HEADERS are `name:value` lines for those of "
    f"{', '.join(p.SIGNED_HEADERS)} that the request carries, in that order. "
    "`sync.protocol.sign_request` builds them; sync/examples/tus_upload.py shows a requests hook."
)
OFFICER_HELP = (
    "`Authorization: Bearer <token>` from `sala-server officer-token --role decide|publish|admin "
    "--jurisdiction CODES --expires-days N`. 401: token missing, unknown, expired or revoked; "
    "403: role or jurisdiction does not allow this (forbidden_role, outside_jurisdiction)."
)
UNSIGNED = {("get", "/v1/ping"), ("post", "/v1/devices"), ("options", "/v1/uploads")}
OFFICER_OPS = {
    ("post", "/v1/registrations/{registration_id}/status"),
    ("post", "/v1/catalog"),
    ("post", "/v1/gazetteer"),
}
TUS_PATH = "/v1/uploads/{upload_id}"


def _hdr(description: str, *, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "schema": schema or {"type": "string"}}


def _param(name: str, description: str, required: bool = False, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "string", **schema},
    }


UINT = {"pattern": "^[0-9]{1,18}$"}  # ASCII digits only (protocol.parse_uint)
TUS_RESUMABLE = _param("Tus-Resumable", "must be 1.0.0 when sent (else 412)", enum=["1.0.0"])
CHECKSUM = _param("Upload-Checksum", "`sha256 <standard base64 of the chunk's digest>`")
BINARY = {p.TUS_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}
TUS_OUT = {
    "Tus-Resumable": _hdr("1.0.0"),
    "Upload-Offset": _hdr("bytes the server holds", schema={"type": "integer"}),
}

# The clerk station (PROTOCOL.md "Clerk station: versions, staff events, end of day").
_REG = "/v1/registrations/{registration_id}"
CLERK_REFUSALS: dict[tuple[str, str], dict[int, str]] = {
    ("put", _REG + "/versions/{version}"): {
        400: "bad_json (NaN/Infinity)",
        403: "wrong_commune: a registration of another commune | staff_wrong_commune",
        404: f"{p.ERR_UNKNOWN_REGISTRATION}",
        409: f"{p.ERR_VERSION_CONFLICT} ((id, n) held with other content, or n is not the held "
        f"version + 1; with `current_version`) | {p.ERR_STATUS_FORBIDS} (decided; with "
        "`status`) | attachments_missing (with `missing`)",
        410: f"{p.ERR_PURGED}: the server no longer holds this registration",
        422: "invalid_request (body version/base_version differ from the path, bad `at`)",
    },
    ("put", _REG + "/events/{event_id}"): {
        400: "bad_json (NaN/Infinity)",
        403: "wrong_commune: a registration of another commune | staff_wrong_commune",
        404: f"{p.ERR_UNKNOWN_REGISTRATION}",
        409: f"{p.ERR_EVENT_CONFLICT} | {p.ERR_STATUS_FORBIDS} (collected needs "
        f"ready_for_pickup; with `status`) | {p.ERR_ALREADY_COLLECTED} (with `status`, "
        f"`kiosk_number`, `at`) | {p.ERR_FEE_MISMATCH} (with `expected_riel`) | "
        f"{p.ERR_FEE_ALREADY_RECEIVED} (with `event_id`)",
        410: f"{p.ERR_PURGED}",
        422: f"invalid_request | {p.ERR_EVENT_INVALID} (data does not fit its kind)",
    },
    ("put", "/v1/end-of-day/{day}/{revision}"): {
        400: "bad_json (NaN/Infinity)",
        403: "wrong_commune: commune_code is not the device's | staff_wrong_commune",
        409: f"{p.ERR_END_OF_DAY_CONFLICT}: this revision was received with other content",
        422: f"invalid_request | {p.ERR_END_OF_DAY_INVALID} (path and body differ, no such "
        "date, fee totals that do not agree)",
    },
}

# Refusals by (method, path): status -> the error codes it can carry.
REFUSALS: dict[tuple[str, str], dict[int, str]] = {
    ("post", "/v1/devices"): {
        403: "enrolment_code_invalid | enrolment_code_used | enrolment_code_expired",
        409: "kiosk_numbers_exhausted: the commune has no kiosk number left",
        422: "invalid_request | bad_public_key",
    },
    ("put", "/v1/registrations/{registration_id}"): {
        400: "bad_json (NaN/Infinity)",
        403: "wrong_commune",
        409: "conflict (same id, other content) | attachments_missing (with `missing`) | "
        "app_number_taken (another kiosk sent this application number)",
    },
    ("get", "/v1/changes"): {400: "bad_cursor", 410: "cursor_expired: fetch /v1/snapshot"},
    ("get", "/v1/catalog/{version}"): {404: "unknown_version"},
    ("get", "/v1/gazetteer/{version}"): {404: "unknown_version"},
    ("post", "/v1/registrations/{registration_id}/status"): {
        404: "unknown_registration",
        409: "bad_transition (with `current`)",
    },
    ("post", "/v1/catalog"): {409: "already_published", 422: "bad_document"},
    ("post", "/v1/gazetteer"): {409: "already_published", 422: "bad_document"},
    ("post", "/v1/uploads"): {
        400: "bad_header | bad_metadata | defer_length | checksum_algorithm",
        412: "tus_version (with Tus-Version)",
        413: "too_large (with Tus-Max-Size)",
        415: "content_type",
        p.HTTP_CHECKSUM_MISMATCH: "checksum_mismatch: send the chunk again",
    },
    ("head", TUS_PATH): {404: "unknown_upload", 410: "upload_expired", 412: "tus_version"},
    ("patch", TUS_PATH): {
        400: "bad_header | checksum_algorithm",
        404: "unknown_upload",
        409: "offset_mismatch (with `offset` and Upload-Offset) | upload_failed",
        410: "upload_expired",
        412: "tus_version",
        413: "too_many_bytes | too_large",
        415: "content_type",
        p.HTTP_CHECKSUM_MISMATCH: "checksum_mismatch: send the chunk again",
    },
    ("delete", TUS_PATH): {404: "unknown_upload", 410: "upload_expired", 412: "tus_version"},
    # A refused batch is refused whole; the body names the change (`index`, `id`).
    ("post", "/v1/staff-changes"): {
        400: "bad_json (NaN/Infinity)",
        403: "staff_wrong_commune (staff or `by` of another commune) | staff_actor_unknown | "
        "staff_actor_disabled | staff_actor_not_allowed (with `index`, `id`)",
        404: "unknown_staff: not an add, and the server has no such staff (with `index`, `id`)",
        409: "staff_change_conflict (same change id, other content) | staff_disabled (the "
        "server disabled this account) (with `index`, `id`)",
        422: "invalid_request | staff_change_invalid (detail or `at` malformed, a verifier "
        "that is not Argon2id at the protocol's floor; with `index`, `id`)",
    },
    ("post", "/v1/audit"): {
        400: "bad_json (NaN/Infinity)",
        409: f"{p.ERR_AUDIT_CHAIN_BROKEN} | {p.ERR_AUDIT_GAP}: flagged for the back office; "
        "with `seq` (the first entry that did not fit), `head_seq`/`head_hash` (what the "
        "server holds now, including the good entries of this upload), `stored`, `kind` and "
        "for a gap `expected_seq`",
        422: "invalid_request | audit_batch_unordered | audit_details_too_large (with `seq`)",
    },
    ("post", "/v1/device-report"): {
        400: "bad_json (NaN/Infinity)",
        422: "invalid_request | report_invalid (free text, unknown status, too many values)",
    },
    **CLERK_REFUSALS,
}

# tus request headers, bodies and answers FastAPI cannot infer (the handlers read them raw).
TUS: dict[tuple[str, str], dict[str, Any]] = {
    ("options", "/v1/uploads"): {
        "responses": {
            "204": {
                "description": "tus capabilities",
                "headers": {
                    h: _hdr(h)
                    for h in ("Tus-Version", "Tus-Extension", "Tus-Max-Size", "Tus-Resumable")
                }
                | {"Tus-Checksum-Algorithm": _hdr("sha256")},
            }
        }
    },
    ("post", "/v1/uploads"): {
        "parameters": [
            TUS_RESUMABLE,
            _param("Upload-Length", "whole file size in bytes", True, **UINT),
            _param(
                "Upload-Metadata",
                "`sha256 <base64 of the 64 hex digits>,registration <base64 id>` (tus metadata)",
                True,
            ),
            CHECKSUM,
        ],
        "requestBody": {"required": False, "content": BINARY},
        "responses": {
            "201": {
                "description": "created; with a first chunk (creation-with-upload) its offset",
                "headers": {"Location": _hdr("/v1/uploads/<id>"), **TUS_OUT},
            }
        },
    },
    ("head", TUS_PATH): {
        "parameters": [TUS_RESUMABLE],
        "responses": {
            "200": {
                "description": "where to resume",
                "headers": {
                    **TUS_OUT,
                    "Upload-Length": _hdr("declared size", schema={"type": "integer"}),
                    "Upload-Expires": _hdr("HTTP date, while open"),
                },
            }
        },
    },
    ("patch", TUS_PATH): {
        "parameters": [
            TUS_RESUMABLE,
            _param("Upload-Offset", "the offset this chunk starts at", True, **UINT),
            CHECKSUM,
        ],
        "requestBody": {"required": True, "content": BINARY},
        "responses": {
            "204": {
                "description": "chunk stored and fsynced",
                "headers": {**TUS_OUT, "Upload-Expires": _hdr("HTTP date")},
            }
        },
    },
    ("delete", TUS_PATH): {"parameters": [TUS_RESUMABLE]},
    ("post", "/v1/catalog"): {"requestBody": {"required": True, "content": {}}},
    ("post", "/v1/gazetteer"): {"requestBody": {"required": True, "content": {}}},
}
DOCUMENT = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["version"],
            "properties": {"version": {"type": "string", "minLength": 1, "maxLength": 100}},
            "additionalProperties": True,
        }
    }
}


def _error_response(description: str, **headers: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": {"application/json": {}}}
    out["content"]["application/json"]["schema"] = ERROR
    if headers:
        out["headers"] = {k.replace("_", "-"): v for k, v in headers.items()}
    return out


def _schemas(components: dict[str, Any]) -> None:
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Error"] = {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "machine-readable code"},
            "message": {"type": "string", "description": "one English sentence"},
            "detail": {
                "type": "array",
                "description": "422 invalid_request only: what was wrong, field by field",
                "items": {
                    "type": "object",
                    "properties": {
                        "loc": {"type": "array", "items": {"type": "string"}},
                        "msg": {"type": "string"},
                    },
                },
            },
        },
        "additionalProperties": True,
    }
    components["securitySchemes"] = {
        DEVICE: {"type": "apiKey", "in": "header", "name": p.HDR_SIGNATURE},
        OFFICER: {"type": "http", "scheme": "bearer", "description": OFFICER_HELP},
    }
    components["securitySchemes"][DEVICE]["description"] = SIGNATURE_HELP


def _operation(method: str, path: str, op: dict[str, Any]) -> None:
    key = (method, path)
    extra = TUS.get(key, {})
    params = [x for x in op.get("parameters", []) if x.get("name", "").lower() != "authorization"]
    params += extra.get("parameters", [])
    op.pop("parameters", None)
    if params:
        op["parameters"] = params
    if "requestBody" in extra:
        op["requestBody"] = extra["requestBody"]
        if path in ("/v1/catalog", "/v1/gazetteer"):
            op["requestBody"]["content"] = DOCUMENT
    responses: dict[str, Any] = op.setdefault("responses", {})
    responses.update(extra.get("responses", {}))
    if key in UNSIGNED:
        op["security"] = []
    else:
        op["security"] = [{OFFICER: []}] if key in OFFICER_OPS else [{DEVICE: []}]
        responses["401"] = _error_response(
            "not authenticated: unauthorized | unknown_device | device_revoked | bad_signature "
            "| signature_version | bad_date | clock_skew | replay (device); unauthorized | "
            "token_unknown | token_expired | token_revoked (officer)",
            Sala_Server_Time=_hdr("the server's clock, RFC 3339 (device requests)"),
        )
    if key in OFFICER_OPS:
        responses["403"] = _error_response("forbidden_role | outside_jurisdiction")
    for status, codes in REFUSALS.get(key, {}).items():
        responses[str(status)] = _error_response(codes)
    if "422" in responses or op.get("parameters") or "requestBody" in op:
        previous = REFUSALS.get(key, {}).get(422, "invalid_request")
        responses["422"] = _error_response(previous + " (with `detail`)")
    if path != "/v1/ping":
        responses["503"] = _error_response(
            "busy: too many requests in flight", Retry_After=_hdr("seconds")
        )
    if method in ("get", "put", "post", "patch"):
        responses.setdefault("413", _error_response("too_large: the body is over the limit"))


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Add auth, tus and refusals to FastAPI's generated schema (in place; returned)."""
    _schemas(schema.setdefault("components", {}))
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if isinstance(op, dict):
                _operation(method, path, op)
    return schema


def install(app: FastAPI) -> None:
    """Serve the documented schema at /openapi.json (built once, on first request), and the
    partner API's own at /partner/v1/openapi.json."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(
                _paths(
                    get_openapi(
                        title=app.title,
                        version=app.version,
                        description=app.description,
                        routes=app.routes,
                    ),
                    partner=False,
                )
            )
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]
    _install_partner(app)


# --- the partner API (sync/server/partner.py, PROTOCOL.md "Partner API") ---------------------
# Its own document: a CamDX / X-Road security server publishes a provider's service
# description from one OpenAPI URL, and partners must see their two operations, not the kiosks'.

PARTNER = "partnerKey"
PARTNER_PREFIX = "/partner/v1"
PARTNER_HELP = (
    "`Authorization: Bearer <key>` from `sala server partner add --name … --ministry CODES "
    "[--services IDS] [--jurisdiction CODES] [--rights check,decisions] [--expires-days N] "
    "[--rate PER_MINUTE] [--burst N]`. Keys are scoped, expire, can be revoked, and every use "
    "is audited (with the X-Road-Client and X-Road-Id headers when a security server sends them)."
)
PARTNER_REFUSALS: dict[tuple[str, str], dict[int, str]] = {
    ("post", PARTNER_PREFIX + "/receipts/check"): {},
    ("get", PARTNER_PREFIX + "/decisions"): {
        410: "cursor_expired: older than the retained feed or not from this server (with "
        "`floor`, the oldest cursor still answerable)"
    },
}


def _paths(schema: dict[str, Any], *, partner: bool) -> dict[str, Any]:
    """Keep only the partner paths (or all but them), and the schemas those still use."""
    paths = schema.get("paths", {})
    schema["paths"] = {
        k: v for k, v in paths.items() if k.startswith(PARTNER_PREFIX + "/") == partner
    }
    defined = schema.get("components", {}).get("schemas", {})
    used: set[str] = set()
    todo = [schema["paths"]]
    while todo:
        text = str(todo.pop())
        for name in re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", text):
            if name not in used and name in defined:
                used.add(name)
                todo.append(defined[name])
    if defined:
        schema["components"]["schemas"] = {k: v for k, v in defined.items() if k in used}
    return schema


def partner_document(schema: dict[str, Any]) -> dict[str, Any]:
    """The partner operations' auth, rate limit and refusals (in place; returned)."""
    components = schema.setdefault("components", {})
    _schemas(components)
    components["securitySchemes"] = {
        PARTNER: {"type": "http", "scheme": "bearer", "description": PARTNER_HELP}
    }
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            params = [x for x in op.get("parameters", []) if x["name"].lower() != "authorization"]
            op.pop("parameters", None)
            if params:
                op["parameters"] = params
            op["security"] = [{PARTNER: []}]
            responses: dict[str, Any] = op.setdefault("responses", {})
            responses["401"] = _error_response(
                "unauthorized | key_unknown | key_expired | key_revoked",
                WWW_Authenticate=_hdr("Bearer"),
            )
            responses["403"] = _error_response("forbidden_right: the key lacks this right")
            responses["422"] = _error_response("invalid_request (with `detail`)")
            responses["429"] = _error_response(
                "rate_limited: this key's token bucket is empty",
                Retry_After=_hdr("seconds until a request is admitted"),
            )
            responses["503"] = _error_response(
                "busy: too many requests in flight", Retry_After=_hdr("seconds")
            )
            for status, codes in PARTNER_REFUSALS.get((method, path), {}).items():
                responses[str(status)] = _error_response(codes)
    return schema


def _install_partner(app: FastAPI) -> None:
    built: dict[str, Any] = {}

    @app.get(PARTNER_PREFIX + "/openapi.json", include_in_schema=False)
    def partner_openapi() -> dict[str, Any]:
        if not built:
            built.update(
                partner_document(
                    _paths(
                        get_openapi(
                            title="Sala partner API",
                            version="1",
                            description="Receipt checks and decisions for other government "
                            "systems and banks (sync/PROTOCOL.md, 'Partner API').",
                            routes=app.routes,
                        ),
                        partner=True,
                    )
                )
            )
        return built
