"""Shared test fixtures: where the real third-party logs live (skipping cleanly when they are absent), the CLI runner,
and a record of what a parallel run's merge did."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

# The debug switch that validates the events our own importers build (a run trusts them; see trajaudit.schema): on
# for every test, also in the CLI subprocesses tests start, so an importer that builds an invalid event fails here.
os.environ["TRAJAUDIT_CHECK_IMPORTED"] = "1"
# And the one that builds our frozen dataclasses frozen at run time too (a run leaves that to mypy; see
# trajaudit.records), so that an assignment to a field of one fails here. Set before trajaudit is imported.
os.environ["TRAJAUDIT_CHECK_FROZEN"] = "1"

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


@pytest.fixture
def merge_steps(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], list[int]]:
    """`merge_steps("_rest")`: a list that records, in order, -1 each time a parallel run stops its workers
    (`parallel._stop`) and the file index each time the merge reads on itself through that `engine.Audit` method."""
    from trajaudit import engine, parallel

    def record(method: str) -> list[int]:
        steps: list[int] = []
        reading, stopping = getattr(engine.Audit, method), parallel._stop

        def read(self, index, *args):  # type: ignore[no-untyped-def]
            steps.append(index)
            return reading(self, index, *args)

        def stop(pool):  # type: ignore[no-untyped-def]
            steps.append(-1)
            return stopping(pool)

        monkeypatch.setattr(engine.Audit, method, read)
        monkeypatch.setattr(parallel, "_stop", stop)
        return steps

    return record
