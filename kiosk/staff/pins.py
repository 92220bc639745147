"""PINs and one-time codes: their form, and Argon2id verifiers of them.

A 6-digit PIN has only a million values, so its verifier must be slow to test and must stay
hidden: the store keeps every verifier sealed with the data key (kiosk/store/staff.py), and
Argon2id makes each guess cost memory and time. Parameters (RFC 9106's second recommended
set): t=3, m=64 MiB, p=1. Measured on the 2-core development machine: a verify takes
0.18-0.21 s (load average ~1.7), so a commune PC half as fast stays under 0.5 s; the UI runs it
on its worker thread anyway. Verifiers from the roster carry their own parameters; ones outside the
protocol's bounds are refused, so a bad roster can neither weaken a PIN nor stall the kiosk
with a 4 GiB hash.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from argon2.exceptions import VerificationError, VerifyMismatchError
from argon2.low_level import Type, hash_secret, verify_secret

from kiosk.staff.errors import PinFormat, WeakPin
from sync import protocol

log = logging.getLogger(__name__)

PIN_LENGTH = protocol.STAFF_CODE_DIGITS  # 6
CODE_LENGTH = protocol.STAFF_CODE_DIGITS  # one-time codes made here (a supervisor's reset)
CODE_MIN, CODE_MAX = 6, 12  # one-time codes as typed on the PIN pad (room for longer ones)
SALT_BYTES = 16
HASH_BYTES = 32


@dataclass(frozen=True)
class Argon2Params:
    time_cost: int
    memory_cost: int  # KiB
    parallelism: int


# The protocol's parameters (sync.protocol.STAFF_ARGON2_*), the one owner for kiosk and server.
PIN_PARAMS = Argon2Params(
    time_cost=protocol.STAFF_ARGON2_TIME_COST,
    memory_cost=protocol.STAFF_ARGON2_MEMORY_KIB,
    parallelism=protocol.STAFF_ARGON2_PARALLELISM,
)
VERIFIER_MAX_LEN = 200
_DIGITS = "0123456789"


def _ascii_digits(value: object, lo: int, hi: int) -> bool:
    return isinstance(value, str) and lo <= len(value) <= hi and all(c in _DIGITS for c in value)


def check_pin(pin: object) -> str:
    """The PIN if it is exactly 6 ASCII digits and not trivially guessable, else PinFormat or
    WeakPin. Refused as weak: one digit six times, and straight runs up or down (123456,
    654321, 012345, 987654 and the like), the first guesses anyone tries."""
    if not _ascii_digits(pin, PIN_LENGTH, PIN_LENGTH):
        raise PinFormat("A PIN is exactly 6 ASCII digits.", length=PIN_LENGTH)
    assert isinstance(pin, str)
    if len(set(pin)) == 1 or pin in _DIGITS or pin in _DIGITS[::-1]:
        raise WeakPin("The PIN is trivially guessable.")
    return pin


def check_code(code: object) -> str:
    """A one-time code as typed: 6-12 ASCII digits, else PinFormat (`staff.code_format`)."""
    if not _ascii_digits(code, CODE_MIN, CODE_MAX):
        raise PinFormat(
            "A one-time code is 6 to 12 ASCII digits.",
            message_key="staff.code_format",
            min=CODE_MIN,
            max=CODE_MAX,
        )
    assert isinstance(code, str)
    return code


def new_code() -> str:
    """A fresh one-time code of `CODE_LENGTH` random digits, for the person to type once."""
    return "".join(secrets.choice(_DIGITS) for _ in range(CODE_LENGTH))


def make_verifier(secret: str, params: Argon2Params = PIN_PARAMS) -> str:
    """The Argon2id verifier string (`$argon2id$v=19$m=...`) of a PIN or code."""
    return hash_secret(
        secret.encode("ascii"),
        secrets.token_bytes(SALT_BYTES),
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=HASH_BYTES,
        type=Type.ID,
    ).decode("ascii")


def verifier_problem(value: object) -> str | None:
    """Why `value` is not an acceptable verifier (a short code, never the value), or None.
    The form and the bounds are the protocol's (`sync.protocol.check_staff_verifier`: m 19-256
    MiB, t 2-10, p 1-8), the same the server checks."""
    if not isinstance(value, str):
        return "not_a_string"
    if len(value) > VERIFIER_MAX_LEN:
        return "too_long"
    try:
        protocol.check_staff_verifier(value)
    except ValueError:
        return "not_argon2id_or_out_of_bounds"
    return None


def verifies(verifier: str | None, secret: str) -> bool:
    """True when `secret` matches `verifier`. A missing or malformed verifier never matches
    (and a malformed one is logged, without its value)."""
    if verifier is None:
        return False
    problem = verifier_problem(verifier)
    if problem is not None:
        log.warning("staff verifier refused: %s", problem)
        return False
    try:
        return verify_secret(verifier.encode("ascii"), secret.encode("ascii"), Type.ID)
    except VerifyMismatchError:
        return False
    except VerificationError as exc:
        log.warning("staff verifier failed to verify: %s", type(exc).__name__)
        return False


def verifier_id(verifier: str) -> str:
    """A short fingerprint of a verifier, to remember a one-time code as used."""
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()[:32]
