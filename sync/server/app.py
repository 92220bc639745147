"""The FastAPI application factory: routes, error shapes, start-up migration and sweeps."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.server import (
    audit_upload,
    auth,
    catalog,
    clerk_events,
    code_backfill,
    decisions,
    device_reports,
    end_of_day,
    feed,
    kiosk_clock,
    openapi,
    partner,
    registrations,
    releases,
    staff_changes,
    uploads,
    versions,
)
from sync.server.config import ServerConfig
from sync.server.console import flags as console_flags
from sync.server.console import usb_upload as console_usb
from sync.server.console import web as console_web
from sync.server.context import Context, open_context
from sync.server.errors import ApiError
from sync.server.limits import Limits

log = logging.getLogger("sala.server")


class EnrolIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    public_key: str = Field(min_length=1, max_length=64, description="base64url raw Ed25519")
    label: str = Field(default="", max_length=200)


class DeviceOut(BaseModel):
    device_id: str
    commune_code: str
    kiosk_number: int | None = Field(
        description="1..99, unique in the commune: kiosks put it in their application numbers"
    )


class EnrolOut(DeviceOut):
    server_public_key: str = Field(description="base64url raw Ed25519: pin it, verify receipts")
    server_time: str


def sweep(ctx: Context) -> dict[str, int]:
    """Housekeeping, on start and every `sweep_interval_s`: expired uploads, old nonces, feed,
    the console's expired USB return bundles, facts from a wrong kiosk clock (once), and the
    kiosks' photo-override counts (a GROUP BY over the rule's last days, seconds at a million
    applications: recounted here every sweep, before a page would find them
    `flags.STATS_EVERY_S` old and recount them itself)."""
    return {
        "uploads_expired": uploads.expire_uploads(ctx),
        "nonces_purged": auth.purge_nonces(ctx.engine),
        "changes_compacted": feed.compact(ctx.engine, ctx.config.feed_retention_s),
        "usb_returns_expired": console_usb.expire_returns(ctx.config.data_dir),
        "override_stats": int(console_flags.refresh_override_stats(ctx.engine, force=True)),
        # once per database, then a no-op: facts counted from a wrong kiosk clock before the rule
        "facts_reclamped": kiosk_clock.reclamp(ctx.engine),
    }


def create_app(config: ServerConfig) -> FastAPI:
    # Before uvicorn serves: a first-start catalog a kiosk would refuse stops here (StartRefused,
    # a SystemExit: its message, no traceback); `import_initial` below then publishes it.
    catalog.refuse_bad_first_catalog(config.db_url, config.catalog_path)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = await run_in_threadpool(open_context, config)
        await run_in_threadpool(catalog.import_initial, ctx.engine, config.catalog_path)
        app.state.sala = ctx
        log.info("sweep at start: %s", await run_in_threadpool(sweep, ctx))
        task = asyncio.create_task(_sweeper(ctx))
        try:
            yield
        finally:
            task.cancel()
            ctx.engine.dispose()

    app = FastAPI(
        title="Sala ministry server",
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description="Reference server for the Sala kiosk sync protocol v1.",
    )
    routers = (
        uploads.router,
        registrations.router,
        decisions.router,
        feed.router,
        staff_changes.router,
        code_backfill.router,
        audit_upload.router,
        versions.router,
        clerk_events.router,
        end_of_day.router,
        device_reports.router,
        releases.router,
        partner.router,
    )
    for router in routers:
        app.include_router(router)
    _add_core_routes(app)
    _add_error_handlers(app)
    console_web.install(app)  # the back office at /console/ (its own error pages)
    openapi.install(app)
    app.add_middleware(Limits, max_upload=config.max_upload, max_in_flight=config.max_in_flight)
    return app


async def _sweeper(ctx: Context) -> None:
    while True:
        await asyncio.sleep(ctx.config.sweep_interval_s)
        try:
            await run_in_threadpool(sweep, ctx)
        except Exception:  # a failed sweep must not stop the next one
            log.exception("sweep failed")


def _add_core_routes(app: FastAPI) -> None:
    @app.get("/v1/ping", status_code=204, tags=["health"], summary="connectivity probe")
    def ping() -> Response:
        return Response(status_code=204, headers={"Sala-Server-Time": auth.server_time()})

    @app.post("/v1/devices", status_code=201, tags=["devices"], summary="enrol a kiosk")
    async def enrol(body: EnrolIn, request: Request) -> EnrolOut:
        ctx: Context = request.app.state.sala
        device = await run_in_threadpool(
            auth.enrol, ctx.engine, body.code, body.public_key, body.label
        )
        return EnrolOut(
            device_id=device.id,
            commune_code=device.commune_code,
            kiosk_number=device.kiosk_number,
            server_public_key=ctx.public_key,
            server_time=auth.server_time(),
        )

    @app.get("/v1/device", tags=["devices"], summary="this device, as the server knows it")
    async def this_device(req: auth.Signed) -> DeviceOut:
        """A kiosk enrolled before kiosk numbers existed learns its number here."""
        d = req.device
        return DeviceOut(device_id=d.id, commune_code=d.commune_code, kiosk_number=d.kiosk_number)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = ".".join(str(x) for x in first.get("loc", ()))
        message = f"Invalid request: {where}: {first.get('msg', 'bad value')}."
        detail = [
            {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in errors[:20]
        ]
        return JSONResponse(
            {"error": "invalid_request", "message": message, "detail": detail}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, ApiError):  # e.g. the body limit hit while FastAPI parsed
            return await api_error(_request, exc.__cause__)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            {"error": code, "message": str(exc.detail)},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def crash(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            {"error": "internal", "message": "The server failed; retry later."},
            status_code=500,
            headers={"Retry-After": "30"},
        )
