"""`backfill_codes`: send, once, the receipt codes of applications the server acknowledged
before this kiosk put them in its commits (`POST /v1/verification-codes`, PROTOCOL.md
"Partner API"), so a partner's receipt check answers "genuine" instead of "unverifiable".

The kiosk cannot tell which commits went up without a code, so it sends every acknowledged
application's code, oldest first in batches of `BATCH` (the protocol's cap per request); the
server keeps a code only where it holds none and answers `held` for the rest, so sending one
twice changes nothing. A round sends at most `ROUND_MAX` codes, so a kiosk with years of
receipts does not hold up its round (and the statuses pulled after it) for minutes: the rest
go in the next rounds. Progress is the setting `sync.code_backfill` (`{"after": <store seq>,
"done": bool}`): the next round (or an interrupted one) resumes after the last answered batch,
and once done the round costs nothing more. Applications acknowledged later carry the code in
their commit. A refused batch (an older server: 404) is logged and asked again next round; it
never stops the round.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from sync.client.api import Api, error_code
from sync.protocol import code_backfill as cb

log = logging.getLogger(__name__)

SETTING = "sync.code_backfill"
BATCH = cb.BATCH_MAX  # codes per request
ROUND_MAX = 500  # codes per sync round (five requests); the rest go next round


def backfill_codes(
    store: Any, api: Api, *, batch: int = BATCH, per_round: int = ROUND_MAX
) -> Counter[str]:
    """Send up to `per_round` codes not yet sent, `batch` (at most the protocol's cap) per
    request; returns the server's answers counted by result.

    Raises `Offline`/`ServerBusy` (the round's backoff handles them); progress so far is kept."""
    state = store.get_setting(SETTING) or {}
    counts: Counter[str] = Counter()
    if state.get("done"):
        return counts
    after = int(state.get("after", 0))
    batch = max(1, min(batch, cb.BATCH_MAX))
    left = max(1, per_round)
    while left > 0:
        limit = min(batch, left)
        rows = store.acknowledged_codes(after_seq=after, limit=limit)
        if not rows:
            store.set_setting(SETTING, {"after": after, "done": True})
            break
        body = {"codes": [{"registration_id": r, "verification_code": c} for _s, r, c in rows]}
        resp = api.request("POST", cb.PATH, json_body=body)
        if resp.status_code != 200:
            code, message = error_code(resp)
            log.warning("verification codes not sent: %s %s %s", resp.status_code, code, message)
            break
        counts.update(str(x.get("result")) for x in resp.json().get("results", []))
        after = rows[-1][0]
        left -= len(rows)
        store.set_setting(SETTING, {"after": after, "done": len(rows) < limit})
        if len(rows) < limit:
            break
    if counts:
        log.info("verification codes backfilled: %s", dict(counts))
    return counts
