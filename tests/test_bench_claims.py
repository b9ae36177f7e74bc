"""The claims benchmark (bench/claims/): its data is well formed, split as split.md says, and its evaluator runs.

These tests check integrity, never accuracy: the figures are a measurement, reported in bench/README.md."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import PROJECT
from trajaudit.schema import errors

BENCH = PROJECT / "bench" / "claims"
sys.path.insert(0, str(BENCH))

import casekit  # noqa: E402
import evaluate  # noqa: E402
import reports  # noqa: E402

PARTS = ("tune", "heldout")  # parts with labelled real runs
CASE_PARTS = (*PARTS, "fresh")  # parts with hand-written cases
TUNE_SOURCES = ("taubench-retail-avaljot/", "swebench-minisweagent-gemini3pro/", "swe-agent-runs-with-outcomes/mswe.",
                "claudecode-reliability-snapshots/")
HELDOUT_SOURCES = ("tau2-sierra/", "swe-agent-runs-with-outcomes/acr.", "swe-agent-demonstrations/",
                   "codex-rollout-format-sample/")


def cases(part: str) -> list[dict]:
    return casekit.load_cases(BENCH / part)


def labels(part: str) -> list[dict]:
    lines = (BENCH / "labels" / f"{part}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# ---------------------------------------------------------------------------------------------- hand-written cases

@pytest.mark.parametrize("part", CASE_PARTS)
def test_cases_are_well_formed(part: str) -> None:
    found = cases(part)
    assert found
    for case in found:
        assert case["label"] in casekit.LABELS, case["id"]
        assert set(case["expect"]) >= {"TA101", "TA102", "TA103"}, case["id"]
        assert all(isinstance(a, str) and a for a in case["actions"]), case["id"]
        events = case["events"]
        assert events[0]["kind"] == "task" and events[0]["tools"], case["id"]
        assert {e["trajectory"] for e in events} == {case["id"]}
        assert [e["step"] for e in events] == list(range(len(events))), case["id"]
        finals = [e for e in events if e["kind"] == "message" and e["role"] == "assistant"]
        assert finals and events.index(finals[-1]) >= len(events) - 2, f"{case['id']}: report is not last"
        for event in events:
            assert errors(event) == [], (case["id"], event)


@pytest.mark.parametrize("part", CASE_PARTS)
def test_case_expectations_follow_from_the_label(part: str) -> None:
    for case in cases(part):
        outcome = next((e["success"] for e in case["events"] if e["kind"] == "outcome"), None)
        claims = case["label"] != "no_claim"
        assert case["expect"]["TA101"] == (claims and outcome is False), case["id"]
        if not claims:
            assert not case["actions"] and not any(case["expect"].values()), case["id"]
        if case["expect"]["TA102"]:
            assert any(e["kind"] == "tool_result" and e["ok"] is False for e in case["events"]), case["id"]


def test_cases_cover_seven_domains_split_by_domain() -> None:
    per_part = {part: Counter(case["domain"] for case in cases(part)) for part in PARTS}
    assert not set(per_part["tune"]) & set(per_part["heldout"])
    domains = per_part["tune"] + per_part["heldout"]
    assert len(domains) >= 7
    assert sum(size >= 25 for size in domains.values()) >= 8  # later tuning domains (library) may be smaller
    for part in PARTS:
        kinds = Counter(case["label"] for case in cases(part))
        assert set(kinds) == set(casekit.LABELS)  # every part mixes claims, non-claims and partial reports
        assert any(case.get("render") == "openai" for case in cases(part))


def test_fresh_cases_are_eight_other_domains() -> None:
    fresh = Counter(case["domain"] for case in cases("fresh"))
    assert len(fresh) == 8 and min(fresh.values()) >= 15
    assert not set(fresh) & {case["domain"] for part in PARTS for case in cases(part)}
    assert set(Counter(case["label"] for case in cases("fresh"))) == set(casekit.LABELS)
    assert any(case.get("render") == "openai" for case in cases("fresh"))
    for rule in casekit.RULES:
        assert any(case["expect"][rule] for case in cases("fresh")), rule


@pytest.mark.parametrize("part", CASE_PARTS)
def test_case_files_are_what_the_builders_write(part: str, tmp_path: Path) -> None:
    build = (BENCH / part / "build.py").read_text(encoding="utf-8")
    script = tmp_path / "build.py"
    script.write_text(build.replace("HERE = Path(__file__).resolve().parent\n",
                                    f"HERE = Path({str(tmp_path)!r})\n").replace(
        "sys.path.insert(0, str(HERE.parent))", f"sys.path.insert(0, {str(BENCH)!r})"))
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True)
    written = sorted(p.name for p in tmp_path.glob("*.jsonl"))
    assert written == sorted(p.name for p in (BENCH / part).glob("*.jsonl"))
    for name in written:
        assert (tmp_path / name).read_text(encoding="utf-8") == (BENCH / part / name).read_text(encoding="utf-8")


def test_openai_rendering_hides_flags_but_keeps_the_run() -> None:
    case = next(c for c in cases("tune") if c.get("render") == "openai")
    line = casekit.as_openai(case)
    text = json.dumps(line)
    assert '"ok"' not in text and '"exit_code"' not in text
    calls = [e for e in case["events"] if e["kind"] == "tool_call"]
    rendered = [tc for m in line["messages"] for tc in m.get("tool_calls") or []]
    assert [tc["function"]["name"] for tc in rendered] == [e["tool"] for e in calls]
    report = [e for e in case["events"] if e["kind"] == "message"][-1]
    assert line["messages"][-1] == {"role": "assistant", "content": report["text"]}


def test_case_kit_refuses_inconsistent_cases() -> None:
    domain = casekit.Domain("d", [casekit.tool("send", "Send.", to="string")])
    with pytest.raises(ValueError):
        domain.case("1", "u", [], "Nothing sent.", "no_claim", actions=("send",))
    with pytest.raises(ValueError):
        domain.case("2", "u", [casekit.call("undeclared")], "Sent.", "claim", ("send",))
    domain.case("3", "u", [casekit.call("send", to="x")], "Sent.", "claim", ("send",), outcome=False)
    assert domain.cases[0]["expect"] == {"TA101": True, "TA102": False, "TA103": False}


# --------------------------------------------------------------------------------------------------------- labels

@pytest.mark.parametrize("part, prefixes", [("tune", TUNE_SOURCES), ("heldout", HELDOUT_SOURCES)])
def test_labels_are_well_formed_and_split_by_source(part: str, prefixes: tuple[str, ...]) -> None:
    records = labels(part)
    assert records
    keys = [(r["source"], r["trajectory"]) for r in records]
    assert len(keys) == len(set(keys))
    for r in records:
        assert set(r) == {"source", "trajectory", "label", "actions", "note"}, r
        assert r["label"] in casekit.LABELS
        assert r["source"].startswith(prefixes), r["source"]
        assert r["note"] and len(r["note"]) <= 120  # a short reason in our words, not an excerpt
        if r["label"] == "no_claim":
            assert not r["actions"]


def test_every_realdata_run_is_labelled(realdata: Path) -> None:
    labelled = {(r["source"], r["trajectory"]) for part in PARTS for r in labels(part)}
    found = {(run.source, run.trajectory) for run in reports.runs(realdata)}
    assert labelled == found
    per_folder = Counter(source.split("/")[0] for source, _ in found)
    assert per_folder["taubench-retail-avaljot"] == 200 and per_folder["tau2-sierra"] == 111


def test_report_reader_uses_trajaudit_ids(realdata: Path) -> None:
    for run in reports.runs(realdata):
        if run.folder in ("swe-agent-runs-with-outcomes", "swebench-minisweagent-gemini3pro"):
            ids = set(evaluate.assemble(realdata / run.source, evaluate.FORMAT[run.folder]))
            assert ids == {run.trajectory}, run.source


# ------------------------------------------------------------------------------------------------------ evaluator

def test_verbs_map_spellings_and_synonyms() -> None:
    assert evaluate.verb("cancelled") == evaluate.verb("canceled") == "cancel"
    assert evaluate.verb("emailed") == evaluate.verb("sent") == "send"
    assert evaluate.verb("removed") == "delete"
    assert evaluate.verb("rolled out") == "deploy"
    assert evaluate.verb("committed") == "commit"
    assert evaluate.verb("fixed") == "fix"
    assert evaluate.verb("submit") == "submit"  # ending a run is not another verb
    assert evaluate.verb("frobnicated") == "frobnicated"  # unknown words are left alone
    assert evaluate.verb(None) is None


def _item(label: str, claims: list, outcome: bool | None = None, codes: set | None = None,
          expect: dict | None = None, errors: set | None = None) -> evaluate.Item:
    item = evaluate.Item("tune", "g", "case" if expect else "real", f"{label}-{len(claims)}", label, ["cancel"]
                         if label != "no_claim" else [], outcome, expect)
    item.claims, item.codes, item.errors, item.seen = claims, codes or set(), errors or set(), True
    return item


def test_measure_counts_detector_actions_rules_and_alarms() -> None:
    claim = [("action_succeeded", "canceled", "Cancelled.")]
    items = [
        _item("claim", claim, outcome=False, codes={"TA101"}),          # TA101 true positive
        _item("claim", [], outcome=True),                                # detector miss
        _item("no_claim", claim, outcome=True, codes={"TA103"}, errors={"TA103"}),  # false alarm on a good run
        _item("no_claim", [], outcome=False),                            # near-miss: no claim, no TA101
    ]
    m = evaluate.measure(items)
    assert (m["detector"]["tp"], m["detector"]["fp"], m["detector"]["fn"], m["detector"]["tn"]) == (1, 1, 1, 1)
    assert m["actions"]["agreeing"] == 1 and m["actions"]["recall"] == 1.0
    assert m["rules"]["TA101"]["tp"] == 1 and m["rules"]["TA101"]["fp"] == 0 and m["rules"]["TA101"]["tn"] == 3
    assert m["error_findings_on_successful_runs"] == {"successful_runs": 2, "with_error": 1, "rate": 0.5,
                                                      "codes": {"TA103": 1}}
    assert m["flagged_without_truth"]["TA103"] == {"successful": 1}


def test_measure_scores_hand_cases_against_expect() -> None:
    expect = {"TA101": False, "TA102": True, "TA103": False}
    fired = _item("claim", [("action_succeeded", "cancel", "x")], codes={"TA102", "TA103"}, expect=expect)
    silent = _item("claim", [], codes=set(), expect=expect)
    m = evaluate.measure([fired, silent])
    assert m["rules"]["TA102"]["tp"] == 1 and m["rules"]["TA102"]["fn"] == 1
    assert m["rules"]["TA103"]["fp"] == 1 and m["rules"]["TA103"]["tn"] == 1


def test_claim_interface_is_type_action_text() -> None:
    class Claim:
        def __init__(self, type: str, action: str | None, text: str) -> None:
            self.type, self.action, self.text = type, action, text

    assert evaluate._claims(object(), lambda t: [Claim("action_succeeded", "refund", "Refunded.")]) == [
        ("action_succeeded", "refund", "Refunded.")
    ]


def test_evaluator_runs_on_hand_cases_without_realdata(tmp_path: Path) -> None:
    report = evaluate.evaluate("tune", tmp_path / "absent")
    assert report["meta"]["realdata"] is False
    section = report["parts"]["tune"]
    assert "real" not in section
    hand = section["hand"]["all"]
    assert hand["runs"] == len(cases("tune"))
    d = hand["detector"]
    assert d["tp"] + d["fp"] + d["fn"] + d["tn"] == hand["runs"]
    assert "not_reported_by_trajaudit" not in hand  # every case reached trajaudit and came back by its id
    assert set(hand["rules"]) >= {"TA101", "TA102", "TA103"}


def test_evaluator_cli_on_realdata(realdata: Path) -> None:
    proc = subprocess.run([sys.executable, str(BENCH / "evaluate.py"), "--json", "--realdata", str(realdata)],
                          capture_output=True, text=True, cwd=PROJECT, check=True)
    report = json.loads(proc.stdout)
    for part in PARTS:
        real = report["parts"][part]["real"]["all"]
        assert real["runs"] == len(labels(part))
        assert "not_reported_by_trajaudit" not in real
        assert real["error_findings_on_successful_runs"]["successful_runs"] > 0
        assert "mistakes" not in real  # ids only with --mistakes


def test_evaluator_measures_fresh_cases_alone(tmp_path: Path) -> None:
    report = evaluate.evaluate("fresh", tmp_path / "absent")
    assert list(report["parts"]) == ["fresh"]
    hand = report["parts"]["fresh"]["hand"]["all"]
    assert hand["runs"] == len(cases("fresh"))
    assert "not_reported_by_trajaudit" not in hand


def test_realdata_absent_is_only_a_note(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(BENCH / "evaluate.py"), "--part", "heldout", "--realdata",
                           str(tmp_path / "absent")], capture_output=True, text=True, cwd=PROJECT)
    assert proc.returncode == 0
    assert "real-data parts skipped" in proc.stderr
    assert "HELDOUT" in proc.stdout and "TUNE" not in proc.stdout

