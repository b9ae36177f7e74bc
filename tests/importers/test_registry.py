"""The registry: names, lookup, auto-detection and clear errors for inputs that are not what they claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.importers.conftest import FIXTURES, run
from trajaudit import importers
from trajaudit.importers import FORMATS, FormatError, by_name, detect, names, open_events
from trajaudit.reader import Source

FIXTURE_FORMATS = {
    "native.jsonl": "native",
    "openai.jsonl": "openai",
    "claude_code.jsonl": "claude-code",
    "codex.jsonl": "codex",
    "tau_bench.json": "tau-bench",
    "tau2.json": "tau2",
    "atif.json": "atif",
    "mini.traj.json": "mini-swe-agent",
    "demo__widget-3.traj": "swe-agent",
    "history_only.traj": "swe-agent",
    "otel.json": "otel",
    "inspect.json": "inspect",
    "deepconf_qid7_rid0_answer_token_conf.json": "deepconf",
}


def source(name: str) -> Source:
    return Source(str(FIXTURES / name), FIXTURES / name)


def test_registry_is_native_first_with_unique_names_and_the_contract():
    assert FORMATS[0] is importers.native
    assert len(set(names())) == len(FORMATS)
    assert [module.NAME for module in FORMATS] == list(names())  # the lazy registry names each module right
    for module in FORMATS:
        assert isinstance(module.NAME, str) and module.DESCRIPTION
        assert callable(module.sniff) and callable(module.convert)
        assert module.__doc__ and len(module.__doc__) > 80


def test_every_format_has_a_fixture():
    assert set(FIXTURE_FORMATS.values()) == set(names())


@pytest.mark.parametrize(("name", "fmt"), sorted(FIXTURE_FORMATS.items()))
def test_detect_recognises_each_fixture(name: str, fmt: str):
    assert detect(source(name)).NAME == fmt
    chosen, _ = open_events(source(name))
    assert chosen == fmt


@pytest.mark.parametrize(("name", "fmt"), sorted(FIXTURE_FORMATS.items()))
def test_only_one_format_claims_each_fixture(name: str, fmt: str):
    src = source(name)
    head = src.head()
    assert [m.NAME for m in FORMATS if m.sniff(src, head)] == [fmt]


@pytest.mark.parametrize(("name", "fmt", "pick"), [
    ("tau2.json", "tau2", lambda doc: doc["simulations"][0]),  # one simulation: {id, task_id, messages, ...}
    ("mini.traj.json", "mini-swe-agent", lambda doc: doc),  # {info, messages, trajectory_format, instance_id}
])
def test_a_specific_format_on_one_line_is_not_taken_for_openai_chat(tmp_path: Path, name: str, fmt: str, pick):
    """A τ² simulation or a mini-swe-agent trajectory written on one line is also an object with `messages`, the
    shape of an OpenAI chat line: the format that knows its own keys wins."""
    import json

    path = tmp_path / f"one-line-{name}"
    path.write_text(json.dumps(pick(json.loads((FIXTURES / name).read_text()))) + "\n")
    assert importers.openai.sniff(Source(str(path), path), path.read_bytes())  # the generic shape matches too
    assert detect(Source(str(path), path)).NAME == fmt
    # near miss: a real OpenAI chat line is still OpenAI chat
    chat = tmp_path / "chat.json"
    chat.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    assert detect(Source(str(chat), chat)).NAME == "openai"


def test_unrecognised_file_names_every_format_tried():
    with pytest.raises(FormatError) as caught:
        detect(source("unknown.json"))
    message = str(caught.value)
    assert "unknown.json" in message
    for name in names():
        assert name in message


def test_empty_file_goes_to_native_so_the_reader_reports_it(tmp_path: Path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert detect(Source(str(empty), empty)) is importers.native


def test_unknown_format_name_is_a_format_error_listing_the_names():
    with pytest.raises(FormatError, match="tau-bench"):
        by_name("tau3")
    with pytest.raises(FormatError):
        open_events(source("native.jsonl"), "nonsense")


# A file of another format given with --from: a FormatError naming the file (a usage error, exit 2), never a
# finding about its content or a silent success; when the file is recognisably another format, it names it.
WRONG = {
    "openai": "codex.jsonl",
    "claude-code": "codex.jsonl",
    "codex": "claude_code.jsonl",
    "tau-bench": "tau2.json",
    "tau2": "tau_bench.json",
    "mini-swe-agent": "tau_bench.json",
    "swe-agent": "tau_bench.json",
    "otel": "inspect.json",
    "inspect": "otel.json",
}


@pytest.mark.parametrize(("fmt", "name"), sorted(WRONG.items()))
def test_a_file_that_is_not_the_named_format_is_a_format_error(fmt: str, name: str):
    with pytest.raises(FormatError) as caught:
        run(FIXTURES / name, fmt)
    message = str(caught.value)
    assert message.startswith(str(FIXTURES / name) + ": not ")
    assert f"--from {detect(source(name)).NAME}" in message


@pytest.mark.parametrize("fmt", [n for n in sorted(WRONG) if n not in ("openai", "claude-code", "codex")])
def test_invalid_json_document_is_malformed_with_a_line(tmp_path: Path, fmt: str):
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "a": [1,\n')
    _, events, bad = run(broken, fmt)
    assert not events and len(bad) == 1
    assert bad[0].line is not None and "JSON" in bad[0].message


@pytest.mark.parametrize("command", ["audit", "validate", "stats", "convert"])
def test_a_wrong_from_on_a_directory_is_a_usage_error_as_on_a_file(tmp_path: Path, command: str):
    """Files found in a folder that no importer reads are skipped, but one that `--from` names wrongly is a log the
    run would silently leave out: exit 2 naming the format it looks like, as for the file given alone."""
    import shutil

    from typer.testing import CliRunner

    from trajaudit.cli import app

    shutil.copy(FIXTURES / "tau2.json", tmp_path / "tau2.json")
    (tmp_path / "ground_truth.json").write_text('{"answers": [1, 2]}')  # not a log: still only skipped
    for given in (tmp_path, tmp_path / "tau2.json"):
        result = CliRunner().invoke(app, [command, str(given), "--from", "tau-bench"])
        assert result.exit_code == 2, (given, result.output)
        assert "not a tau-bench log; it looks like tau2: --from tau2" in result.stderr
        assert "ground_truth.json: not" not in result.stderr  # the stray file is no error
    # near miss: the right --from on the folder reads the log and skips the stray file
    right = CliRunner().invoke(app, ["audit", str(tmp_path), "--from", "tau2", "--fail-on", "never"])
    assert right.exit_code == 0, right.output


@pytest.mark.parametrize(("name", "fmt"), [
    ("openai.jsonl", "openai"),
    ("claude_code.jsonl", "claude-code"),
    ("codex.jsonl", "codex"),
    ("native.jsonl", "native"),
])
def test_a_first_record_longer_than_the_detection_head_is_still_recognised(tmp_path: Path, name: str, fmt: str):
    """A JSONL format is told by its first record, and one chat conversation on a line is often over HEAD_BYTES:
    the head then reaches the end of that line (it used to stop inside it, and the file was read as native, with a
    schema error per key)."""
    import json

    from trajaudit.reader import HEAD_BYTES

    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["padding"] = "x" * (2 * HEAD_BYTES)  # an extra key: every importer here ignores what it does not know
    path = tmp_path / name
    path.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")
    assert len(path.read_bytes().split(b"\n", 1)[0]) > 2 * HEAD_BYTES
    assert detect(Source(str(path), path)).NAME == fmt


def test_the_detection_head_stops_at_the_line_cap(tmp_path: Path):
    from trajaudit.config import Limits
    from trajaudit.reader import HEAD_BYTES

    path = tmp_path / "one-long-line.jsonl"
    path.write_bytes(b'{"messages": "' + b"x" * (4 * HEAD_BYTES) + b'"}\n')
    capped = Source(str(path), path, limits=Limits(max_line_bytes=2 * HEAD_BYTES))
    assert len(capped.head()) == 2 * HEAD_BYTES
    assert len(Source(str(path), path).head()) == path.stat().st_size
