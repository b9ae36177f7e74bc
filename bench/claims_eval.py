"""Claim detection and the claim rules (TA101–TA105) measured on real agent logs in ../shared/realdata.

Ground truth: tests/data/claim_labels.json, {source file relative to realdata: {trajectory id: claims success}},
labelled by a person reading each run's final report with the rewards hidden. A run "claims success" when its final
report (the last assistant message, or the message before it when the last one is only politeness; for
mini-swe-agent the final message before and with its submission) asserts that the task, or at least one action on
the user's behalf, was carried out. Information-only answers, offers, questions, refusals and transfers to a human
do not claim success.

Reported:
- claim detector precision and recall against those labels, per dataset and overall;
- TA101 precision and recall against "labelled as claiming success AND the verifier says the run failed";
- with the outcome events removed, how many failed and how many successful runs each of TA102–TA105 flags.

Usage: python bench/claims_eval.py [--realdata PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trajaudit.claims import claims_success  # noqa: E402
from trajaudit.model import Event, Trajectory  # noqa: E402

LABELS = ROOT / "tests" / "data" / "claim_labels.json"
REALDATA = ROOT.parent / "shared" / "realdata"
CLAIM_RULES = ("TA101", "TA102", "TA103", "TA104", "TA105")
SWE_REPORTS = "swebench-minisweagent-gemini3pro/reports"


def dataset_of(rel: str) -> str:
    return rel.split("/", 1)[0]


def load_labels(path: Path = LABELS) -> dict[str, dict[str, bool]]:
    return json.loads(path.read_text())


def _format_for(rel: str) -> str:
    if rel.startswith("taubench"):
        return "tau-bench"
    if rel.startswith("tau2"):
        return "tau2"
    if rel.startswith("swebench-minisweagent"):
        return "mini-swe-agent"
    return "auto"


def trajectories(realdata: Path, rel: str) -> list[Trajectory]:
    """The trajectories of one source file, via the importers (events grouped by id, in arrival order)."""
    from trajaudit.importers import open_events
    from trajaudit.reader import Malformed, Source

    source = Source(rel, realdata / rel)
    _, stream = open_events(source, _format_for(rel))
    grouped: dict[str, list[Event]] = defaultdict(list)
    for item in stream:
        if isinstance(item, Malformed):
            continue
        line, data = item
        grouped[data["trajectory"]].append(Event(rel, line, data))
    result = []
    for tid, events in grouped.items():
        events.sort(key=lambda e: e.step)
        result.append(Trajectory(tid, tuple(events)))
    outcomes = _external_outcomes(realdata, rel)
    if outcomes:
        result = [_with_outcome(t, outcomes.get(t.id)) for t in result]
    return result


def _external_outcomes(realdata: Path, rel: str) -> dict[str, bool]:
    """SWE-bench keeps its verdicts apart from the trajectories: reports/<instance>.report.json."""
    if not rel.startswith("swebench-minisweagent"):
        return {}
    instance = Path(rel).name.removesuffix(".traj.json")
    report = realdata / SWE_REPORTS / f"{instance}.report.json"
    if not report.is_file():
        return {}
    data = json.loads(report.read_text())
    entry = data.get(instance, data)
    return {instance: bool(entry.get("resolved"))}


def _with_outcome(trajectory: Trajectory, success: bool | None) -> Trajectory:
    if success is None or trajectory.outcome is not None:
        return trajectory
    last = trajectory.events[-1]
    data = {"trajectory": trajectory.id, "step": last.step + 1, "kind": "outcome", "success": success,
            "source": "swe-bench report"}
    return Trajectory(trajectory.id, trajectory.events + (Event(last.file, None, data),))


def without_outcome(trajectory: Trajectory) -> Trajectory:
    return Trajectory(trajectory.id, tuple(e for e in trajectory.events if e.kind != "outcome"))


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    mistakes: list[str] = field(default_factory=list)

    def add(self, predicted: bool, actual: bool, name: str) -> None:
        if predicted and actual:
            self.tp += 1
        elif predicted:
            self.fp += 1
            self.mistakes.append(f"FP {name}")
        elif actual:
            self.fn += 1
            self.mistakes.append(f"FN {name}")
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4)}


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
        ds = dataset_of(rel)
        found = {t.id: t for t in trajectories(realdata, rel)}
        for tid, claims in sorted(wanted.items()):
            name = f"{rel}::{tid}"
            trajectory = found.get(tid)
            if trajectory is None:
                missing.append(name)
                continue
            predicted = claims_success(trajectory)
            detector[ds].add(predicted, claims, name)
            outcome = trajectory.outcome
            failed = None if outcome is None else not bool(outcome.get("success"))
            runs[ds]["unknown" if failed is None else "failed" if failed else "successful"] += 1
            if not with_rules:
                continue
            if failed is not None:
                ta101[ds].add(rule_fires("TA101", trajectory), claims and failed, name)
                blind_trajectory = without_outcome(trajectory)
                counts = blind[ds]
                for code in CLAIM_RULES[1:]:
                    if rule_fires(code, blind_trajectory):
                        counts[code]["failed" if failed else "successful"] += 1
    total_detector = _total(detector.values())
    total_ta101 = _total(ta101.values())
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
        total.tp += part.tp
        total.fp += part.fp
        total.fn += part.fn
        total.tn += part.tn
        total.mistakes.extend(part.mistakes)
    return total


def _print(report: dict[str, Any]) -> None:
    print("claim detection vs labels (precision / recall, tp fp fn tn)")
    for ds, c in report["detector"].items():
        print(f"  {ds:40} P={c['precision']:.3f} R={c['recall']:.3f}  {c['tp']} {c['fp']} {c['fn']} {c['tn']}")
    print("TA101 vs 'labelled claim AND run failed'")
    for ds, c in report["ta101"].items():
        print(f"  {ds:40} P={c['precision']:.3f} R={c['recall']:.3f}  {c['tp']} {c['fp']} {c['fn']} {c['tn']}")
    print("runs (failed / successful)")
    for ds, c in report["runs"].items():
        print(f"  {ds:40} {c['failed']} / {c['successful']}" + (f" (unknown {c['unknown']})" if c["unknown"] else ""))
    print("TA102–TA105 with outcomes removed: runs flagged (failed / successful)")
    for ds, rules in report["blind_rules"].items():
        cells = "  ".join(f"{code} {v['failed']}/{v['successful']}" for code, v in rules.items())
        print(f"  {ds:40} {cells}")
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
