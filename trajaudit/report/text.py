"""The human view: per trajectory a header and one line per step with its verdict, then a summary table.

The only formatter that imports rich. Log text reaches rich as the text of segments or `rich.text.Text` objects,
never parsed as markup, after `safe.one_line` has removed control sequences, so a log cannot style or drive the
terminal.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import defaultdict
from itertools import accumulate
from typing import Iterable, Sequence

from rich.cells import cell_len, get_character_cell_size, set_cell_size
from rich.console import Console, OverflowMethod
from rich.segment import Segment, Segments
from rich.style import Style
from rich.table import Table
from rich.text import Text

from trajaudit import rules
from trajaudit.model import ClaimRecord, Event, Finding, Severity, Summary, TrajectoryResult
from trajaudit.report.gist import gist
from trajaudit.report.safe import one_line
from trajaudit.report.words import counted

SPARK = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 32
VERDICT_STYLE = {"ok": "green", "info": "cyan", "warn": "yellow", "fail": "bold red"}
SEVERITY_VERDICT = {Severity.INFO: "info", Severity.WARNING: "warn", Severity.ERROR: "fail"}
LABEL_VERDICT = {"info": "info", "warning": "warn", "error": "fail"}
OUTCOME_TEXT = {True: ("success", "green"), False: ("failure", "red"), None: ("no outcome", "dim")}
HIDDEN_WITH_ONLY_FAILURES = ("ok", "info")
CLAIM_STYLE = {"contradicted": "bold red", "unsupported": "yellow", "supported": "green", "unverifiable": "dim"}
MAX_CLAIM_LINES = 5
MIN_PATH_ROOM = 16  # cells: a file shortened to fewer is no help in the header line
TOP_FAILING = 10  # failing trajectories named in the closing summary
VERDICT_RANK = {"fail": 2, "warn": 1}
Parts = Sequence[tuple[str, "str | Style"]]  # a line as (text, style) pieces, as `Text.assemble` takes them


def render(
    items: Iterable[TrajectoryResult | Finding],
    summary: Summary,
    console: Console,
    *,
    only_failures: bool = False,
    context: int | None = None,
    show_summary: bool = True,
    validate: bool = False,
) -> None:
    """Print results as they stream in, then the summary. With `context` (a number of steps), each trajectory shows
    only its flagged steps and that many steps around each, the rest folded into one `… N steps …` line."""
    failing: list[tuple[int, int, int, str, str]] = []  # the worst TOP_FAILING, bounded however long the run
    seen = 0
    out = _Lines(console)
    for item in items:
        if isinstance(item, TrajectoryResult):
            if item.verdict in VERDICT_RANK:
                seen += 1
                entry = (VERDICT_RANK[item.verdict], len(item.findings), -seen, item.trajectory.id, item.verdict)
                (heapq.heappush if len(failing) < TOP_FAILING else heapq.heappushpop)(failing, entry)
            if only_failures and item.verdict in HIDDEN_WITH_ONLY_FAILURES:
                continue
            with out:
                _trajectory(item, console, out, context)
        else:
            # a file-level message is the whole news about that file: wrapped, never cut
            with out:
                out.print(_loose(item), overflow="fold")
    out.flush()
    if show_summary:
        worst = [(tid, verdict, n) for _, n, _, tid, verdict in sorted(failing, reverse=True)]
        render_summary(summary, console, validate=validate, failing=worst, failing_total=seen)


def shorten_path(text: str, width: int) -> str:
    """`text` in at most `width` cells, cut in the middle or from the left: the base name (and :line) is what tells
    files apart, so it is kept whole whenever it fits."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head, sep, base = text.rpartition("/")
    tail = sep + base
    if len(tail) + 2 > width:
        return "…" + text[-(width - 1) :]
    return head[: width - 1 - len(tail)] + "…" + tail


def _trajectory(result: TrajectoryResult, console: Console, out: _Lines, context: int | None) -> None:
    trajectory = result.trajectory
    header = [("● ", VERDICT_STYLE[result.verdict]), (one_line(trajectory.id, 60), "bold")]
    task = trajectory.task
    if task is not None and task.get("task_id"):
        header += [("  task ", "dim"), (one_line(str(task.get("task_id")), 40), "")]
    label, style = OUTCOME_TEXT[result.outcome]
    header += [("  ", ""), (result.verdict.upper(), VERDICT_STYLE[result.verdict]), ("  outcome ", "dim"),
               (label, style)]
    first = trajectory.events[0] if trajectory.events else None
    where = one_line(first.file, 10_000) + (f":{first.line}" if first.line else "") if first is not None else None
    room = console.width - _width("".join(text for text, _ in header)) - 2
    if where is not None and (room >= MIN_PATH_ROOM or room >= len(where)):
        header.append(("  " + shorten_path(where, room), "dim"))
        where = None
    out.line(header, no_wrap=True, overflow="ellipsis")
    if where is not None:  # a long id or task leaves the file too little room: it gets a line of its own
        out.line((("  " + shorten_path(where, max(1, console.width - 2)), "dim"),), no_wrap=True, overflow="ellipsis")
    line = _sparkline(result)
    if line is not None:
        out.line(line, style="dim", no_wrap=True, overflow="ellipsis")
    for claim in result.claims[:MAX_CLAIM_LINES]:
        out.line(_claim_line(claim), style="dim", no_wrap=True, overflow="ellipsis")
    if len(result.claims) > MAX_CLAIM_LINES:
        out.line(((f"      … {counted(len(result.claims) - MAX_CLAIM_LINES, 'more claim')}", "dim"),))

    by_step: dict[int | None, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_step[finding.step].append(finding)
    for finding in by_step.pop(None, []):
        _print_finding(out, finding, indent=7, located=finding.code == "TA002")
    room = console.width
    width = max(40, room - 26)
    events = trajectory.events
    shown = _shown(events, by_step, context)
    if events:
        # the last column judges the step (its findings), not the tool result: a failed call reads `error` in the gist
        columns = f"{'step':>5} {'kind':<12}{set_cell_size('event', width)} {'verdict':>7}"
        out.line(((columns, "dim"),), no_wrap=True)
    folded = 0
    for index, event in enumerate(events):
        if shown is not None and index not in shown:
            folded += 1
            by_step.pop(event.step, None)
            continue
        if folded:
            out.line(_fold_line(folded))
            folded = 0
        findings = by_step.get(event.step, [])
        verdict = SEVERITY_VERDICT[max(f.severity for f in findings)] if findings else "ok"
        parts = (
            (f"{event.step:>5} ", "dim"),
            (f"{event.kind:<12}", "bold" if event.kind in ("tool_call", "outcome") else ""),
            (_column(gist(event, width), width) + " ", ""),
            (f"{verdict:>7}", VERDICT_STYLE[verdict]),
        )
        # its event column is `width` cells; the rest fits when it is ASCII and the console is wide enough
        if len(parts[0][0]) + len(parts[1][0]) + width + 8 <= room and parts[1][0].isascii():
            out.fitting(parts)
        else:
            out.line(parts, no_wrap=True, overflow="ellipsis")
        for finding in findings:
            _print_finding(out, finding, indent=18)
        by_step.pop(event.step, None)
    if folded:
        out.line(_fold_line(folded))
    for findings in by_step.values():  # findings on lines that are not among the events (schema errors)
        for finding in findings:
            _print_finding(out, finding, indent=7, located=True)
    out.blank()


class _Lines:
    """Prints lines in as few `console.print` calls as possible (the text view: one trajectory's lines, printed as
    the block is left). A call costs rich far more than a line (the console measured, the text rendered and cropped,
    written and flushed): with one per line, printing was 84 % of the text view's instructions on a tau-bench run
    (200 trajectories, 5,258 steps).

    - A line that fits the console is printed alike by every option (no wrapping, cropping or ellipsis has anything
      to do), so it skips rich's text layer: it is handed over as the segments rich's own rendering of it gives, one
      per styled part, and rich only writes their escape codes. Building, joining, measuring, splitting and
      rendering `Text` objects was over half of the text view's time. A line is given as parts (`line`; `fitting`
      when the caller knows it fits), and only one that does not fit becomes a `Text`.
    - Other lines printed alike in a row are joined into one text, which rich renders line by line exactly as it
      would each alone.
    Both are checked against rich printing each line alone, for every option the view uses (tests).

    A terminal is handed each block (a trajectory) as it ends, so it shows each trajectory as soon as it is judged.
    A file or a pipe gets blocks of lines together, up to `BLOCK_SEGMENTS` (as ripgrep buffers by line on a
    terminal and by block elsewhere): each `console.print` also costs rich a pass over its renderers and a flush.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self.streaming = console.is_terminal
        self.width = console.width
        self.lines: list[Text] = []
        self.options: tuple[bool, OverflowMethod | None, bool] = (False, None, True)
        self.segments: list[Segment] = []
        self.styles: dict[tuple[str | Style, str | Style], Style] = {}

    def line(
        self, parts: Parts, style: str = "", no_wrap: bool = False, overflow: OverflowMethod | None = None
    ) -> None:
        """One line of (text, style) parts (no newline in them), in `style`, as
        `console.print(Text.assemble(*parts, style=style), no_wrap=..., overflow=...)` prints it."""
        plain = "".join([text for text, _ in parts])
        if plain.isprintable() and _width(plain) <= self.width:
            if self.lines:
                self.flush()
            self._add(parts, style)
        else:  # too wide, or a character rich lays out itself (a tab, a joiner)
            self.print(Text.assemble(*parts, style=style), no_wrap=no_wrap, overflow=overflow)

    def fitting(self, parts: Parts) -> None:
        """A line of parts its caller knows fits the console, printed uncropped: as `line` prints it, without
        measuring it (most step lines)."""
        if self.lines:
            self.flush()
        self._add(parts, "")

    def print(
        self, line: Text, no_wrap: bool = False, overflow: OverflowMethod | None = None, crop: bool = True
    ) -> None:
        """One line of text (no newline in it), as `console.print(line, no_wrap=..., overflow=..., crop=...)` prints
        it."""
        plain = line.plain
        if plain.isprintable() and _width(plain) <= self.width:
            parts = _parts(line)
            if parts is not None:
                if self.lines:
                    self.flush()
                self._add(parts, line.style)
                return
        if self.segments or (no_wrap, overflow, crop) != self.options:
            self.flush()
            self.options = (no_wrap, overflow, crop)
        self.lines.append(line)

    def blank(self) -> None:
        """An empty line, which every option prints the same."""
        if self.lines:
            self.lines.append(Text())
        else:
            self.segments.append(_NEWLINE)

    def flush(self) -> None:
        if self.lines:
            no_wrap, overflow, crop = self.options
            self.console.print(Text("\n").join(self.lines), no_wrap=no_wrap, overflow=overflow, crop=crop)
            self.lines = []
        if self.segments:
            self.console.print(Segments(self.segments), crop=False)
            self.segments = []

    def _add(self, parts: Parts, base: str | Style) -> None:
        """The segments rich renders a line of parts into: each part styled with the line's style and its own,
        combined as rich combines them (a part without a style of its own has the line's)."""
        append, style_of = self.segments.append, self._style
        plain = ""  # unstyled parts in a row: one segment, as for rich no span ends between them
        for text, style in parts:
            if style and text:
                if plain:
                    append(Segment(plain, style_of("", base) if base else None))
                    plain = ""
                append(Segment(text, style_of(base, style)))
            else:
                plain += text
        if plain:
            append(Segment(plain, style_of("", base) if base else None))
        append(_NEWLINE)

    def _style(self, base: str | Style, style: str | Style) -> Style:
        found = self.styles.get((base, style))
        if found is None:
            get = self.console.get_style
            found = self.styles[(base, style)] = get(base) + get(style) if base else get(style)
        return found

    def __enter__(self) -> _Lines:
        self.width = self.console.width  # a terminal's, asked once a block
        return self  # the styles found stay for the next block

    def __exit__(self, *exc: object) -> None:
        if self.streaming or self.lines or len(self.segments) >= BLOCK_SEGMENTS:
            self.flush()


def _parts(line: Text) -> list[tuple[str, str | Style]] | None:
    """A text's parts, styled and not, when its styled spans follow each other (as `Text.append` makes them). A
    span without a style (which `append` never makes) ends a segment for rich where a part would not: None."""
    plain = line.plain
    parts: list[tuple[str, str | Style]] = []
    at = 0
    for start, end, style in line.spans:
        if start < at or end <= start or not style:
            return None
        if start > at:
            parts.append((plain[at:start], ""))
        parts.append((plain[start:end], style))
        at = end
    if at < len(plain):
        parts.append((plain[at:], ""))
    return parts


_NEWLINE = Segment("\n")
BLOCK_SEGMENTS = 4096  # ~800 step lines, ~100 KB: what a file or a pipe is written at a time


# Characters one cell wide by rich's measure: printable ASCII, and the marks `one_line` puts into a gist (a cut, a
# folded newline) when rich measures them so
_NARROW = frozenset(map(chr, range(0x20, 0x7F))) | {mark for mark in "…⏎" if cell_len(mark) == 1}
_JOINING = ("\u200d", "\ufe0f")  # the two characters rich measures with their neighbours, not alone


class _CellWidths(dict[str, int]):
    """Rich's width of each character met (`get_character_cell_size`)."""

    def __missing__(self, character: str) -> int:
        width = self[character] = get_character_cell_size(character)
        return width


_CELLS = _CellWidths()


def _width(text: str) -> int:
    """`cell_len(text)`, rich's measure of a text, without rich measuring it. Rich goes character by character,
    through a cached function call each, as soon as one is not in its own short list of narrow ones, which "●", "…"
    and "⏎" are not, nor any CJK or emoji. Here a text of narrow characters is measured by its length, any other
    (but one with a joining character) by each character's width from a table."""
    if _NARROW.issuperset(text):
        return len(text)
    if _JOINING[0] in text or _JOINING[1] in text:
        return cell_len(text)
    return sum(map(_CELLS.__getitem__, text))


def _column(text: str, width: int) -> str:
    """`set_cell_size(text, width)`: a gist padded (or cut) to its column, as rich does it, measured as `_width`
    measures."""
    if len(text) <= width and _NARROW.issuperset(text):
        return text + " " * (width - len(text))
    if _JOINING[0] in text or _JOINING[1] in text:
        return set_cell_size(text, width)
    ends = list(accumulate(map(_CELLS.__getitem__, text)))  # where each character's cells end
    used = ends[-1] if ends else 0
    if used <= width:
        return text + " " * (width - used)
    kept = bisect_right(ends, width)  # the characters that end within the column, and those of no width after them
    return text[:kept] + " " * (width - (ends[kept - 1] if kept else 0))  # a wide one cut in two leaves a space


def _shown(events: Sequence[Event], by_step: dict, context: int | None) -> set[int] | None:
    """The indexes of the steps to print: None for all; else the flagged ones and `context` steps either side."""
    if context is None:
        return None
    shown: set[int] = set()
    for index, event in enumerate(events):
        if by_step.get(event.step):
            shown.update(range(max(0, index - context), index + context + 1))
    return shown


def _fold_line(count: int) -> Parts:
    return ((f"      … {counted(count, 'step')} …", "dim"),)


def _claim_line(claim: ClaimRecord) -> Parts:
    """One claim of the final report with its verdict: what the agent said, and whether the log bears it out (its
    parts, for a line in "dim")."""
    parts = [("     claim ", ""), (f"{claim.verdict:<13}", CLAIM_STYLE[claim.verdict])]
    if claim.step is not None:
        parts.append((f"step {claim.step}  ", "dim"))
    what = claim.action or claim.type.replace("_", " ")
    parts.append((one_line(what + (f" {claim.target}" if claim.target else ""), 40) + "  ", "bold"))
    if claim.evidence_step is not None:
        parts.append((f"(evidence: step {claim.evidence_step})  ", "dim"))
    parts.append((f'"{one_line(claim.text, 100)}"', ""))
    return parts


def sparkline(values: list[float], width: int = SPARK_WIDTH, bounds: tuple[float, float] | None = None) -> str:
    """Unicode blocks for a series, averaged down to at most `width` cells; scaled to `bounds` or its own range."""
    if not values:
        return ""
    if len(values) > width:
        size = len(values) / width
        values = [
            sum(chunk) / len(chunk)
            for chunk in (values[int(i * size) : max(int((i + 1) * size), int(i * size) + 1)] for i in range(width))
        ]
    low, high = bounds or (min(values), max(values))
    span = (high - low) or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int(max(0.0, v - low) / span * len(SPARK)))] for v in values)


def _sparkline(result: TrajectoryResult) -> Parts | None:
    """Confidence per step, drawn under the header, so a collapse in the middle is seen at a glance (the parts of a
    line in "dim")."""
    trace = result.confidence  # computed in the judge stage (engine.Options.step_confidence)
    if trace is None:
        return None
    from trajaudit.confidence import BASIS_STATED  # here: `validate`'s text view needs neither it nor what it imports

    # Stated confidences are probabilities: drawn on [0, 1] so 0.93 vs 0.95 does not look like a collapse.
    bounds = (0.0, 1.0) if trace.basis == BASIS_STATED else None
    low = trace.lowest
    return (
        ("      conf ", ""),
        (sparkline(list(trace.values), bounds=bounds), "cyan"),
        (f"  min {trace.values[low]:.3g} at step {trace.steps[low]}, mean {trace.mean:.3g} ({trace.basis})", "dim"),
    )


def _print_finding(out: _Lines, finding: Finding, indent: int, located: bool = False) -> None:
    """Findings are the point of the report: wrapped under their step with a hanging indent, never cut off."""
    margin = Text(" " * indent)
    for line in _finding_line(finding, located).wrap(out.console, max(20, out.console.width - indent)):
        line.rstrip()
        out.print(margin + line, no_wrap=True, overflow="ignore")


def _finding_line(finding: Finding, located: bool = False) -> Text:
    verdict = SEVERITY_VERDICT[finding.severity]
    text = Text("└ ")
    if located:
        text.append(one_line(finding.file + (f":{finding.line}" if finding.line else "")) + " ", style="bold")
    text.append(finding.code, style=VERDICT_STYLE[verdict])
    text.append(f" {finding.name}: ", style="dim")
    text.append(one_line(finding.message))
    return text


def _loose(finding: Finding) -> Text:
    verdict = SEVERITY_VERDICT[finding.severity]
    where = finding.file + (f":{finding.line}" if finding.line else "")
    text = Text()
    text.append(one_line(where), style="bold")
    text.append("  ")
    text.append(finding.code, style=VERDICT_STYLE[verdict])
    text.append(f" {finding.name}: ", style="dim")
    text.append(one_line(finding.message))
    return text


def render_summary(
    summary: Summary,
    console: Console,
    *,
    validate: bool = False,
    failing: list[tuple[str, str, int]] | None = None,
    failing_total: int = 0,
) -> None:
    """The closing tables: counts, findings by severity and by rule, and the worst failing trajectories by name."""
    overview = Table(title="Summary", show_header=False, title_justify="left", box=None, padding=(0, 2))
    overview.add_column(style="bold")
    overview.add_column(justify="right")
    overview.add_row("files", str(summary.files))
    overview.add_row("lines", str(summary.lines))
    overview.add_row("trajectories", str(summary.trajectories))
    overview.add_row("events" if validate else "steps", str(summary.steps))
    if validate:
        console.print(overview)
        invalid = sum(summary.findings_by_rule.values())
        console.print(
            Text(f"{invalid} problems" if invalid else "All events valid.", style="red" if invalid else "green")
        )
        return
    verdicts = Text()
    for verdict, count in summary.verdicts.items():
        verdicts.append(f"{verdict} {count}  ", style=VERDICT_STYLE[verdict] if count else "dim")
    overview.add_row("verdicts", verdicts)
    outcomes = summary.outcomes
    overview.add_row(
        "outcomes", f"success {outcomes['success']}  failure {outcomes['failure']}  none {outcomes['none']}"
    )
    if any(summary.claims.values()):
        claims = Text()
        for verdict, count in summary.claims.items():
            claims.append(f"{verdict} {count}  ", style=CLAIM_STYLE[verdict] if count else "dim")
        overview.add_row("claims", claims)
    by_severity = Text()
    for label in ("error", "warning", "info"):
        count = summary.findings_by_severity.get(label, 0)
        style = VERDICT_STYLE[LABEL_VERDICT[label]] if count else "dim"
        by_severity.append(f"{label} {count}  ", style=style)
    overview.add_row("findings", by_severity)
    if summary.formats:
        overview.add_row("formats", "  ".join(f"{name} {n}" for name, n in sorted(summary.formats.items())))
    console.print(overview)
    if summary.findings_by_rule:
        table = Table(title="Findings by rule", title_justify="left")
        table.add_column("code")
        table.add_column("name")
        table.add_column("count", justify="right")
        for code, count in sorted(summary.findings_by_rule.items()):
            rule = rules.BY_CODE.get(code)
            table.add_row(code, rule.name if rule else "", str(count))
        console.print(table)
    if failing:
        shown = f"top {len(failing)} of {failing_total}" if failing_total > len(failing) else str(failing_total)
        worst = Table(title=f"Failing trajectories ({shown})", title_justify="left")
        worst.add_column("trajectory", overflow="fold")
        worst.add_column("verdict")
        worst.add_column("findings", justify="right")
        for tid, verdict, count in failing:
            worst.add_row(Text(one_line(tid, 200)), Text(verdict, style=VERDICT_STYLE[verdict]), str(count))
        console.print(worst)
    else:
        console.print(Text("No findings.", style="green"))
