"""Shared test fixtures: where the real third-party logs live, skipping cleanly when they are absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The debug switch that validates the events our own importers build (a run trusts them; see trajaudit.schema): on
# for every test, also in the CLI subprocesses tests start, so an importer that builds an invalid event fails here.
os.environ["TRAJAUDIT_CHECK_IMPORTED"] = "1"

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
