"""trajaudit.records.dataclass: the same semantics as `dataclasses.dataclass` for the options the package uses, frozen
at run time only under the debug switch, and used for every dataclass of the package."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import os
import pickle
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import trajaudit
from trajaudit import records
from trajaudit.records import CHECK_FROZEN_VARIABLE

PROJECT = Path(__file__).resolve().parents[1]

OPTIONS = [
    {"frozen": frozen, "eq": eq, "slots": slots}
    for frozen in (True, False)
    for eq in (True, False)
    for slots in (True, False)
]


def _pair(options: dict[str, bool]) -> tuple[Any, Any]:
    """The same class built by the standard decorator and by ours, with fields left out of equality and repr."""
    made = []
    for decorator in (dataclasses.dataclass, records.dataclass):

        class Point:
            x: int
            y: str = "a"
            note: list[int] = dataclasses.field(default_factory=list, compare=False, repr=False)

        made.append(decorator(**options)(Point))
    return made[0], made[1]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(k for k, v in o.items() if v) or "none")
def test_equality_hash_and_repr_are_those_of_dataclasses(options: dict[str, bool]) -> None:
    theirs, ours = _pair(options)
    assert repr(ours(1, "b", [5])) == repr(theirs(1, "b", [5]))
    assert repr(ours(1, "b", [5])).endswith(".Point(x=1, y='b')")
    cases = [((1, "b", [5]), (1, "b", [6])), ((1, "b"), (2, "b")), ((1, "b"), (1, "c"))]
    for left, right in cases:
        assert (ours(*left) == ours(*right)) == (theirs(*left) == theirs(*right))
        assert (ours(*left) != ours(*right)) == (theirs(*left) != theirs(*right))
    one = ours(1)
    assert (one == one) and not (one == theirs(1)) and one != (1, "a")  # another class: NotImplemented, then identity
    assert (ours.__hash__ is None) == (theirs.__hash__ is None)
    if options["eq"] and options["frozen"]:
        assert hash(ours(1, "b")) == hash(theirs(1, "b")) == hash((1, "b"))  # the tuple of the compared fields
        assert len({ours(1, "b"), ours(1, "b", [9]), ours(2, "b")}) == 2


def test_one_compared_field_hashes_as_a_tuple() -> None:
    @records.dataclass(frozen=True)
    class One:
        value: str

    @records.dataclass(frozen=True)
    class NoField:
        pass

    assert hash(One("x")) == hash(("x",)) and One("x") == One("x") != One("y")
    assert hash(NoField()) == hash(()) and NoField() == NoField() and repr(NoField()).endswith("NoField()")


def test_what_a_class_defines_itself_is_kept_as_dataclasses_keeps_it() -> None:
    def body(own: dict[str, Any]) -> dict[str, Any]:
        return {"__annotations__": {"x": "int"}, **own}

    cases = [
        {"__repr__": lambda self: "mine"},
        {"__eq__": lambda self, other: True},
        {"__hash__": lambda self: 7},
        {"__eq__": lambda self, other: True, "__hash__": lambda self: 7},
    ]
    for own in cases:
        for options in OPTIONS:
            theirs = dataclasses.dataclass(**options)(type("Own", (), body(own)))
            ours = records.dataclass(**options)(type("Own", (), body(own)))
            a, b = ours(1), ours(2)
            assert (repr(a) == "mine") == (repr(theirs(1)) == "mine"), (own, options)
            assert (a == b) == (theirs(1) == theirs(2)), (own, options)
            assert (ours.__hash__ is None) == (theirs.__hash__ is None), (own, options)
            if ours.__hash__ is not None and "__hash__" in own:
                assert hash(a) == 7 == hash(theirs(1)), (own, options)


def test_a_record_is_a_dataclass_that_pickles_copies_and_replaces() -> None:
    from trajaudit.model import Finding, Severity

    finding = Finding("TA101", "name", Severity.ERROR, "f.jsonl", 3, "t1", 2, "message", {"k": [1]})
    assert dataclasses.is_dataclass(finding)
    assert [f.name for f in dataclasses.fields(finding)][:3] == ["code", "name", "severity"]
    again = pickle.loads(pickle.dumps(finding))
    assert again == finding and again is not finding
    plain = dataclasses.replace(finding, evidence=None)  # a dict is unhashable, as with dataclasses
    assert hash(pickle.loads(pickle.dumps(plain))) == hash(plain) == hash(copy.copy(plain))
    assert dataclasses.replace(finding, step=5).step == 5 and dataclasses.asdict(finding)["evidence"] == {"k": [1]}


def test_the_test_suite_builds_frozen_records_frozen() -> None:
    from trajaudit.model import Limits

    assert records.CHECK_FROZEN, "tests/conftest.py sets the debug switch before trajaudit is imported"
    with pytest.raises(dataclasses.FrozenInstanceError):
        Limits().max_line_bytes = 1  # type: ignore[misc]


def _env(check: bool) -> dict[str, str]:
    """This environment with the debug switch on or off, whatever the test suite set."""
    env = {k: v for k, v in os.environ.items() if k != CHECK_FROZEN_VARIABLE}
    return {**env, CHECK_FROZEN_VARIABLE: "1"} if check else env


def _run(code: str, check: bool) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=_env(check), capture_output=True,
                          text=True, check=True).stdout


def test_a_run_does_not_build_the_frozen_methods() -> None:
    """What the start-up saving rests on: without the switch, no `__setattr__` is generated (mypy checks assignments
    instead); with it, assignment raises."""
    code = (
        "import dataclasses\nfrom trajaudit.model import Limits\nlimits = Limits()\n"
        "try:\n    limits.max_line_bytes = 1\n    print('assigned', Limits.__setattr__ is object.__setattr__)\n"
        "except dataclasses.FrozenInstanceError:\n    print('frozen')\n"
    )
    assert _run(code, check=False).split() == ["assigned", "True"]
    assert _run(code, check=True).split() == ["frozen"]


def test_a_run_gives_the_same_bytes_with_or_without_the_switch() -> None:
    """Two jobs, so that records cross processes by pickle in both modes."""
    code = (
        "import sys\nfrom trajaudit.entry import main\n"
        "sys.argv = ['trajaudit', 'audit', '--format', 'jsonl', '-j2', 'sample_traces']\nmain()\n"
    )
    outputs = []
    for check in (False, True):
        done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=_env(check), capture_output=True)
        outputs.append(done.stdout)
        assert done.returncode == 1 and done.stdout.count(b'"type":"trajectory"') > 5  # findings: exit 1
    assert outputs[0] == outputs[1]


def test_every_dataclass_of_the_package_is_built_by_records() -> None:
    """ruff bans `dataclasses.dataclass` in trajaudit/ (TID251); this catches one made another way."""
    found = 0
    for module_info in pkgutil.walk_packages(trajaudit.__path__, "trajaudit."):
        if module_info.name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(module_info.name)
        except ImportError:  # an optional dependency (pyarrow, ray) absent; ruff's ban still covers the module
            continue
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__ and dataclasses.is_dataclass(value):
                found += 1
                assert "_shown" in vars(value), f"{module.__name__}.{value.__qualname__} is not built by records"
    assert found >= 40
