"""What a rule is: a code, a name, a default severity, its manual (the module docstring) and a check."""

from __future__ import annotations

from dataclasses import field
from types import ModuleType
from typing import Any, Callable, Iterator, Mapping, Sequence

from trajaudit.model import Severity, Trajectory, Violation
from trajaudit.records import dataclass

# The engine passes the trajectory as its `context.Context`, where questions its rules share are answered once.
Check = Callable[[Trajectory, Mapping[str, Any]], Iterator[Violation]]
# A rule across runs: all trajectories of the input in, (index of a trajectory, violation in it) out.
CheckRuns = Callable[[Sequence[Trajectory], Mapping[str, Any]], Iterator[tuple[int, Violation]]]


@dataclass(frozen=True)
class Rule:
    """A rule as the registry knows it. `check` is None for rules the input stages report (TA001, TA002) and for
    rules across runs (`check_runs`), which the engine runs once the whole input is read."""

    code: str
    name: str
    severity: Severity
    doc: str
    check: Check | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    check_runs: CheckRuns | None = None  # set instead of `check` by rules that compare runs of a task
    enabled_by_default: bool = True  # False: runs only when selected by code, prefix or name

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else ""

    @classmethod
    def from_module(cls, module: ModuleType) -> Rule:
        """Build a rule from a module defining CODE, NAME, SEVERITY, optional OPTIONS and check(); doc = docstring."""
        return cls(
            code=module.CODE,
            name=module.NAME,
            severity=module.SEVERITY,
            doc=module.__doc__ or "",
            check=getattr(module, "check", None),
            options=dict(getattr(module, "OPTIONS", {})),
            check_runs=getattr(module, "check_runs", None),
            enabled_by_default=getattr(module, "ENABLED_BY_DEFAULT", True),
        )
