"""The kiosk's durable, encrypted local store (ARCHITECTURE.md "Store")."""

from kiosk.store.appnumber import format_app_number, validate_app_number, verification_code
from kiosk.store.audit import AuditLog
from kiosk.store.crypto import KeyLocked
from kiosk.store.errors import (
    MediaMissing,
    NotFound,
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreReadOnly,
    WrongState,
)
from kiosk.store.outbox import OutboxItem, UploadState
from kiosk.store.search import SEARCH_FIELDS, fields_to_index
from kiosk.store.store import Store
from kiosk.store.vault import MediaVault

__all__ = [
    "SEARCH_FIELDS",
    "AuditLog",
    "KeyLocked",
    "MediaMissing",
    "MediaVault",
    "NotFound",
    "OutboxItem",
    "Store",
    "StoreCorrupt",
    "StoreError",
    "StoreFull",
    "StoreReadOnly",
    "UploadState",
    "WrongState",
    "fields_to_index",
    "format_app_number",
    "validate_app_number",
    "verification_code",
]
