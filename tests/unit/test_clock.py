"""shared.clock: a clock tests can move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared import clock
from shared.clock import FixedClock, SystemClock, get_clock, set_clock, use_clock

START = datetime(2030, 1, 2, 9, 30, tzinfo=UTC)


def test_fixed_clock_stands_still() -> None:
    fixed = FixedClock(START)

    assert fixed.now() == START
    assert fixed.now() == START


def test_fixed_clock_advances() -> None:
    fixed = FixedClock(START)

    fixed.advance(timedelta(minutes=90))
    fixed.advance(timedelta(seconds=30))

    assert fixed.now() == datetime(2030, 1, 2, 11, 0, 30, tzinfo=UTC)


def test_fixed_clock_set_moves_to_a_new_time() -> None:
    fixed = FixedClock(START)

    fixed.set(datetime(2029, 12, 31, 23, 59, tzinfo=UTC))

    assert fixed.now() == datetime(2029, 12, 31, 23, 59, tzinfo=UTC)


def test_fixed_clock_reports_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    fixed = FixedClock(datetime(2030, 1, 2, 11, 30, tzinfo=plus_two))

    assert fixed.now() == START
    assert fixed.now().utcoffset() == timedelta(0)

    fixed.set(datetime(2030, 1, 2, 12, 0, tzinfo=plus_two))
    assert fixed.now().hour == 10
    assert fixed.now().utcoffset() == timedelta(0)


def test_fixed_clock_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2030, 1, 2, 9, 30))


def test_fixed_clock_set_refuses_naive_datetimes() -> None:
    fixed = FixedClock(START)

    with pytest.raises(ValueError, match="aware"):
        fixed.set(datetime(2030, 1, 2, 9, 30))
    assert fixed.now() == START


def test_use_clock_installs_and_restores() -> None:
    before = get_clock()
    fixed = FixedClock(START)

    with use_clock(fixed) as installed:
        assert installed is fixed
        assert get_clock() is fixed
        assert clock.now() == START
        fixed.advance(timedelta(days=1))
        assert clock.now() == START + timedelta(days=1)

    assert get_clock() is before


def test_use_clock_restores_after_an_error() -> None:
    before = get_clock()

    with pytest.raises(RuntimeError, match="boom"), use_clock(FixedClock(START)):
        raise RuntimeError("boom")

    assert get_clock() is before


def test_use_clock_nests() -> None:
    outer = FixedClock(START)
    inner = FixedClock(START + timedelta(hours=1))

    with use_clock(outer):
        with use_clock(inner):
            assert clock.now() == START + timedelta(hours=1)
        assert get_clock() is outer
        assert clock.now() == START


def test_set_clock_replaces_the_clock() -> None:
    before = get_clock()
    fixed = FixedClock(START)
    try:
        set_clock(fixed)
        assert clock.now() == START
    finally:
        set_clock(before)


def test_system_clock_is_aware_and_current() -> None:
    reading = SystemClock().now()

    assert reading.tzinfo is not None
    assert reading.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - reading) < timedelta(seconds=5)
