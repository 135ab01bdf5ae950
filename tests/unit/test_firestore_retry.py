"""Which transaction failures are retried, and how long the backoff waits."""

from __future__ import annotations

import random

import pytest
from google.api_core.exceptions import (
    Aborted,
    AlreadyExists,
    DeadlineExceeded,
    FailedPrecondition,
    NotFound,
    ServiceUnavailable,
)

from shared.firestore import BACKOFF_CAP_SECONDS, backoff_seconds, is_retryable


def _google(kind: type[Exception], message: str) -> Exception:
    """An api_core error (its constructor is untyped)."""
    return kind(message)


def _exhausted_commit() -> ValueError:
    """What the client raises after its own `max_attempts` aborted commits."""
    try:
        raise _google(Aborted, "too much contention")
    except Aborted as aborted:
        try:
            raise ValueError("Failed to commit transaction in 5 attempts.") from aborted
        except ValueError as error:
            return error


@pytest.mark.parametrize("committing", [False, True])
def test_contention_in_every_form_is_retried(committing: bool) -> None:
    # A read that waited too long for a lock raises Aborted itself (the flake).
    assert is_retryable(_google(Aborted, "Transaction lock timeout."), committing=committing)
    assert is_retryable(_exhausted_commit(), committing=committing)
    assert is_retryable(_google(ServiceUnavailable, "try again"), committing=committing)


def test_a_deadline_is_retried_only_before_the_commit_was_sent() -> None:
    assert is_retryable(_google(DeadlineExceeded, "slow read"), committing=False)
    assert not is_retryable(_google(DeadlineExceeded, "slow commit"), committing=True)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a contact needs an email or a phone"),
        ValueError("wrapped"),
        _google(NotFound, "gone"),
        _google(AlreadyExists, "taken"),
        _google(FailedPrecondition, "index"),
        RuntimeError("a bug"),
    ],
)
def test_everything_else_is_raised_at_once(error: Exception) -> None:
    assert not is_retryable(error, committing=False)


def test_a_value_error_caused_by_something_else_is_not_contention() -> None:
    try:
        raise KeyError("x")
    except KeyError as cause:
        error = ValueError("bad")
        error.__cause__ = cause
    assert not is_retryable(error, committing=False)


def test_backoff_is_jittered_grows_and_is_capped() -> None:
    rng = random.Random(7)
    for round_ in range(12):
        ceiling = min(BACKOFF_CAP_SECONDS, 0.05 * 2**round_)
        waits = [backoff_seconds(round_, rng) for _ in range(200)]
        assert all(0 <= wait <= ceiling for wait in waits)
        assert len(set(waits)) > 100  # jittered, not one fixed wait
    assert max(backoff_seconds(40, rng) for _ in range(200)) <= BACKOFF_CAP_SECONDS
