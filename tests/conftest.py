"""Shared test fixtures: where the real third-party logs live, skipping cleanly when they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
REALDATA = PROJECT.parent / "shared" / "realdata"


@pytest.fixture
def realdata() -> Path:
    """../shared/realdata, or skip: a user who clones the project alone has no ../shared."""
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is absent")
    return REALDATA


@pytest.fixture
def runner():
    """A typer CliRunner for tests of the command line."""
    from typer.testing import CliRunner

    return CliRunner()
