"""Claim detection and the claim rules (TA101–TA105) on the older labels of ../shared/realdata: a thin layer over
the claims benchmark (bench/claims/evaluate.py), which reads the real runs, counts and reports for both.

Ground truth: tests/data/claim_labels.json, {source file relative to realdata: {trajectory id: claims success}},
labelled by a person reading each run's final report with the rewards hidden (see bench/claims/README.md for the
benchmark that superseded it, with a tune / held-out split). tests/test_claims_realdata.py holds trajaudit to it.

Reported:
- `claims_success` precision and recall against those labels, per dataset and overall;
- TA101 precision and recall against "labelled as claiming success AND the verifier says the run failed";
- with the outcome events removed, how many failed and how many successful runs each of TA102–TA105 flags.

Usage: python bench/claims_eval.py [--realdata PATH] [--json] [--no-rules]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
for entry in (str(ROOT), str(ROOT / "bench" / "claims")):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from evaluate import Counts, assemble  # noqa: E402
from reports import REALDATA, mini_outcome  # noqa: E402

from trajaudit.claims import claims_success  # noqa: E402
from trajaudit.model import Event, Trajectory  # noqa: E402

LABELS = ROOT / "tests" / "data" / "claim_labels.json"
CLAIM_RULES = ("TA101", "TA102", "TA103", "TA104", "TA105")
FORMATS = {"taubench": "tau-bench", "tau2": "tau2", "swebench-minisweagent": "mini-swe-agent"}


def load_labels(path: Path = LABELS) -> dict[str, dict[str, bool]]:
    return json.loads(path.read_text())


def trajectories(realdata: Path, rel: str) -> dict[str, Trajectory]:
    """The trajectories of one labelled file; mini-swe-agent runs get their SWE-bench verdict, kept apart."""
    fmt = next((name for prefix, name in FORMATS.items() if rel.startswith(prefix)), "auto")
    found = assemble(realdata / rel, fmt)
    if fmt == "mini-swe-agent":
        instance = Path(rel).name.removesuffix(".traj.json")
        found = {tid: _with_outcome(t, mini_outcome(realdata, instance)) for tid, t in found.items()}
    return found


def _with_outcome(trajectory: Trajectory, success: bool | None) -> Trajectory:
    if success is None or trajectory.outcome is not None:
        return trajectory
    last = trajectory.events[-1]
    data = {"trajectory": trajectory.id, "step": last.step + 1, "kind": "outcome", "success": success,
            "source": "swe-bench report"}
    return Trajectory(trajectory.id, trajectory.events + (Event(last.file, None, data),))


def rule_fires(code: str, trajectory: Trajectory) -> bool:
    from trajaudit.rules import lookup

    rule = lookup(code)
    assert rule.check is not None
    return any(True for _ in rule.check(trajectory, dict(rule.options)))


def evaluate(realdata: Path = REALDATA, labels: dict[str, dict[str, bool]] | None = None,
             with_rules: bool = True) -> dict[str, Any]:
    labels = labels if labels is not None else load_labels()
    detector: dict[str, Counts] = defaultdict(Counts)
    ta101: dict[str, Counts] = defaultdict(Counts)
    blind: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: {code: {"failed": 0, "successful": 0} for code in CLAIM_RULES[1:]}
    )
    runs: dict[str, dict[str, int]] = defaultdict(lambda: {"failed": 0, "successful": 0, "unknown": 0})
    missing: list[str] = []
    for rel, wanted in sorted(labels.items()):
        if not (realdata / rel).is_file():
            missing.append(rel)
            continue
        dataset = rel.split("/", 1)[0]
        found = trajectories(realdata, rel)
        for tid, claims in sorted(wanted.items()):
            name = f"{rel}::{tid}"
            trajectory = found.get(tid)
            if trajectory is None:
                missing.append(name)
                continue
            detector[dataset].add(claims_success(trajectory), claims, name)
            outcome = trajectory.outcome
            failed = None if outcome is None else not bool(outcome.get("success"))
            runs[dataset]["unknown" if failed is None else "failed" if failed else "successful"] += 1
            if not with_rules or failed is None:
                continue
            ta101[dataset].add(rule_fires("TA101", trajectory), claims and failed, name)
            blind_trajectory = Trajectory(trajectory.id, tuple(e for e in trajectory.events if e.kind != "outcome"))
            counts = blind[dataset]  # every dataset with verdicts is listed, even when no rule flags a run
            for code in CLAIM_RULES[1:]:
                if rule_fires(code, blind_trajectory):
                    counts[code]["failed" if failed else "successful"] += 1
    total_detector, total_ta101 = _total(detector.values()), _total(ta101.values())
    return {
        "detector": {**{ds: c.as_dict() for ds, c in sorted(detector.items())}, "all": total_detector.as_dict()},
        "ta101": {**{ds: c.as_dict() for ds, c in sorted(ta101.items())}, "all": total_ta101.as_dict()},
        "runs": {ds: dict(v) for ds, v in sorted(runs.items())},
        "blind_rules": {ds: v for ds, v in sorted(blind.items())},
        "mistakes": {"detector": total_detector.mistakes, "ta101": total_ta101.mistakes},
        "missing": missing,
    }


def _total(parts: Iterable[Counts]) -> Counts:
    total = Counts()
    for part in parts:
        total.tp, total.fp, total.fn, total.tn = (total.tp + part.tp, total.fp + part.fp, total.fn + part.fn,
                                                  total.tn + part.tn)
        total.mistakes.extend(part.mistakes)
    return total


def _print(report: dict[str, Any]) -> None:
    def cells(c: dict[str, Any]) -> str:
        def fmt(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.3f}"

        return f"P={fmt(c['precision'])} R={fmt(c['recall'])}  {c['tp']} {c['fp']} {c['fn']} {c['tn']}"

    print("claim detection vs labels (precision / recall, tp fp fn tn)")
    for ds, c in report["detector"].items():
        print(f"  {ds:40} {cells(c)}")
    print("TA101 vs 'labelled claim AND run failed'")
    for ds, c in report["ta101"].items():
        print(f"  {ds:40} {cells(c)}")
    print("runs (failed / successful)")
    for ds, c in report["runs"].items():
        print(f"  {ds:40} {c['failed']} / {c['successful']}" + (f" (unknown {c['unknown']})" if c["unknown"] else ""))
    print("TA102–TA105 with outcomes removed: runs flagged (failed / successful)")
    for ds, rules in report["blind_rules"].items():
        print(f"  {ds:40} " + "  ".join(f"{code} {v['failed']}/{v['successful']}" for code, v in rules.items()))
    if report["mistakes"]["detector"]:
        print("detector disagreements:", *report["mistakes"]["detector"], sep="\n  ")
    if report["missing"]:
        print("missing:", *report["missing"], sep="\n  ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdata", type=Path, default=REALDATA)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--no-rules", action="store_true", help="claim detection only")
    args = parser.parse_args(argv)
    if not args.realdata.is_dir():
        print(f"{args.realdata}: not found", file=sys.stderr)
        return 2
    report = evaluate(args.realdata, with_rules=not args.no_rules)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
