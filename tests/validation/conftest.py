"""Fixtures of the validation tests: a validator whose only context is tests/validation/reference.ttl."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.validation import Validator

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference.ttl"
BROKEN = HERE / "broken"
FIXTURES = HERE / "fixtures"


@pytest.fixture(scope="session")
def fixture_validator() -> Validator:
    """Context = the small reference file only, so these tests do not depend on the shipped vocabularies."""
    return Validator(reference_paths=[REFERENCE])
