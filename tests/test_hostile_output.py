"""Output on hostile input: names that are not UTF-8, control characters, workflow commands, mentions, U+2028.

Log text and file names are chosen by whoever shaped the log. Whatever they hold, every machine format must still
be written, hold no raw control character or Unicode line separator, keep its framing (one JSON value per line,
well-formed XML, one annotation per line), and never give a CI runner a line it would run as a workflow command.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trajaudit.cli import app
from trajaudit.model import Event, Finding, Severity, Summary, Trajectory, TrajectoryResult
from trajaudit.report import Format, _module, safe

MACHINE = [f for f in Format if f is not Format.text]
FAILING = "".join(
    json.dumps(event) + "\n"
    for event in (
        {"trajectory": "b", "step": 0, "kind": "tool_call", "call_id": "c1", "tool": "t", "arguments": {}},
        {"trajectory": "b", "step": 1, "kind": "tool_result", "call_id": "c1", "ok": False, "output": "boom"},
        {"trajectory": "b", "step": 2, "kind": "message", "role": "assistant", "text": "All done!"},
    )
)
BROKEN = FAILING + '{"trajectory": "b", \n'
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # anything that is not our own "\n"


def render(fmt: Format, items: list, summary: Summary | None = None) -> str:
    out = io.BytesIO()
    _module(fmt).render(items, summary or Summary(), out)
    return out.getvalue().decode("utf-8")  # strict: every format writes valid UTF-8


def result_with(file: str, text: str) -> tuple[TrajectoryResult, Finding]:
    event = Event(file, 3, {"trajectory": text, "step": 0, "kind": "message", "role": "user", "text": text})
    finding = Finding("TA201", "ignored-tool-error", Severity.ERROR, file, 3, text, 0, text, evidence={"x": text})
    loose = Finding("TA001", "invalid-json", Severity.ERROR, file, 9, None, None, text)
    return TrajectoryResult(Trajectory(text, (event,)), (finding,)), loose


def check_framing(fmt: Format, output: str, findings: int) -> None:
    """The invariants every machine format keeps for any log text."""
    assert not RAW_CONTROL.search(output), (fmt, RAW_CONTROL.search(output))
    assert output.splitlines() == output.split("\n")[:-1]  # no line break but our own
    if fmt is not Format.github:  # an annotation is itself a command: the runner does not look further in it
        for line in output.split("\n"):
            assert not line.lstrip().startswith("::") and "##[" not in line, line
    if fmt is Format.jsonl:
        assert [json.loads(line)["type"] for line in output.splitlines()] == ["finding", "trajectory", "finding",
                                                                               "summary"]
    elif fmt in (Format.json, Format.sarif):
        json.loads(output)
    elif fmt is Format.junit:
        ET.fromstring(output.encode("utf-8"))
    elif fmt is Format.github:
        lines = output.splitlines()
        assert len(lines) == findings and all(re.match(r"::error file=[^:]*,line=\d+,title=[^:]*::", x) for x in lines)


# --- a file name that is not valid UTF-8 --------------------------------------------------------------------------


@pytest.fixture
def bad_name(tmp_path: Path) -> Path:
    path = Path(os.fsdecode(os.path.join(os.fsencode(str(tmp_path)), b"log\xff.jsonl")))
    path.write_text(BROKEN, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", list(Format))
def test_a_name_that_is_not_utf8_is_written_escaped_in_every_format(bad_name, fmt):
    result = CliRunner().invoke(app, ["audit", str(bad_name), "--format", fmt.value, "--isolated"])
    assert result.exit_code == 1, result.output  # TA001 is an error; not 2 (a crash)
    assert "internal error" not in result.stderr
    shown = {Format.sarif: "log%FF.jsonl", Format.markdown: r"log\\xff\.jsonl", Format.junit: r"log\xff.jsonl",
             Format.github: r"log\xff.jsonl", Format.text: r"log\xff.jsonl"}.get(fmt, r"log\\xff.jsonl")  # JSON
    assert shown in result.stdout
    if fmt is Format.jsonl:
        files = {json.loads(line).get("file") for line in result.stdout.splitlines()} - {None}
        assert files == {str(bad_name).replace("\udcff", "\\xff")}


def test_a_name_that_is_not_utf8_from_the_real_command_line(bad_name):
    """Through argv as bytes, as a shell passes it."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, "-m", "trajaudit", "audit", os.fsencode(str(bad_name)), "--format", "github", "--isolated"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.count(b"log\\xff.jsonl") == done.stdout.count(b"\n") >= 2


def test_encodable_only_changes_lone_surrogates():
    assert safe.encodable("log\udcff\ud83d.jsonl") == "log\\xff\\ud83d.jsonl"
    assert safe.encodable("plain 🙂 ünïcode") == "plain 🙂 ünïcode"


# --- injection ----------------------------------------------------------------------------------------------------

ATTACK = (
    "a\x1b]0;title\x07\x1b[31mred\x9b2J\r\n::add-mask::secret\n  ::stop-commands::tok\u2028x\u2029y\x85z "
    "##[add-mask]s\t@octocat #12"
)


@pytest.mark.parametrize("fmt", MACHINE)
def test_log_text_and_names_cannot_inject_into_any_format(fmt):
    for file in ("log.jsonl", ATTACK, "::add-mask::f.jsonl", " ::set-output name=x::y"):
        output = render(fmt, list(result_with(file, ATTACK)))
        check_framing(fmt, output, findings=2)


def test_json_escapes_lose_nothing_for_a_parser():
    for fmt in (Format.json, Format.jsonl, Format.sarif):
        output = render(fmt, list(result_with("::add-mask::f.jsonl", ATTACK)))
        document = json.loads(output.splitlines()[0] if fmt is Format.jsonl else output)
        message = {
            Format.json: lambda d: d["trajectories"][0]["finding_list"][0]["message"],
            Format.jsonl: lambda d: d["message"],
            Format.sarif: lambda d: d["runs"][0]["results"][0]["message"]["text"],
        }[fmt](document)
        assert message == ATTACK


def test_junit_escapes_lose_nothing_that_xml_can_hold():
    legal = ATTACK.replace("\x1b", "").replace("\x07", "")
    output = render(Format.junit, list(result_with("::add-mask::f.jsonl", legal)))
    failure = ET.fromstring(output.encode("utf-8")).find("./testsuite/testcase/failure")
    assert failure is not None and failure.get("message") == f"TA201 ignored-tool-error: {legal}"
    assert failure.text == f"::add-mask::f.jsonl:3 step 0 TA201 ignored-tool-error [error]: {legal}"


def test_github_annotations_hold_no_control_characters():
    output = render(Format.github, list(result_with("a,b:c\x1b.jsonl", ATTACK)))
    first = output.splitlines()[0]
    assert first.startswith("::error file=a%2Cb%3Ac\ufffd.jsonl,line=3,")
    assert "\x1b" not in output and "\x07" not in output and "\x9b" not in output
    assert "%0A::add-mask::secret" in first  # inert inside the message, shown as a line break by GitHub


def test_junit_keeps_log_text_from_starting_a_line():
    output = render(Format.junit, list(result_with("::add-mask::f.jsonl", ATTACK)))
    assert "&#58;:add-mask::f.jsonl" in output and "&#10;::add-mask::secret" in output
    assert "#&#35;[add-mask]" in output


def test_markdown_neutralises_mentions_references_and_html():
    output = render(Format.markdown, list(result_with("f.jsonl", "ping @octocat and @org/team, see #12 <img src=x>")))
    assert not re.search(r"@[A-Za-z0-9]|#[0-9]|(?<!\\)<img", output)
    assert "octocat" in output and "org/team" in output  # still readable
    assert "me@\u200dx" in render(Format.markdown, list(result_with("f.jsonl", "me@x")))


def test_a_plain_message_is_unchanged_in_json_and_junit():
    """The near-miss: ordinary text, with ':' and '#' mid-line, is written as before."""
    text = "tool failed: see #3, then retry ## done"
    assert json.loads(render(Format.jsonl, list(result_with("f.jsonl", text))).splitlines()[0])["message"] == text
    assert text in render(Format.junit, list(result_with("f.jsonl", text)))


@pytest.fixture
def escape_name(tmp_path: Path) -> Path:
    path = tmp_path / "log\x1b[2J\x07.jsonl"
    path.write_text(BROKEN, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["convert", "stats"])  # both note an unreadable line with its file name
def test_stderr_notes_never_print_escapes_from_file_names(escape_name, command):
    result = CliRunner().invoke(app, [command, str(escape_name)])
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "log\ufffd[2J\ufffd.jsonl:4" in result.stderr


def test_the_format_note_cleans_the_file_name(tmp_path):
    path = tmp_path / "run\x1b]8;;x\x07.json"
    path.write_text(json.dumps([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]))
    result = CliRunner().invoke(app, ["audit", str(path), "--format", "jsonl"])
    assert "reading openai logs (first: " in result.stderr, result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_stderr_notes_escape_names_that_are_not_utf8(bad_name):
    result = CliRunner().invoke(app, ["convert", str(bad_name)])
    assert "log\\xff.jsonl:4" in result.stderr


# --- any text -----------------------------------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)  # surrogates, controls, everything
NAMES = st.one_of(ANY_TEXT, st.binary(max_size=12).map(lambda b: os.fsdecode(b"d/" + b + b".jsonl")))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=NAMES, text=ANY_TEXT)
def test_any_log_text_keeps_every_format_well_formed(file, text):
    for fmt in MACHINE:
        check_framing(fmt, render(fmt, list(result_with(file, text))), findings=2)


@pytest.mark.parametrize("fmt", MACHINE)
def test_an_attack_log_through_the_command_line(tmp_path, fmt):
    """End to end: the tool error and the final message of a log carry the attack; the report stays inert."""
    events = [
        {"trajectory": "t\x1b[2J", "step": 0, "kind": "tool_call", "call_id": "c1", "tool": ATTACK, "arguments": {}},
        {"trajectory": "t\x1b[2J", "step": 1, "kind": "tool_result", "call_id": "c1", "ok": False, "error": ATTACK},
        {"trajectory": "t\x1b[2J", "step": 2, "kind": "message", "role": "assistant", "text": "All done! " + ATTACK},
    ]
    log = tmp_path / "attack\x1b[31m.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in events) + "{broken\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", str(log), "--format", fmt.value, "--isolated"])
    assert result.exit_code == 1, result.output
    assert "secret" in result.stdout  # the text is there, only made inert
    assert not RAW_CONTROL.search(result.stdout) and "\x1b" not in result.stderr
    if fmt is Format.github:
        assert all(re.match(r"::(error|warning|notice) file=", line) for line in result.stdout.splitlines())
    else:
        assert not re.search(r"(?m)^\s*::|##\[", result.stdout)
    if fmt is Format.markdown:
        assert not re.search(r"@[A-Za-z0-9]", result.stdout)


_PIECES = ["a", "é", "字", " ", "  ", "\t", "\n", "\r\n", " \n \n ", "\u2028", "\x1b[31m", "\x00", "\x9b", "\u202e",
           "\udcff", "\ud83d", "…", "⏎", "\u200d", "👩"]
# What folding onto one line means, as one pattern: each run of white space holding a line break becomes " ⏎ "
_BREAK_RUN = re.compile("\\s*[\r\n\u2028\u2029]+\\s*")


def _reference_fold(text: str) -> str:
    return _BREAK_RUN.sub(" ⏎ ", safe.clean(text).replace("\t", " ")).strip()


# every kind of white space str.strip and re's \s know (and no other), line breaks among them, and a letter
_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000a"


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=_SPACES, max_size=40))
def test_joining_lines_by_splitting_is_the_pattern_s_fold(text):
    assert safe._joined_lines(text) == _BREAK_RUN.sub(" ⏎ ", text)


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=400), limit=st.integers(0, 60))
def test_one_line_of_a_long_text_is_the_cut_fold_of_the_whole(pieces, limit):
    # one_line folds only the head of a long text: it must give what folding all of it, then cutting, gives
    from trajaudit.report import safe

    text = "".join(pieces)
    whole = _reference_fold(text)
    expected = whole[: max(0, limit - 1)] + "…" if len(whole) > limit else whole
    assert safe.one_line(text, limit) == expected
    assert safe.one_line(text) == whole


@pytest.mark.parametrize("character", list("\x00\x1f\x7f\x85\x9f\u202a\u202e\u2066\u2069\u200e\u200f\u061c\u2028\u2029"
                                            "\u200d\udcff\ud83d\t\r\n"))
def test_one_line_acts_on_each_character_it_folds_alone_in_a_plain_text(character):
    # a text none of whose characters one_line acts on is only stripped: each of them must still be seen alone
    texts = (f"a{character}b", f"{character}b", f"a {character}")
    folds = [_reference_fold(text) for text in texts]
    assert [safe.one_line(text) for text in texts] == folds
    assert folds != list(texts)  # it is one of them


@pytest.mark.parametrize("text", ["x" + " \n" * 500 + "y" * 300, " \n" * 500 + "abc" * 100, "\t" * 900 + "z" * 99])
def test_one_line_of_a_text_whose_head_is_blank_reads_on(text):
    # the head of these folds to a few characters: the rest of the text is read for what is shown
    from trajaudit.report import safe

    whole = _reference_fold(text)
    assert safe.one_line(text, 20) == whole[:19] + "…"


# A tool name that opens with zero-width joiners, then wide characters: rich 15 measured it one way and cut it
# another, and the text view ended with an internal error (IndexError) at most widths.
JOINED = "\u200d\u200d長長\ufe0f~\u0301… \n é \u0301長…a👩…aé👩長👩aé長\ufe0f~ é👩長~b長\u200dé\u200d " * 3


@pytest.mark.parametrize("width", [40, 80, 100, 120, 130])
def test_the_text_view_prints_a_tool_named_with_lone_joiners(tmp_path, width):
    log = tmp_path / "joiners.jsonl"
    log.write_text(
        json.dumps({"trajectory": "z", "step": 0, "kind": "tool_call", "call_id": "c", "tool": JOINED, "arguments": {}})
        + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", str(log), "--format", "text"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output  # TA101, a call without its result, is a warning
    assert "internal error" not in result.output and "長長" in result.stdout


def test_a_joiner_that_joins_nothing_is_dropped_and_one_that_joins_is_kept():
    assert safe.one_line("\u200d\u200d長 a\u200d b \u200dc d\u200d") == "長 a b c d"
    assert safe.one_line("👩\u200d💻 a\u200db") == "👩\u200d💻 a\u200db"
