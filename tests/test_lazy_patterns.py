"""Lazy patterns: compiled on first use, or all at once before a run forks its workers (`lazy.compile_all`)."""

from __future__ import annotations

import re

import pytest

from trajaudit import lazy


def test_a_pattern_compiles_on_first_use_only(monkeypatch):
    pattern = lazy.regex(r"\bfailed\b", re.I)
    compiled: list[str] = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda p, f=0: compiled.append(p) or real(p, f))
    assert compiled == []
    assert pattern.search("Build FAILED") is not None
    assert pattern.search("passed") is None
    assert compiled == [r"\bfailed\b"]


def test_compile_all_leaves_nothing_for_a_forked_worker_to_compile(monkeypatch):
    pattern = lazy.regex(r"exit code (\d+)")
    lazy.compile_all()
    assert lazy._UNCOMPILED == []

    def refuse(*args: object) -> None:
        raise AssertionError("compiled again after compile_all")

    monkeypatch.setattr(re, "compile", refuse)
    match = pattern.search("exit code 2")
    assert match is not None and match.group(1) == "2"
    assert pattern.pattern == r"exit code (\d+)"


def test_special_method_probes_do_not_compile():
    pattern = lazy.regex(r"x")
    with pytest.raises(AttributeError):
        pattern.__deepcopy__  # noqa: B018  # copy and pickle probe for these
    assert "_compiled" not in vars(pattern)
