"""The final report of every real run in ../shared/realdata, read independently of trajaudit's claim reader.

Used to label runs by hand (`python bench/claims/reports.py --source tau2-sierra`) and by evaluate.py to know which
runs exist and what the verifier said. The final report, as issue 10 defines it:

- SWE-agent: the `thought` of the step that runs `submit` (the words that go with it), or, when that is empty, the
  last non-empty thought before it; a run that ends with a forced exit (`exit_cost`, `exit_context`, `early_exit`,
  ...) or with no exit keeps the last thought the agent wrote, and `forced_exit` says so. Files holding only
  `history` use the last assistant message.
- mini-swe-agent: the last assistant message that carries the completion marker (else the last assistant message).
- Claude Code, Codex, tau-bench, tau2-bench: the last assistant message with text; when it is only politeness
  ("anything else?", "have a great day"), the message before it is part of the report too.

Trajectory ids are trajaudit's (the importers are used to enumerate runs and their events); texts are untrusted
and only ever printed to a terminal by this script, never written into the project.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REALDATA = ROOT.parent / "shared" / "realdata"

# (folder, glob inside it, part, importer name)
SOURCES: tuple[tuple[str, str, str, str], ...] = (
    ("taubench-retail-avaljot", "*.json", "tune", "tau-bench"),
    ("swebench-minisweagent-gemini3pro", "trajs/*.traj.json", "tune", "mini-swe-agent"),
    ("swe-agent-runs-with-outcomes", "mswe.*.traj", "tune", "swe-agent"),
    ("claudecode-reliability-snapshots", "*/transcript.jsonl", "tune", "claude-code"),
    ("tau2-sierra", "*.json", "heldout", "tau2"),
    ("swe-agent-runs-with-outcomes", "acr.*.traj", "heldout", "swe-agent"),
    ("swe-agent-demonstrations", "*.traj", "heldout", "swe-agent"),
    ("codex-rollout-format-sample", "*.jsonl", "heldout", "codex"),
)
FORCED_EXITS = ("exit_cost", "exit_context", "exit_error", "exit_format", "exit_forfeit", "early_exit")
MINI_MARKER = "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"
_COURTESY = re.compile(
    r"^\W*(?:(?:you're|you are|you’re)\s+(?:very\s+)?welcome|thank(?:s| you)|glad|happy to help|"
    r"have a (?:great|nice|good|wonderful)|goodbye|bye|is there anything else|anything else|take care|"
    r"if you (?:need|have)|feel free|it was a pleasure|my pleasure)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Run:
    source: str  # <folder>/<file> relative to realdata
    part: str  # tune | heldout
    folder: str
    trajectory: str
    report: str  # the final report's text
    before: str  # the assistant text before the report (context for labelling), "" if none
    outcome: bool | None  # the verifier's verdict: True success, False failure, None unknown
    forced_exit: str | None = None


def _courtesy_only(text: str) -> bool:
    return len(text) < 200 and bool(_COURTESY.match(text.strip()))


def _events(path: Path, rel: str, fmt: str) -> dict[str, list[dict]]:
    from trajaudit.importers import open_events
    from trajaudit.reader import Malformed, Source

    _, stream = open_events(Source(rel, path), fmt)
    grouped: dict[str, list[dict]] = {}
    for item in stream:
        if isinstance(item, Malformed):
            continue
        _, data = item
        grouped.setdefault(data["trajectory"], []).append(data)
    return grouped


def _assistant_texts(events: list[dict]) -> list[str]:
    texts = []
    for e in sorted(events, key=lambda e: e.get("step", 0)):
        if e.get("kind") == "message" and e.get("role") == "assistant":
            text = e.get("text") or ""
            if text.strip():
                texts.append(text)
    return texts


def _chat_report(events: list[dict]) -> tuple[str, str]:
    texts = _assistant_texts(events)
    if not texts:
        return "", ""
    if _courtesy_only(texts[-1]) and len(texts) > 1:
        return texts[-2] + "\n\n" + texts[-1], texts[-3] if len(texts) > 2 else ""
    return texts[-1], texts[-2] if len(texts) > 1 else ""


def _outcome_event(events: list[dict]) -> bool | None:
    for e in reversed(events):
        if e.get("kind") == "outcome":
            return bool(e.get("success"))
    return None


def _swe_agent(path: Path) -> tuple[str, str, str | None]:
    doc = json.loads(path.read_text())
    steps = doc.get("trajectory") or []
    if not steps:
        texts = [str(m.get("content") or "") for m in doc.get("history") or [] if m.get("role") == "assistant"]
        texts = [t for t in texts if t.strip()]
        return (texts[-1] if texts else ""), (texts[-2] if len(texts) > 1 else ""), None
    status = str((doc.get("info") or {}).get("exit_status") or "")
    forced = next((x for x in FORCED_EXITS if x in status), None)
    if forced is None and not status:
        forced = "no exit"
    thoughts = []
    for s in steps:
        action = str(s.get("action") or "").strip()
        thought = str(s.get("thought") or "").strip()
        if action.split(" ")[0] in FORCED_EXITS:
            forced = forced or action.split(" ")[0]
            continue
        if thought:
            thoughts.append(thought)
        if action.startswith("submit"):
            break
    return (thoughts[-1] if thoughts else ""), (thoughts[-2] if len(thoughts) > 1 else ""), forced


def _mini(path: Path) -> tuple[str, str]:
    doc = json.loads(path.read_text())
    texts = []
    for m in doc.get("messages") or []:
        if m.get("role") != "assistant":
            continue
        content = m.get("content")
        if isinstance(content, list):
            content = "\n".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
        texts.append(str(content or ""))
    marked = [i for i, t in enumerate(texts) if MINI_MARKER in t]
    i = marked[-1] if marked else len(texts) - 1
    return (texts[i] if i >= 0 else ""), (texts[i - 1] if i > 0 else "")


def _swe_outcomes(realdata: Path) -> dict[str, bool]:
    found: dict[str, bool] = {}
    path = realdata / "swe-agent-runs-with-outcomes" / "outcomes.jsonl"
    if path.is_file():
        for line in path.read_text().splitlines():
            if line.strip():
                record = json.loads(line)
                found[record["trajectory"]] = bool(record["resolved"])
    return found


def mini_outcome(realdata: Path, instance: str) -> bool | None:
    report = realdata / "swebench-minisweagent-gemini3pro" / "reports" / f"{instance}.report.json"
    if not report.is_file():
        return None
    data = json.loads(report.read_text())
    return bool(data.get(instance, data).get("resolved"))


def _postcondition(path: Path) -> bool | None:
    out = path.parent / "post-condition-output.txt"
    if not out.is_file():
        return None
    lines = out.read_text().splitlines()
    return not any(line.lstrip().upper().startswith(("FAIL", "ERROR")) for line in lines)


def runs(realdata: Path = REALDATA, part: str = "all", folder: str | None = None) -> Iterator[Run]:
    """Every run of the sources in split.md, in a stable order."""
    swe_outcomes = _swe_outcomes(realdata)
    for name, pattern, which, fmt in SOURCES:
        if part not in ("all", which) or (folder and folder != name):
            continue
        for path in sorted((realdata / name).glob(pattern)):
            rel = str(path.relative_to(realdata))
            if fmt == "swe-agent":
                tid = path.name.removesuffix(".traj")
                report, before, forced = _swe_agent(path)
                yield Run(rel, which, name, tid, report, before, swe_outcomes.get(tid), forced)
                continue
            if fmt == "mini-swe-agent":
                tid = path.name.removesuffix(".traj.json")
                report, before = _mini(path)
                yield Run(rel, which, name, tid, report, before, mini_outcome(realdata, tid))
                continue
            for tid, events in _events(path, rel, fmt).items():
                report, before = _chat_report(events)
                outcome = _outcome_event(events)
                if fmt == "claude-code":
                    outcome = _postcondition(path)
                yield Run(rel, which, name, tid, report, before, outcome)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the final reports of the real runs, for labelling.")
    parser.add_argument("--realdata", type=Path, default=REALDATA)
    parser.add_argument("--part", choices=("tune", "heldout", "all"), default="all")
    parser.add_argument("--source", help="only this realdata folder")
    parser.add_argument("--before", action="store_true", help="also print the assistant text before the report")
    parser.add_argument("--max", type=int, default=1500, help="characters of each text to print (0: all)")
    args = parser.parse_args(argv)
    if not args.realdata.is_dir():
        print(f"{args.realdata}: not found", file=sys.stderr)
        return 2
    def cut(text: str) -> str:
        if not args.max or len(text) <= args.max:
            return text
        return text[: args.max // 2] + " [...] " + text[-args.max // 2:]

    for run in runs(args.realdata, args.part, args.source):
        extra = f" forced_exit={run.forced_exit}" if run.forced_exit else ""
        print(f"### {run.source} :: {run.trajectory}  outcome={run.outcome}{extra}")
        if args.before and run.before:
            print("  [before]", cut(run.before).replace("\n", "\n  "))
        print("  ", cut(run.report).replace("\n", "\n   "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
