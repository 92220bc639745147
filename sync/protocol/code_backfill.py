"""The verification-code backfill: a kiosk sends, once, the receipt codes of applications the
server acknowledged before kiosks put the code in their commits (PROTOCOL.md "Partner API").

Beside `sync.protocol` because kiosk and server must agree on the path, the batch limit and the
answer words; it imports nothing else of ours.
"""

from __future__ import annotations

from typing import Final

PATH: Final = "/v1/verification-codes"
BATCH_MAX: Final = 100  # codes per request; the server refuses a longer list whole (422)

# One answer per code:
RECORDED: Final = "recorded"  # the server had none for it: kept now
HELD: Final = "held"  # the server already holds this same code: nothing changed
CONFLICT: Final = "conflict"  # it holds another code: never overwritten
UNKNOWN: Final = "unknown"  # no application of this device has that id (another's, or none)
RESULTS: Final = (RECORDED, HELD, CONFLICT, UNKNOWN)
