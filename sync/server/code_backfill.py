"""`POST /v1/verification-codes`: a kiosk's receipt codes for applications it committed before
it sent them (PROTOCOL.md "Partner API"), so the partner API can answer "genuine" for them.

The server cannot compute a code (an HMAC with the kiosk's secret), so receipts committed
without one stay `unverifiable` until their kiosk sends it. A code is taken only for an
application this device committed, and only where none is held (`registrations.record_code`,
the same writer as a re-sent commit's late code): a held code is never replaced. Another
device's application, or an unknown id, answers `unknown` (a device learns nothing of other
kiosks' applications). Every code, taken or not, is a row of `officer_audit`
(`code_backfill`, actor `device:<id>`); the batch and its rows commit in one transaction. A
request over `BATCH_MAX` codes is refused whole (`422 invalid_request`, naming the cap) before
any is looked at.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.protocol import code_backfill as cb
from sync.server import db, officers
from sync.server.auth import Device, Signed
from sync.server.context import Ctx
from sync.server.registrations import UUID_PATTERN, record_code

router = APIRouter(prefix="/v1", tags=["kiosks"])
ACTION = "code_backfill"


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    registration_id: str = Field(pattern=UUID_PATTERN)
    verification_code: str = Field(pattern=p.VERIFICATION_CODE_PATTERN)


class CodesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codes: list[CodeIn] = Field(min_length=1, max_length=cb.BATCH_MAX)

    @field_validator("codes", mode="before")
    @classmethod
    def _at_most_the_cap(cls, value: Any) -> Any:
        """Over the cap: one clear problem, before any code is looked at (not one per item)."""
        if isinstance(value, list) and len(value) > cb.BATCH_MAX:
            raise PydanticCustomError(
                "too_many_codes",
                "{n} codes in one request: at most {max} are taken; send the rest in further "
                "requests",
                {"n": len(value), "max": cb.BATCH_MAX},
            )
        return value


class CodeResult(BaseModel):
    registration_id: str
    result: str = Field(description="recorded | held | conflict | unknown")


class CodesOut(BaseModel):
    results: list[CodeResult]


def backfill(engine: Engine, device: Device, codes: list[CodeIn]) -> dict[str, Any]:
    """Record each code where the device's own application holds none; one answer per code."""
    regs = db.registrations
    results = []
    with engine.begin() as conn:
        for item in codes:
            owner = conn.execute(
                select(regs.c.device_id).where(regs.c.id == item.registration_id)
            ).scalar()
            if owner != device.id:
                result = cb.UNKNOWN
            else:
                result = record_code(conn, item.registration_id, item.verification_code)
            outcome = f"ok:{result}" if result in (cb.RECORDED, cb.HELD) else f"refused:{result}"
            officers.record(
                conn, None, ACTION, item.registration_id, outcome, who=f"device:{device.id}"
            )
            results.append({"registration_id": item.registration_id, "result": result})
    return {"results": results}


@router.post(cb.PATH.removeprefix("/v1"), response_model=CodesOut, summary="backfill receipt codes")
async def post_codes(ctx: Ctx, req: Signed, body: Annotated[CodesIn, Body()]) -> dict[str, Any]:
    return await run_in_threadpool(backfill, ctx.engine, req.device, body.codes)
