"""PIN form, weak PINs, Argon2id verifiers and their accepted parameters, the lock schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.i18n import error_text
from kiosk.staff import (
    PIN_PARAMS,
    PinFormat,
    Role,
    Status,
    WeakPin,
    check_pin,
    lock_duration,
    make_verifier,
)
from kiosk.staff.lockout import LockState, after_failure
from kiosk.staff.pins import check_code, new_code, verifier_problem, verifies
from sync import protocol
from tests.core.conftest import ManualClock
from tests.core.test_staff_support import CHEAP


@pytest.mark.parametrize("pin", ["482913", "000001", "135790", "102030"])
def test_good_pins_pass(pin: str) -> None:
    assert check_pin(pin) == pin


@pytest.mark.parametrize(
    "pin", ["", "12345", "1234567", "48291a", "４８２９１３", "៤៨២៩១៣", "48 913", None, 482913]
)
def test_a_pin_is_exactly_six_ascii_digits(pin: object) -> None:
    with pytest.raises(PinFormat) as err:
        check_pin(pin)
    assert error_text(err.value, "en") == "The PIN must be exactly 6 digits."
    assert "៦" in error_text(err.value, "km")


@pytest.mark.parametrize(
    "pin", ["000000", "777777", "123456", "654321", "012345", "987654", "345678", "543210"]
)
def test_trivially_weak_pins_are_refused_with_a_clear_message(pin: str) -> None:
    with pytest.raises(WeakPin) as err:
        check_pin(pin)
    assert "too easy to guess" in error_text(err.value, "en")
    assert "ងាយ" in error_text(err.value, "km")


def test_codes_are_six_to_twelve_digits() -> None:
    assert check_code("12345678") == "12345678"
    for bad in ("12345", "1234567890123", "1234-678"):
        with pytest.raises(PinFormat) as err:
            check_code(bad)
        assert err.value.message_key == "staff.code_format"
    code = new_code()
    assert len(code) == 6 and code.isascii() and code.isdigit()


def test_stated_parameters_and_verifier_form() -> None:
    assert (PIN_PARAMS.time_cost, PIN_PARAMS.memory_cost, PIN_PARAMS.parallelism) == (3, 65536, 1)
    assert tuple(Role) == protocol.STAFF_ROLES and tuple(Status) == protocol.STAFF_STATUSES
    v = make_verifier("482913")  # the real parameters, once
    assert v.startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    assert verifier_problem(v) is None
    assert verifies(v, "482913") and not verifies(v, "482914")


BAD = "not_argon2id_or_out_of_bounds"


def test_verifiers_outside_the_bounds_are_refused_and_never_match() -> None:
    good = make_verifier("482913", CHEAP)
    assert verifier_problem(good) is None
    cases = {
        good.replace("m=19456", "m=1024"): BAD,
        good.replace("t=2", "t=1"): BAD,
        good.replace("m=19456", "m=4194304"): BAD,
        good.replace("t=2", "t=11"): BAD,
        good.replace("$argon2id$", "$argon2i$"): BAD,
        good.replace("v=19", "v=16"): BAD,
        good + "$extra": BAD,
        "x" * 300: "too_long",
    }
    for value, reason in cases.items():
        assert verifier_problem(value) == reason
        assert not verifies(value, "482913")
    assert verifier_problem(None) == "not_a_string"
    assert not verifies(None, "482913")


def test_lock_durations_double_up_to_an_hour() -> None:
    minutes = [lock_duration(n) // timedelta(minutes=1) for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert lock_duration(10_000) == timedelta(hours=1)


def test_third_failure_locks_and_the_count_starts_again(clock: ManualClock) -> None:
    s = LockState()
    s = after_failure(s, clock())
    s = after_failure(s, clock())
    assert (s.failures, s.locks, s.locked(clock()), s.tries_left()) == (2, 0, False, 1)
    s = after_failure(s, clock())
    assert (s.failures, s.locks, s.locked(clock())) == (0, 1, True)
    assert s.minutes_left(clock()) == 1
    clock.advance(seconds=61)
    assert not s.locked(clock()) and s.minutes_left(clock()) == 0
