"""schemathesis against /openapi.json of a live server: no input may produce a 5xx.

Requests are signed like a kiosk's (and carry an officer token), so the fuzzing reaches past the
signature check into the handlers. Bounded by examples (a few per operation), not by time: how
long that takes depends on the machine's load, not on the server.
"""

from __future__ import annotations

from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

from sync import protocol as p
from tests.sync.conftest import Kiosk, ServerProcess

# tus chunks are raw bytes under their own media type (described in /openapi.json).
schemathesis.serializer.alias(p.TUS_CONTENT_TYPE, "application/octet-stream")


class _KioskAuth(requests.auth.AuthBase):
    def __init__(self, kiosk: Kiosk, officer_token: str) -> None:
        self.kiosk, self.token = kiosk, officer_token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        r.headers.update(
            p.sign_request(
                self.kiosk.key,
                self.kiosk.device_id,
                r.method or "GET",
                r.path_url,
                body,
                headers=r.headers,  # the fuzzed tus headers too: the signature covers them
            )
        )
        r.headers.setdefault("Authorization", f"Bearer {self.token}")
        return r


@pytest.mark.slow
def test_fuzzed_requests_never_get_a_server_error(server: ServerProcess) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    session = requests.Session()
    session.auth = _KioskAuth(Kiosk(server).enrol(), server.officer_token())
    server_errors: list[str] = []
    statuses: Counter[int] = Counter()
    operations = 0

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            response = case.call(base_url=server.url, session=session, timeout=10)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                server_errors.append(
                    f"{case.method} {case.formatted_path}: "
                    f"{response.status_code} {response.text[:200]}"
                )

        check()
    assert operations >= 10
    past_auth = sum(n for code, n in statuses.items() if code != 401)
    assert past_auth > statuses[401], statuses  # the fuzzing reached the handlers
    assert server_errors == [], server_errors
    assert "Traceback" not in server.log_tail()
