"""The shared catalog validator runs on the ministry server as it is deployed: the server's
packages only (google-re2 included), no kiosk code. Run in the server-only job."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.sync.conftest import ROOT

PROBE = """
import dataclasses, json, sys
from sync.protocol.catalog.validate import check_catalog
raw = open(sys.argv[1], 'rb').read()
good = check_catalog(raw, 'bundled.json')
doc = json.loads(raw)
doc['services'][0]['fields'][0]['pattern'] = '(x+)+y'
doc['services'][1]['name'] = 'Birth'
bad = check_catalog(json.dumps(doc).encode(), 'bad.json')
try:
    first = next(iter(good.catalog.services.values()))
    dataclasses.replace(first, next_steps=None).what_next()
    general = 'given'
except LookupError:
    general = 'not here'
print(json.dumps({
    'ok': good.ok,
    'services': len(good.catalog.services),
    'errors': [[e.field, e.text.km, e.text.en] for e in bad.errors],
    'general': general,
    'kiosk': sorted(m for m in sys.modules if m.split('.')[0] in ('kiosk', 'ui', 'cv2', 'numpy')),
    're2': 're2' in sys.modules,
}))
"""


def test_validator_runs_without_kiosk_code() -> None:
    catalog = ROOT / "assets" / "catalog" / "services.json"
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(catalog)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    found = json.loads(out)
    assert found["ok"] and found["services"] == 6
    assert found["kiosk"] == [] and found["re2"]
    assert [e[0] for e in found["errors"]] == [
        "services[0].fields[0].pattern",
        "services[1].name",
    ]
    for _where, km, en in found["errors"]:
        assert km and en and km != en
    assert found["general"] == "not here"  # the general next steps are the kiosk's words
