"""The field kit's tables (issue 15): each kiosk's latest self-test report and last contact."""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, String, Table, Text

from sync.server.db import metadata

device_reports = Table(  # one row per device, replaced by each report (device_reports.py)
    "device_reports",
    metadata,
    Column("device_id", String(36), primary_key=True),
    Column("report", Text, nullable=False),  # canonical JSON, as the kiosk sent it (PII-free)
    Column("report_at", String(40)),  # the kiosk's own `at` (its clock), as data
    Column("received_at", Float, nullable=False),  # server clock: the last contact
    Column("fail", Integer, nullable=False, default=0),  # summary counts, for the fleet page's sort
    Column("warn", Integer, nullable=False, default=0),
)
