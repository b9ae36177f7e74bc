"""Output formats: every Format has a writer; SARIF and JUnit match golden files and stay valid for any text."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trajaudit.cli import app
from trajaudit.model import Event, Finding, Severity, Summary, Trajectory, TrajectoryResult
from trajaudit.report import Format, _module, github, junit, markdown, sarif

GOLDEN = Path(__file__).resolve().parent / "golden"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "report" / "mixed.jsonl"
CORE = "TA0,TA2"  # golden files pin the core rules; later rules must not churn them


def test_every_format_has_a_writer():
    for fmt in Format:
        if fmt is not Format.text:
            assert callable(_module(fmt).render), fmt


def run(fmt: str) -> str:
    root = os.getcwd()
    os.chdir(FIXTURE.parent)  # SARIF names files relative to the working directory
    try:
        result = CliRunner().invoke(app, ["audit", FIXTURE.name, "--select", CORE, "--format", fmt, "-q", "--isolated"])
    finally:
        os.chdir(root)
    assert result.exit_code == 1, result.output
    return result.stdout.replace(FIXTURE.name, "FIXTURE")


def pinned(fmt: str) -> str:
    """The output with what legitimately changes as rules are added (version, the driver's rule list) pinned."""
    text = run(fmt)
    if fmt != "sarif":
        return text
    document = json.loads(text)
    driver = document["runs"][0]["tool"]["driver"]
    driver["version"] = "VERSION"
    document["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "ROOT"
    del driver["rules"]  # checked structurally in test_sarif_structure
    for result in document["runs"][0]["results"]:
        result["ruleIndex"] = "INDEX"
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(("fmt", "golden"), [("sarif", "mixed.sarif"), ("junit", "mixed.junit.xml")])
def test_golden(fmt: str, golden: str):
    actual = pinned(fmt)
    path = GOLDEN / golden
    if os.environ.get("TRAJAUDIT_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), "set TRAJAUDIT_UPDATE_GOLDEN=1 to accept the new output"


def test_sarif_structure():
    document = json.loads(run("sarif"))
    assert document["version"] == "2.1.0"
    driver = document["runs"][0]["tool"]["driver"]
    results = document["runs"][0]["results"]
    assert {r["ruleId"] for r in results} <= {rule["id"] for rule in driver["rules"]}
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": "FIXTURE", "uriBaseId": "%SRCROOT%"}
        assert location.get("region", {"startLine": 1})["startLine"] >= 1


EVIL = "<script>&\x00\x1b[31m\ud7ff\ufffe]]>\"'\n::error::x%0A,:"


def evil_result() -> tuple[TrajectoryResult, Finding]:
    event = Event(EVIL, 3, {"trajectory": EVIL, "step": 0, "kind": "message", "role": "user", "text": EVIL})
    finding = Finding("TA201", "ignored-tool-error", Severity.ERROR, EVIL, 3, EVIL, 0, EVIL, path="$")
    return TrajectoryResult(Trajectory(EVIL, (event,)), (finding,)), finding


def render(module) -> bytes:
    import io

    out = io.BytesIO()
    result, finding = evil_result()
    module.render([result, finding], Summary(), out)
    return out.getvalue()


def test_junit_is_well_formed_for_any_text():
    root = ET.fromstring(render(junit))
    failure = root.find("./testsuite/testcase/failure")
    assert failure is not None and "<script>" in failure.text


def test_sarif_is_valid_json_for_any_text():
    document = json.loads(render(sarif))
    assert document["runs"][0]["results"][0]["message"]["text"] == EVIL


def test_github_annotations_cannot_break_out_of_their_line():
    lines = render(github).decode().splitlines()
    assert len(lines) == 2 and all(line.startswith("::error file=") for line in lines)
    assert "%0A" in lines[0] and "\n" not in lines[0]


def test_markdown_escapes_log_text():
    text = render(markdown).decode()
    assert "<script>" not in text and "\x1b" not in text


def test_counts_are_worded_in_the_singular_for_one():
    from trajaudit.report.words import counted, totals

    assert totals(1, 1, 1) == "1 file, 1 trajectory, 1 step"
    assert totals(0, 2, 40) == "0 files, 2 trajectories, 40 steps"
    assert [counted(n, "error") for n in (0, 1, 2)] == ["0 errors", "1 error", "2 errors"]
    assert counted(3, "info") == "3 info" and counted(2, "ATIF trajectory") == "2 ATIF trajectories"


# clusters split between parts ("e" + accent, "☑" + VS16, a flag's halves, Hangul jamo) too: rich crops a line by its
# parts' widths and cuts it by its whole width, which must agree on every line the view prints uncut
_WORDS = ["ok", "step", "長い", "é", "e", "\u0301", "☑", "\ufe0f", "🇫", "🇷", "\u1100", "\u1161", "✅", "👩‍💻", "\u200d",
          "\u00a0", "\t", "\x1b[31m", "a" * 30, " ", "  ", "…", "x"]
_STYLES = ["", "dim", "bold", "red", "bold red", "green"]
# the options the text view prints lines with (report/text.py)
_OPTIONS = [(False, None, True), (False, "fold", True), (True, "ellipsis", True), (True, None, True),
            (True, "ignore", True), (True, "ignore", False)]


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(
        st.tuples(st.sampled_from(_STYLES),
                  st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_STYLES)), max_size=12),
                  st.sampled_from(_OPTIONS), st.sampled_from(["print", "line", "fitting"])),
        max_size=12,
    ),
    width=st.sampled_from([20, 47, 80, 133]),
    colours=st.sampled_from([("truecolor", False), ("standard", True), (None, False)]),
)
def test_the_text_view_prints_its_lines_as_rich_prints_each(lines, width, colours):
    # report.text._Lines hands rich several lines in one call, and a line that fits as ready segments: rich must
    # print them as one call per line would, whatever the options (the text view's output is compared byte for byte
    # across versions on that assumption)
    from io import StringIO

    from rich.console import Console
    from rich.text import Text

    from trajaudit.report.text import _Lines

    def console(out):
        return Console(file=out, width=width, height=25, force_terminal=True, color_system=colours[0],
                       no_color=colours[1], highlight=False, markup=False, emoji=False, soft_wrap=False)

    printed = []
    for base, parts, options, how in lines:
        text = Text.assemble(*parts, style=base)
        if how == "line":  # crops what does not fit
            printed.append((text, (*options[:2], True), parts, base))
        elif how == "fitting":  # the caller's promise: printable parts that fit, in no style of the line's
            if not base and text.cell_len <= width and text.plain.isprintable():
                printed.append((text, options, parts, None))
        elif options[2] or text.cell_len <= width:  # the text view prints uncropped only what fits
            printed.append((text, options, None, base))
    one_by_one, joined = StringIO(), StringIO()
    alone = console(one_by_one)
    for text, (no_wrap, overflow, crop), _, _ in printed:
        alone.print(text.copy(), no_wrap=no_wrap, overflow=overflow, crop=crop)
    with _Lines(console(joined)) as out:
        for text, (no_wrap, overflow, crop), parts, base in printed:
            if base is None:
                out.fitting(parts)
            elif parts is not None:
                out.line(parts, style=base, no_wrap=no_wrap, overflow=overflow)
            else:
                out.print(text.copy(), no_wrap=no_wrap, overflow=overflow, crop=crop)
    assert joined.getvalue() == one_by_one.getvalue()


_GIST_PIECES = ["a", "Z", " ", "~", "…", "⏎", "\n", "\t", "長", "é", "e\u0301", "\u0301", "👩\u200d💻",
                "☑\ufe0f", "✓", "→", "🇫", "한", "ｱ", "\u200b", "\u00ad"]


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.sampled_from(_GIST_PIECES), max_size=60),
       width=st.integers(1, 50), longer=st.integers(0, 3))
def test_a_gist_is_padded_to_its_column_as_rich_pads_it(pieces, width, longer):
    # report.text measures and fits texts itself (a table of character widths): it must give what rich gives
    from rich.cells import cell_len, set_cell_size

    from trajaudit.report.safe import one_line
    from trajaudit.report.text import _column, _width

    text = one_line("".join(pieces), width + longer)
    assert _column(text, width) == set_cell_size(text, width)
    assert _width(text) == cell_len(text)


def test_a_span_without_a_style_is_printed_as_rich_prints_it():
    # rich ends a segment at every span, styled or not: under a line style, "ab" and "cd" get their escapes apart
    from io import StringIO

    from rich.console import Console
    from rich.text import Span, Text

    from trajaudit.report.text import _Lines

    text = Text("abcd", style="dim", spans=[Span(0, 2, "")])
    outputs = []
    for through_lines in (False, True):
        out = StringIO()
        console = Console(file=out, width=40, force_terminal=True, color_system="truecolor")
        if through_lines:
            with _Lines(console) as lines:
                lines.print(text.copy())
        else:
            console.print(text.copy())
        outputs.append(out.getvalue())
    assert outputs[1] == outputs[0] == "\x1b[2mab\x1b[0m\x1b[2mcd\x1b[0m\n"


def test_the_text_view_writes_a_file_in_blocks_and_a_terminal_a_trajectory_at_a_time():
    # a terminal shows each trajectory as soon as it is judged; a file or a pipe gets blocks of them (fewer rich
    # calls), with the same bytes
    from io import StringIO

    from rich.console import Console

    from trajaudit.report import text

    results = [
        TrajectoryResult(Trajectory(f"t{n}", tuple(
            Event("a.jsonl", 3 * n + i, {"trajectory": f"t{n}", "step": i, "kind": "message", "role": "user",
                                         "text": f"hello {i}"})
            for i in range(3))), ())
        for n in range(50)
    ]

    class Counting(Console):
        calls = 0

        def print(self, *objects, **options):
            type(self).calls += 1
            super().print(*objects, **options)

    outputs, calls = [], []
    for terminal in (True, False):
        Counting.calls = 0
        out = StringIO()
        console = Counting(file=out, width=80, height=25, force_terminal=terminal, color_system=None)
        text.render(results, Summary(), console, show_summary=False)
        outputs.append(out.getvalue())
        calls.append(Counting.calls)
    assert outputs[0] == outputs[1] and outputs[0].count("hello 2") == 50
    assert calls[0] >= 50 and calls[1] <= 2, calls
