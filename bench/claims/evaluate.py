"""Measure trajaudit's claim layer against hand labels, split once into a TUNE part and a HELDOUT part.

Runs the trajaudit of this repository (whatever claim reader it has) over
- the real runs of ../shared/realdata labelled in labels/tune.jsonl and labels/heldout.jsonl (by pointer), and
- the hand-written cases in tune/*.jsonl and heldout/*.jsonl, and those of FRESH (fresh/*.jsonl: a second held-out
  set of hand-written cases only, in eight other domains, spent once measured; see README.md),
and prints, per part and per source / domain:

- claim detector precision / recall at report level: predicted claim = trajaudit's `report_claims` finds at least
  one claim in the run; labelled claim = "claim" or "partial";
- action agreement on the runs both call a claim: labelled actions found among the predicted ones (recall) and
  predicted actions that are labelled (precision), after mapping inflections and synonyms to base verbs;
- TA101 / TA102 / TA103 precision / recall. Hand cases: against each case's `expect`. Real runs: TA101 against
  "labelled claim or partial AND the verifier says the run failed"; TA102 and TA103 have no truth there, so the
  runs they flag are counted on successful, failed and unscored runs;
- the share of runs the verifier scored successful that get an ERROR finding needing no verifier (any error-level
  code but TA101): false alarms that would fail CI on a good run.

Rules are read through the CLI (`audit --format jsonl`, every rule, `--fail-on never`), the stable interface;
verifier verdicts kept apart from the logs (SWE-bench reports, outcomes.jsonl, Claude Code post-conditions) are
passed with `--outcomes`. Claims come from `trajaudit.claims.report_claims(trajectory)` (objects with `.type`,
`.action`, `.text`), or from `{"type": "claim"}` records of the jsonl output when that function is gone.

Usage: python bench/claims/evaluate.py [--part tune|heldout|fresh|all] [--json] [--realdata PATH] [--mistakes]
The real-data parts are skipped (with a note on stderr) when the realdata folder is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Iterable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for entry in (str(ROOT), str(HERE)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from casekit import as_openai, load_cases  # noqa: E402
from reports import REALDATA, SOURCES, runs  # noqa: E402

PARTS = ("tune", "heldout")  # parts with labelled real runs (labels/<part>.jsonl) and hand-written cases
CASE_PARTS = (*PARTS, "fresh")  # parts with hand-written cases (<part>/*.jsonl)
RULES = ("TA101", "TA102", "TA103", "TA104")
# Sources whose logs carry no verdict: reports.py reads it from the files beside them; passed with --outcomes.
OUTCOMES_APART = (
    "swebench-minisweagent-gemini3pro", "swe-agent-runs-with-outcomes", "claudecode-reliability-snapshots",
)
FORMAT = {folder: fmt for folder, _, _, fmt in SOURCES}

# Base verbs: inflections and synonyms that the labels write as one verb (documented in README.md).
SYNONYMS = {
    "modify": "update", "change": "update", "edit": "update", "switch": "update", "swap": "update",
    "replace": "update", "set": "update", "upgrade": "update", "downgrade": "update",
    "remove": "delete", "erase": "delete", "purge": "delete", "trash": "delete", "drop": "drop", "rm": "delete",
    "email": "send", "mail": "send", "deliver": "send", "post": "send", "notify": "send", "message": "send",
    "roll_out": "deploy", "rollout": "deploy", "release": "deploy", "ship": "deploy",
    "roll_back": "rollback", "top_up": "add",
    "reboot": "restart", "bounce": "restart", "cancelled": "cancel", "canceled": "cancel",
    "reserve": "book", "credit": "refund", "reimburse": "refund", "collect": "charge", "bill": "charge",
    "resolve": "fix", "repair": "fix", "patch": "fix", "implement": "update", "submit": "submit",
    "finish": "complete", "done": "complete", "reschedule": "reschedule", "rename": "rename",
    "enrol": "enroll",
}
IRREGULAR = {"sent": "send", "paid": "pay", "ran": "run", "made": "make", "built": "build", "rebuilt": "rebuild",
             "wrote": "write", "written": "write", "put": "put", "got": "get", "gave": "give", "issued": "issue"}


KNOWN = frozenset(
    "cancel refund return exchange book update delete create send issue fix merge deploy install commit push pay "
    "restart add test complete run move rename copy write save compress upload restore insert drop migrate load "
    "vacuum rollback rebuild charge void schedule reschedule decline forward share scale clean rotate apply renew "
    "port backup roll top "
    # verbs the FRESH domains' labels need (healthcare, logistics, HR, IAM, smart home, travel, education, legal)
    "approve arm attach enroll export extend file grade grant hold lock onboard open publish reroute revoke sign "
    "terminate unlock".split()
)


def _lemma(w: str) -> str:
    w = IRREGULAR.get(w, w)
    if w in SYNONYMS or w in KNOWN:
        return w
    for suffix, repl in (("ied", "y"), ("led", "l"), ("ed", "e"), ("ed", ""), ("ing", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            stem = w[: -len(suffix)] + repl
            if stem in SYNONYMS or stem in KNOWN:
                return stem
            if len(stem) > 2 and stem[-1] == stem[-2] and stem[:-1] in KNOWN:  # stopped, committed
                return stem[:-1]
    return w


def verb(word: str | None) -> str | None:
    """A claimed action word (or phrasal verb: "rolled out") as a base verb of the label vocabulary."""
    if not word or not word.strip():
        return None
    parts = word.strip().lower().replace("-", " ").replace("_", " ").split()
    w = "_".join([_lemma(parts[0]), *parts[1:]])
    return SYNONYMS.get(w, w)


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

    def as_dict(self) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None

        return {"precision": ratio(self.tp, self.tp + self.fp), "recall": ratio(self.tp, self.tp + self.fn),
                "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn}


@dataclass
class Item:
    """One labelled run: a real final report or a hand-written case, with what trajaudit said about it."""

    part: str
    group: str  # realdata folder, or hand-case domain
    kind: str  # "real" | "case"
    name: str  # source::trajectory or case id
    label: str
    actions: list[str]
    outcome: bool | None
    expect: dict[str, bool] | None
    claims: list[tuple[str, str | None, str]] = field(default_factory=list)
    codes: set[str] = field(default_factory=set)
    errors: set[str] = field(default_factory=set)  # error-severity codes other than TA101
    seen: bool = False  # trajaudit reported this trajectory


# ---------------------------------------------------------------------------------------------------------- running

def _cli(paths: list[str], fmt: str, outcomes: dict[str, bool] | None, workdir: Path) -> dict[tuple[str, str], dict]:
    """Per (file, trajectory): the codes of its findings, its error codes, the claim records and the outcome."""
    cmd = [sys.executable, "-m", "trajaudit", "audit", *paths, "--format", "jsonl", "--fail-on", "never", "-q",
           "--isolated", "--from", fmt]
    if outcomes:
        out_path = workdir / f"outcomes-{len(list(workdir.iterdir()))}.json"
        out_path.write_text(json.dumps(outcomes))
        cmd += ["--outcomes", str(out_path)]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"trajaudit exited {proc.returncode}: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    found: dict[tuple[str, str], dict] = defaultdict(lambda: {"codes": set(), "errors": set(), "claims": [],
                                                               "outcome": None, "seen": False})
    for line in proc.stdout.splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        kind = record.get("type")
        tid = record.get("trajectory")
        if tid is None:
            continue
        file = str(record.get("file"))
        # an id another file of the same run also yields is renamed FILE/ID by trajaudit (see importers.DistinctIds)
        key = (file, str(tid).removeprefix(Path(file).name + "/"))
        if kind == "finding":
            found[key]["codes"].add(record["code"])
            if record.get("severity") == "error" and record["code"] != "TA101":
                found[key]["errors"].add(record["code"])
        elif kind == "claim":
            found[key]["claims"].append(("claim", record.get("action"), str(record.get("text") or "")))
        elif kind == "trajectory":
            found[key]["seen"] = True
            found[key]["outcome"] = record.get("outcome")
    return found


def assemble(path: Path, fmt: str) -> dict[str, Any]:
    """The file's trajectories as trajaudit's rules see them (events grouped by id, ordered by step)."""
    from trajaudit.importers import open_events
    from trajaudit.model import Event, Trajectory
    from trajaudit.reader import Malformed, Source

    _, stream = open_events(Source(str(path), path), fmt)
    grouped: dict[str, list] = defaultdict(list)
    seq = 0
    for item in stream:
        if isinstance(item, Malformed):
            continue
        line, data = item
        seq += 1
        grouped[data["trajectory"]].append(Event(str(path), line, data, seq))
    return {tid: Trajectory(tid, tuple(sorted(events, key=lambda e: (e.step, e.seq))))
            for tid, events in grouped.items()}


def _report_claims():
    try:
        from trajaudit.claims import report_claims
    except ImportError:
        return None
    return report_claims


def _claims(trajectory: Any, reader: Any) -> list[tuple[str, str | None, str]]:
    return [(str(c.type), getattr(c, "action", None), str(getattr(c, "text", ""))) for c in reader(trajectory)]


def _fill(items: dict[tuple[str, str], Item], paths: list[Path], fmt: str, outcomes: dict[str, bool] | None,
          workdir: Path) -> None:
    found = _cli([str(p) for p in paths], fmt, outcomes, workdir)
    reader = _report_claims()
    for path in paths:
        trajectories = assemble(path, fmt) if reader else {}
        for (file, tid), item in items.items():
            if file != str(path):
                continue
            result = found.get((file, tid))
            if result:
                item.codes, item.errors, item.seen = result["codes"], result["errors"], result["seen"]
            if reader is not None:
                trajectory = trajectories.get(tid)
                item.claims = _claims(trajectory, reader) if trajectory is not None else []
            elif result:
                item.claims = result["claims"]


def real_items(realdata: Path, part: str, workdir: Path) -> list[Item]:
    labels: dict[tuple[str, str], dict] = {}
    for which in PARTS:
        if part in ("all", which):
            for line in (HERE / "labels" / f"{which}.jsonl").read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    labels[(record["source"], record["trajectory"])] = record
    known = {(r.source, r.trajectory): r for r in runs(realdata, part)}
    items: dict[tuple[str, str], Item] = {}
    groups: dict[tuple[str, str], list[Path]] = defaultdict(list)
    for key, record in labels.items():
        run = known.get(key)
        if run is None:
            print(f"labelled run not found in {realdata}: {key[0]} :: {key[1]}", file=sys.stderr)
            continue
        path = realdata / run.source
        items[(str(path), run.trajectory)] = Item(run.part, run.folder, "real", f"{run.source}::{run.trajectory}",
                                                  record["label"], list(record["actions"]), run.outcome, None)
        if path not in groups[(run.folder, run.part)]:
            groups[(run.folder, run.part)].append(path)
    for (folder, _), paths in sorted(groups.items()):
        outcomes = None
        if folder in OUTCOMES_APART:
            outcomes = {i.name.split("::", 1)[1]: i.outcome for k, i in items.items()
                        if i.group == folder and i.outcome is not None}
        _fill(items, paths, FORMAT[folder], outcomes, workdir)
    return list(items.values())


def case_items(part: str, workdir: Path) -> list[Item]:
    items: dict[tuple[str, str], Item] = {}
    for which in CASE_PARTS:
        if part not in ("all", which):
            continue
        cases = load_cases(HERE / which)
        native = workdir / f"{which}-native.jsonl"
        openai = workdir / f"{which}-openai.jsonl"
        with native.open("w", encoding="utf-8") as nf, openai.open("w", encoding="utf-8") as of:
            for case in cases:
                outcome = next((bool(e["success"]) for e in case["events"] if e["kind"] == "outcome"), None)
                item = Item(which, case["domain"], "case", case["id"], case["label"], list(case["actions"]),
                            outcome, dict(case["expect"]))
                if case.get("render") == "openai":
                    of.write(json.dumps(as_openai(case), ensure_ascii=False) + "\n")
                    items[(str(openai), case["id"])] = item
                else:
                    for event in case["events"]:
                        nf.write(json.dumps(event, ensure_ascii=False) + "\n")
                    items[(str(native), case["id"])] = item
        _fill(items, [native], "native", None, workdir)
        if openai.stat().st_size:
            _fill(items, [openai], "openai", None, workdir)
    return list(items.values())


# ------------------------------------------------------------------------------------------------------- measuring

def _predicted_actions(item: Item) -> set[str]:
    found = set()
    for kind, action, _ in item.claims:
        word = verb(action)
        if word:
            found.add(word)
        elif kind == "task_complete":
            found.add("complete")
        elif kind == "tests_pass":
            found.add("test")
    return found


def measure(items: Iterable[Item]) -> dict[str, Any]:
    items = list(items)
    detector = Counts()
    rules = {code: Counts() for code in RULES}
    flagged: dict[str, Counter] = {code: Counter() for code in ("TA102", "TA103")}
    action: Counter[str] = Counter()
    runs_by_outcome: Counter[str] = Counter()
    alarms: Counter[str] = Counter()
    alarm_codes: Counter[str] = Counter()
    missing = []
    for item in items:
        if not item.seen:
            missing.append(item.name)
        claimed = item.label != "no_claim"
        predicted = bool(item.claims)
        detector.add(predicted, claimed, item.name)
        state = "unknown" if item.outcome is None else "successful" if item.outcome else "failed"
        runs_by_outcome[state] += 1
        if claimed and predicted and item.actions:
            labelled = {verb(a) for a in item.actions}
            got = _predicted_actions(item)
            action["reports"] += 1
            action["reports_agreeing"] += bool(labelled & got)
            action["labelled"] += len(labelled)
            action["labelled_found"] += len(labelled & got)
            action["predicted"] += len(got)
            action["predicted_labelled"] += len(got & labelled)
        if item.expect is not None:
            for code in RULES:
                if code in item.expect:
                    rules[code].add(code in item.codes, bool(item.expect[code]), item.name)
        else:
            if item.outcome is not None:
                rules["TA101"].add("TA101" in item.codes, claimed and item.outcome is False, item.name)
            for code in flagged:
                if code in item.codes:
                    flagged[code][state] += 1
        if item.outcome is True:
            alarms["successful_runs"] += 1
            if item.errors:
                alarms["with_error"] += 1
                alarm_codes.update(item.errors)
    result: dict[str, Any] = {
        "runs": len(items),
        "labels": dict(Counter(i.label for i in items)),
        "outcomes": dict(runs_by_outcome),
        "detector": detector.as_dict(),
        "actions": {
            "reports": action["reports"],
            "agreeing": action["reports_agreeing"],
            "recall": round(action["labelled_found"] / action["labelled"], 3) if action["labelled"] else None,
            "precision": round(action["predicted_labelled"] / action["predicted"], 3) if action["predicted"] else None,
        },
        "rules": {code: c.as_dict() for code, c in rules.items() if c.tp + c.fp + c.fn + c.tn},
        "error_findings_on_successful_runs": {
            "successful_runs": alarms["successful_runs"],
            "with_error": alarms["with_error"],
            "rate": round(alarms["with_error"] / alarms["successful_runs"], 3) if alarms["successful_runs"] else None,
            "codes": dict(alarm_codes),
        },
        "mistakes": {"detector": detector.mistakes, **{code: c.mistakes for code, c in rules.items() if c.mistakes}},
    }
    if any(i.expect is None for i in items):
        result["flagged_without_truth"] = {code: dict(c) for code, c in flagged.items()}
    if missing:
        result["not_reported_by_trajaudit"] = missing
    return result


def evaluate(part: str = "all", realdata: Path = REALDATA) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="claims-bench-") as tmp:
        workdir = Path(tmp)
        items = case_items(part, workdir)
        real_available = realdata.is_dir()
        if part in ("all", *PARTS):  # FRESH has hand-written cases only
            if real_available:
                items += real_items(realdata, part, workdir)
            else:
                print(f"{realdata}: not found; real-data parts skipped", file=sys.stderr)
    report: dict[str, Any] = {"meta": _meta(part, real_available), "parts": {}}
    for which in CASE_PARTS:
        if part not in ("all", which):
            continue
        mine = [i for i in items if i.part == which]
        section: dict[str, Any] = {}
        for kind, title in (("real", "real"), ("case", "hand")):
            chosen = [i for i in mine if i.kind == kind]
            if not chosen:
                continue
            groups = sorted({i.group for i in chosen})
            section[title] = {"all": measure(chosen), **{g: measure(i for i in chosen if i.group == g) for g in groups}}
        section["all"] = measure(mine)
        report["parts"][which] = section
    return report


def _meta(part: str, real: bool) -> dict[str, Any]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "trajaudit"], capture_output=True, text=True,
                           cwd=ROOT)
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": commit.stdout.strip() or None, "trajaudit_modified": bool(dirty.stdout.strip()),
            "part": part, "realdata": real}


# -------------------------------------------------------------------------------------------------------- printing

def _pr(c: dict[str, Any]) -> str:
    def fmt(x: float | None) -> str:
        return "  -  " if x is None else f"{x:.3f}"

    return f"P {fmt(c['precision'])} R {fmt(c['recall'])} ({c['tp']}/{c['fp']}/{c['fn']}/{c['tn']})"


def _print(report: dict[str, Any], mistakes: bool) -> None:
    meta = report["meta"]
    print(f"claims benchmark — {meta['date']}, commit {meta['commit']}"
          f"{' (trajaudit/ modified)' if meta['trajaudit_modified'] else ''}; counts are tp/fp/fn/tn")
    for part, section in report["parts"].items():
        print(f"\n=== {part.upper()} ===")
        for title in ("real", "hand"):
            if title not in section:
                continue
            print(f"-- {'real final reports' if title == 'real' else 'hand-written cases'}")
            for group, m in section[title].items():
                a = m["actions"]
                alarms = m["error_findings_on_successful_runs"]
                print(f"  {group:34} n={m['runs']:3}  detector {_pr(m['detector'])}")
                acts = "-" if a["recall"] is None else f"R {a['recall']:.3f} P {a['precision'] or 0:.3f}"
                rate = "-" if alarms["rate"] is None else f"{alarms['with_error']}/{alarms['successful_runs']}"
                print(f"  {'':34}        actions {acts} ({a['agreeing']}/{a['reports']} agree)  "
                      f"errors on successful runs {rate} {alarms['codes'] or ''}")
                for code, c in m["rules"].items():
                    print(f"  {'':34}        {code} {_pr(c)}")
                if "flagged_without_truth" in m:
                    cells = "  ".join(f"{code} {dict(v) or '{}'}" for code, v in m["flagged_without_truth"].items())
                    print(f"  {'':34}        runs flagged: {cells}")
        m = section["all"]
        alarms = m["error_findings_on_successful_runs"]
        print(f"-- {part} overall: n={m['runs']}  detector {_pr(m['detector'])}")
        for code, c in m["rules"].items():
            print(f"   {code} {_pr(c)}")
        print(f"   error findings needing no verifier on successful runs: {alarms['with_error']}/"
              f"{alarms['successful_runs']} ({alarms['rate']}) {alarms['codes']}")
        if mistakes:
            for kind, names in m["mistakes"].items():
                for name in names:
                    print(f"   {kind} {name}")
        if m.get("not_reported_by_trajaudit"):
            print(f"   not reported by trajaudit: {len(m['not_reported_by_trajaudit'])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=(*CASE_PARTS, "all"), default="all",
                        help="fresh: the second held-out set (hand-written cases only), spent once measured")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--realdata", type=Path, default=REALDATA)
    parser.add_argument("--mistakes", action="store_true", help="list disagreements by run id (no texts)")
    args = parser.parse_args(argv)
    report = evaluate(args.part, args.realdata)
    if args.json:
        if not args.mistakes:
            for section in report["parts"].values():
                for title in ("real", "hand"):
                    for m in section.get(title, {}).values():
                        m.pop("mistakes", None)
                section["all"].pop("mistakes", None)
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print(report, args.mistakes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
