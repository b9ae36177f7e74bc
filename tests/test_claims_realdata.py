"""Claim detection and TA101 on real agent logs (../shared/realdata), against hand labels in tests/data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

LABELS = Path(__file__).resolve().parent / "data" / "claim_labels.json"


def test_labels_hold_ids_and_booleans_only() -> None:
    labels = json.loads(LABELS.read_text())
    assert sum(len(runs) for runs in labels.values()) >= 300
    for source, runs in labels.items():
        assert not source.startswith("/") and ".." not in source
        assert all(isinstance(tid, str) and isinstance(flag, bool) for tid, flag in runs.items())


@pytest.fixture(scope="module")
def report() -> dict:
    from tests.conftest import REALDATA

    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is absent")
    from bench.claims_eval import evaluate

    return evaluate(REALDATA)


def test_every_labelled_run_is_found(report: dict) -> None:
    assert report["missing"] == []


def test_claim_detection_meets_targets(report: dict) -> None:
    overall = report["detector"]["all"]
    assert overall["tp"] + overall["fn"] >= 200
    assert overall["precision"] >= 0.95
    assert overall["recall"] >= 0.90


def test_ta101_meets_its_precision_target(report: dict) -> None:
    overall = report["ta101"]["all"]
    assert overall["tp"] >= 50
    assert overall["precision"] >= 0.95


def test_blind_claim_rules_flag_failed_runs_more_than_successful_ones(report: dict) -> None:
    failed = sum(v["failed"] for rules in report["blind_rules"].values() for v in rules.values())
    successful = sum(v["successful"] for rules in report["blind_rules"].values() for v in rules.values())
    assert failed > successful
