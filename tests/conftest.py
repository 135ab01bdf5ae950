"""Shared test set-up: every test starts from settings read afresh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.config import reset_settings


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MILLI_STAGE", "test")
    reset_settings()
    yield
    reset_settings()
