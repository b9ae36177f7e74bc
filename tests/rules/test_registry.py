"""The registry: codes unique and ordered, names kebab-case, every rule documented with the four sections."""

from __future__ import annotations

import re

import pytest

from trajaudit.rules import BY_CODE, RULES, lookup

SECTIONS = ("## What it does", "## Why it matters", "## Example", "## How to fix")


def test_codes_and_names_are_unique_and_well_formed():
    codes = [r.code for r in RULES]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"TA\d{3}", c) for c in codes)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", r.name) for r in RULES)
    assert len({r.name for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_has_its_manual(rule):
    assert rule.summary and not rule.summary.startswith("#")
    for section in SECTIONS:
        assert section in rule.doc, f"{rule.code} lacks {section}"
    # TA001 and TA002 are reported by the input stages; rules across runs have check_runs instead
    assert rule.check is not None or rule.check_runs is not None or rule.code in ("TA001", "TA002")


def test_lookup_by_code_or_name_and_unknown():
    assert lookup("ta201") is BY_CODE["TA201"] and lookup("ignored-tool-error") is BY_CODE["TA201"]
    with pytest.raises(KeyError):
        lookup("TA999")
