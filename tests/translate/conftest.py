"""Fixtures for the translation tests; the tiny Argos package and the shared argos home are in tests/conftest.py."""

from __future__ import annotations

import pytest
from support.offline import offline

from sam3fn.translate import Translator

@pytest.fixture
def argos_translator(tiny_argos_model, argos_home) -> Translator:
    """A fresh translator (empty cache) on the tiny package; installs it on first use."""
    return Translator(argos_model=tiny_argos_model, argos_home=argos_home)


@pytest.fixture(autouse=True)
def offline_guard():
    """Every translation test runs with the network forbidden, and fails if anything tried to reach it."""
    with offline() as guard:
        yield guard
    assert guard.attempts == [], f"network access attempted: {guard.attempts}"
