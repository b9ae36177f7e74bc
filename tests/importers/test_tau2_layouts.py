"""τ²-bench's three layouts (monolithic file, bare list of simulations, results.json + simulations/ folder) and voice
runs (ticks): the same simulations give the same events, and the same audit findings, in every layout.

The layouts follow tau2-bench's `src/tau2/data_model/simulation.py` (`Results.save(path, format="dir")` writes
results.json without `simulations` plus `simulation_index`, and `simulations/<id>.json`) and the voice `Tick` of
`src/tau2/data_model/message.py`; the documents below are written by hand in those shapes."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.importers.conftest import FIXTURES, assert_well_formed, audit_codes, run
from trajaudit.importers import tau2
from trajaudit.reader import Ended, Source, discover

MONOLITHIC = json.loads((FIXTURES / "tau2.json").read_text())


def write(path: Path, value) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2))  # tau2 writes indented JSON
    return path


def as_list(doc: dict, folder: Path) -> Path:
    return write(folder / "submission.json", doc["simulations"])


def as_directory(doc: dict, folder: Path) -> Path:
    """tau2's dir format: results.json (metadata and a simulation index, no simulations) + simulations/<id>.json."""
    meta = {k: v for k, v in doc.items() if k != "simulations"}
    meta["simulation_index"] = [{"id": s["id"], "task_id": s["task_id"], "trial": s.get("trial", 0)}
                                for s in doc["simulations"]]
    write(folder / "results.json", meta)
    for simulation in doc["simulations"]:
        write(folder / "simulations" / f"{simulation['id']}.json", simulation)
    return folder


def without_origin(events: list[dict]) -> list[dict]:
    return [{k: v for k, v in e.items() if k != "origin"} for e in events]


def events_of(paths: list[Path]) -> tuple[list[dict], list]:
    events, bad = [], []
    for source in discover([str(p) for p in paths]):
        fmt, items, problems = run(Path(source.name)) if not source.optional else _optional(source)
        assert fmt == "tau2"
        events += items
        bad += problems
    return events, bad


def _optional(source: Source):
    """A source found in a directory, read as the engine reads it (optional=True)."""
    items, bad = [], []
    for item in tau2.convert(source):
        if isinstance(item, Ended):
            continue
        (bad if not isinstance(item, tuple) else items).append(item if not isinstance(item, tuple) else item[1])
    return "tau2", items, bad



def test_sniff_recognises_each_layout_and_not_tau_bench(tmp_path: Path):
    folder = as_directory(MONOLITHIC, tmp_path / "run")
    for path in (as_list(MONOLITHIC, tmp_path), folder / "results.json", folder / "simulations" / "sim-ok.json"):
        source = Source(str(path), path)
        assert tau2.sniff(source, source.head()), path
    # near misses: a tau-bench results list (task_id, traj) and a list of plain chat records
    tau_bench = write(tmp_path / "tb.json", [{"task_id": 1, "reward": 1.0, "info": {}, "traj": []}])
    chats = write(tmp_path / "chats.json", [{"task_id": "a", "messages": [{"role": "user", "content": "hi"}]}])
    for path in (tau_bench, chats):
        source = Source(str(path), path)
        assert not tau2.sniff(source, source.head()), path
    assert run(tau_bench)[0] == "tau-bench"


def test_list_and_directory_give_the_monolithic_events(tmp_path: Path, validator):
    _, reference, bad = run(FIXTURES / "tau2.json")
    assert not bad and reference
    listed = as_list(MONOLITHIC, tmp_path / "list")
    fmt, events, bad = run(listed)
    assert fmt == "tau2" and not bad
    assert_well_formed(events, validator, "tau2")
    # no task definitions or run info in a bare list: the same events without goal, tools and domain
    stripped = [{k: v for k, v in e.items() if k not in ("goal", "tools")} for e in without_origin(reference)]
    for event in stripped:
        if event["kind"] == "task":
            event["meta"] = {k: v for k, v in event["meta"].items() if k != "domain"}
            event["task_id"] = event["task_id"].removeprefix("airline/")  # the domain is in results.json's info
    assert without_origin(events) == stripped
    assert events[0]["origin"]["path"] == "$[0]" and events[1]["origin"]["path"].startswith("$[0].messages[")

    folder = as_directory(MONOLITHIC, tmp_path / "dir")
    for given in ([folder], [folder / "results.json"], [folder / "simulations"]):
        events, bad = events_of(given)
        assert not bad, given
        assert_well_formed(events, validator, "tau2")
        by_id = {}
        for event in events:
            by_id.setdefault(event["trajectory"], []).append(event)
        expected = {}
        for event in without_origin(reference):
            expected.setdefault(event["trajectory"], []).append(event)
        assert {k: without_origin(v) for k, v in by_id.items()} == expected, given
        # each event points into the simulation file that holds it
        for tid, items in by_id.items():
            assert {Path(e["origin"]["file"]).name for e in items} == {f"{tid}.json"}
            assert items[0]["origin"]["path"] == "$"


def test_directory_audit_reads_each_simulation_once(tmp_path: Path):
    folder = as_directory(MONOLITHIC, tmp_path / "dir")
    reference = audit_codes(FIXTURES / "tau2.json")
    assert reference
    assert audit_codes(folder) == reference
    assert audit_codes(folder / "results.json") == reference


def test_results_json_without_simulations_is_reported(tmp_path: Path):
    meta = {k: v for k, v in MONOLITHIC.items() if k != "simulations"}
    path = write(tmp_path / "results.json", meta)
    fmt, events, bad = run(path)
    assert fmt == "tau2" and not events
    assert len(bad) == 1 and "simulations/" in bad[0].message
    # near miss: a monolithic file whose simulations list is empty is simply empty
    empty = write(tmp_path / "empty" / "results.json", {**meta, "simulations": []})
    assert run(empty)[1:] == ([], [])


def test_a_broken_simulation_file_is_reported_and_the_others_read(tmp_path: Path):
    folder = as_directory(MONOLITHIC, tmp_path / "dir")
    (folder / "simulations" / "zz-broken.json").write_text('{"id": "zz", "task_id"')
    events, bad = events_of([folder / "results.json"])
    assert len(bad) == 1 and bad[0].file.endswith("zz-broken.json")
    assert {e["trajectory"] for e in events} == {s["id"] for s in MONOLITHIC["simulations"]}


def voice_simulation() -> dict:
    """A full-duplex simulation as tau2 stores it: `ticks` instead of `messages`; speech arrives in chunks."""
    def tick(i, agent=None, user=None, **more):
        return {"tick_id": i, "timestamp": f"2026-01-01T10:00:{i:02d}", "agent_chunk": agent, "user_chunk": user,
                "agent_tool_calls": [], "user_tool_calls": [], "agent_tool_results": [], "user_tool_results": [],
                **more}

    def chunk(role, text, utterance, **more):
        return {"role": role, "content": text, "is_audio": False, "utterance_ids": [utterance], **more}

    call = {"id": "c1", "name": "cancel_reservation", "arguments": {"reservation_id": "R1"}, "requestor": "assistant"}
    return {
        "id": "voice-1", "task_id": "t1", "trial": 0, "mode": "full_duplex", "termination_reason": "user_stop",
        "messages": None,
        "ticks": [
            tick(0, user=chunk("user", "I want to cancel ", "u1")),
            tick(1, user=chunk("user", "reservation R1.", "u1")),
            tick(2, agent=chunk("assistant", "One moment.", "a1")),
            tick(3, agent_tool_calls=[call]),
            tick(4, agent_tool_results=[{"role": "tool", "id": "c1", "content": "Error: not refundable",
                                         "requestor": "assistant", "error": True}]),
            tick(5, agent=chunk("assistant", "It is cancelled", "a2")),
            tick(6, user={"role": "user", "content": "", "is_audio": False, "contains_speech": False}),
            tick(7, agent=chunk("assistant", " and refunded.", "a2")),
            tick(8, agent=chunk("assistant", "Anything else?", "a3")),
            tick(9, user={"role": "user", "content": "UklGRg==", "is_audio": True}, user_transcript="No, thanks."),
        ],
        "reward_info": {"reward": 0.0},
    }


def test_voice_ticks_are_read_as_text_turns(tmp_path: Path, validator):
    doc = copy.deepcopy(MONOLITHIC)
    doc["simulations"] = [voice_simulation()]
    fmt, events, bad = run(write(tmp_path / "voice.json", doc))
    assert fmt == "tau2" and not bad
    assert_well_formed(events, validator, "tau2")
    said = [(e["kind"], e.get("role"), e.get("text")) for e in events if e["kind"] != "task"]
    assert said == [
        ("message", "user", "I want to cancel reservation R1."),
        ("message", "assistant", "One moment."),
        ("tool_call", None, None),
        ("tool_result", None, None),
        ("message", "assistant", "It is cancelled and refunded. Anything else?"),
        ("message", "user", "No, thanks."),
        ("outcome", None, None),
    ]
    call, result = events[3], events[4]
    assert call["tool"] == "cancel_reservation"
    assert call["origin"]["path"] == "$.simulations[0].ticks[3].agent_tool_calls[0]"
    assert result["ok"] is False and result["tool"] == "cancel_reservation"
    assert events[1]["origin"]["path"] == "$.simulations[0].ticks[0].user_chunk"
    assert events[0]["meta"]["mode"] == "full_duplex" and events[0]["goal"]


def test_voice_simulation_file_in_a_directory(tmp_path: Path):
    doc = copy.deepcopy(MONOLITHIC)
    doc["simulations"] = [voice_simulation()]
    folder = as_directory(doc, tmp_path / "voice")
    events, bad = events_of([folder])
    assert not bad
    assert {e["trajectory"] for e in events} == {"voice-1"}
    assert events[0]["goal"] and events[0]["tools"]  # joined with results.json beside the folder


TAU2_REAL = ["gpt-4.1_airline_default_gpt-4.1_1trials.json", "gpt-4.1_retail_defautl_gpt-4.1_1trials.json",
             "azure-airline-full.json", "e2e_retail_baseline.json"]


@pytest.mark.parametrize("name", TAU2_REAL)
def test_real_run_re_laid_gives_the_same_findings(realdata: Path, tmp_path: Path, name: str):
    """Each real monolithic file re-laid as tau2's directory format and as a bare list: the same findings, on the
    same trajectories and steps (no rule of today depends on the goal a bare list lacks)."""
    path = realdata / "tau2-sierra" / name
    doc = json.loads(path.read_text())
    reference = audit_codes(path)
    assert audit_codes(as_directory(doc, tmp_path / "dir")) == reference
    assert audit_codes(as_list(doc, tmp_path / "list")) == reference
    if len(doc["simulations"]) > 1:
        assert len({t for t, _, _ in reference if t}) > 1

TAU2_KEYS = ["id", "task_id", "trial", "termination_reason", "messages", "ticks", "role", "content", "tool_calls",
             "name", "arguments", "requestor", "error", "agent_chunk", "user_chunk", "agent_tool_calls",
             "user_tool_calls", "agent_tool_results", "user_tool_results", "user_transcript", "utterance_ids",
             "is_audio", "contains_speech", "audio_script_gold", "reward_info", "reward", "usage", "timestamp"]


def test_arbitrary_simulations_never_raise(tmp_path_factory):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    leaves = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
              | st.sampled_from(["assistant", "user", "tool", "c1", ""]) | st.text(max_size=10))
    values = st.recursive(leaves, lambda children: st.lists(children, max_size=4)
                          | st.dictionaries(st.sampled_from(TAU2_KEYS), children, max_size=6), max_leaves=40)

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(body=st.dictionaries(st.sampled_from(TAU2_KEYS), values, max_size=6),
           ticks=st.lists(st.dictionaries(st.sampled_from(TAU2_KEYS), values, max_size=6), max_size=5),
           layout=st.sampled_from(["list", "file", "dir"]))
    def check(body, ticks, layout):
        simulation = {**body, "task_id": "t", "ticks": ticks}
        simulation.pop("messages", None)
        folder = tmp_path_factory.mktemp("tau2")
        if layout == "list":
            paths = [write(folder / "l.json", [simulation])]
        elif layout == "file":
            paths = [write(folder / "simulations" / "s.json", simulation)]
        else:
            paths = [write(folder / "results.json", {"info": {}, "tasks": []}),
                     write(folder / "simulations" / "s.json", simulation)]
        for path in paths:
            for optional in (False, True):
                for item in tau2.convert(Source(str(path), path, optional=optional)):
                    assert not isinstance(item, tuple) or isinstance(item[1], dict)

    check()


def test_links_out_of_the_run_folder_are_not_read(tmp_path: Path):
    """Reading a run set opens files the user did not name (results.json beside the folder, the folder's files): a
    link from there to elsewhere is not followed."""
    folder = as_directory(MONOLITHIC, tmp_path / "dir")
    elsewhere = write(tmp_path / "elsewhere" / "secret.json", MONOLITHIC["simulations"][0] | {"id": "secret"})
    (folder / "simulations" / "zz-link.json").symlink_to(elsewhere)
    events, bad = events_of([folder / "results.json"])
    assert "secret" not in {e["trajectory"] for e in events}
    assert len(bad) == 1 and "links outside the run folder" in bad[0].message
    # results.json beside a simulation file, linked from elsewhere: the simulation is read without its task
    other = as_directory(MONOLITHIC, tmp_path / "other")
    (other / "results.json").unlink()
    (other / "results.json").symlink_to(folder / "results.json")
    _, events, bad = run(other / "simulations" / "sim-ok.json")
    assert not bad and "goal" not in events[0]
    _, events, _ = run(folder / "simulations" / "sim-ok.json")
    assert events[0]["goal"]  # near miss: the real file beside it is joined


def test_tasks_of_different_domains_stay_apart_in_stats(tmp_path: Path):
    """τ² numbers its tasks per domain: task t1 of airline and task t1 of retail are two tasks for pass^k, and two
    runs of t1 in one domain are one task."""
    from typer.testing import CliRunner

    from trajaudit.cli import app

    for domain in ("airline", "retail"):
        doc = copy.deepcopy(MONOLITHIC)
        doc["info"]["environment_info"]["domain_name"] = domain
        for simulation in doc["simulations"]:
            simulation["id"] = f"{domain}-{simulation['id']}"
        write(tmp_path / f"{domain}.json", doc)
    result = CliRunner().invoke(app, ["stats", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    per_task = {t["task_id"]: t["n"] for t in json.loads(result.stdout)["per_task"]}
    assert per_task == {"airline/t1": 2, "retail/t1": 2}
