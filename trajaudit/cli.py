"""The command line: parse options, build the configuration, run the engine, hand results to a formatter, exit.

Exit codes: 0 clean; 1 findings at or above --fail-on; 2 usage, configuration or unreadable input; 5 nothing
audited (no trajectory and no finding; --allow-empty makes it 0); 141 stdout closed early (SIGPIPE).
"""

# No `from __future__ import annotations` here: typer reads every command's signature at each start (inspect.signature
# with eval_str, then get_type_hints), and string annotations are compiled and evaluated twice each: ~23 M
# instructions, 4 % of a one-line audit. Annotations naming what is imported lazily or only for type checking are
# quoted instead.

import os

# numpy's BLAS pool would spin a thread per core at import for nothing: we only do small vector maths.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import copy  # noqa: E402
import errno
import gc
import signal
import sys
import threading
import time
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterator, List, NoReturn

import typer
from typer._click import exceptions as click  # typer ships its own click: its exceptions are these
from typer.core import TyperGroup

from trajaudit import __version__
from trajaudit.importers import names as format_names
from trajaudit.lazy import LazyModule
from trajaudit.model import Severity, TrajectoryResult
from trajaudit.report import FORMATS, Format, render, render_many
from trajaudit.report.words import counted, totals

# Start-up is most of a run on a small log: each command imports what it uses when it runs (`trajaudit --version`
# reads no rule, no importer, no schema; rich is for the text view and coloured notes only).
if TYPE_CHECKING:
    import orjson
    from rich.console import Console

    from trajaudit import config as config_module
    from trajaudit import engine, importers, parallel, reader, rules, schema
    from trajaudit.config import Config
    from trajaudit.reader import Source
    from trajaudit.report import output as report_output
    from trajaudit.report import safe
else:
    orjson = LazyModule("orjson")
    config_module = LazyModule("trajaudit.config")
    engine = LazyModule("trajaudit.engine")
    importers = LazyModule("trajaudit.importers")
    parallel = LazyModule("trajaudit.parallel")
    reader = LazyModule("trajaudit.reader")
    rules = LazyModule("trajaudit.rules")
    schema = LazyModule("trajaudit.schema")
    report_output = LazyModule("trajaudit.report.output")
    safe = LazyModule("trajaudit.report.safe")

DEFAULT_CONTEXT = 2  # steps shown around a flagged step with --only-failures, as grep -C 2
MAX_JOBS = 256  # --jobs: each is a process; more than this is a mistake, not a machine
MAX_BINS = 1000  # as trajaudit.stats.MAX_BINS (not imported here: that would load numpy for every command)
MAX_SEED = 2**32 - 1
EXIT_EMPTY = 5  # as pytest's 5, "no tests collected": a gate that checked nothing must not pass
EXIT_PIPE = 128 + 13  # SIGPIPE: what a shell reports for a Unix tool whose reader went away (`| head`)
EXIT_TERMINATED = 128 + signal.SIGTERM  # what a shell reports for a process ended by SIGTERM
EXIT_HELP = (
    "Exit codes: 0 no findings at or above --fail-on; 1 findings; 2 usage, configuration or unreadable input; "
    "5 nothing audited (no trajectory, no finding; see --allow-empty); 141 output pipe closed (SIGPIPE)."
)

class _UsageError(click.UsageError):
    """click's usage errors (unknown option, bad value, missing argument) in trajaudit's own one-line style, so a
    user meets one error format whichever layer noticed the mistake; still exit code 2."""

    def __init__(self, error: click.UsageError) -> None:
        super().__init__(error.format_message(), ctx=error.ctx)

    def show(self, file: IO[str] | None = None) -> None:
        path = self.ctx.command_path if self.ctx is not None else "trajaudit"
        _note(f"trajaudit: error: {self.format_message()} (see {path} -h)")


class _Group(TyperGroup):
    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _styled_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _styled_usage_errors():
            return super().invoke(ctx)


@contextmanager
def _styled_usage_errors() -> Iterator[None]:
    try:
        yield
    except click.NoArgsIsHelpError:  # `trajaudit` alone prints the help: not an error to restyle
        raise
    except _UsageError:
        raise
    except click.UsageError as exc:
        raise _UsageError(exc) from None


app = typer.Typer(
    cls=_Group,
    name="trajaudit",
    help=f"Audit AI-agent trajectories: schema checks, per-step verdicts, false success claims.\n\n{EXIT_HELP}",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

stderr: "Console | None" = None  # made by _stderr() when a note needs colour or progress is shown


class FailOn(str, Enum):
    info = "info"
    warning = "warning"
    error = "error"
    never = "never"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"trajaudit {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Audit AI-agent trajectories."""
    # Millions of short-lived acyclic dicts: collect rarely, and never rescan what was loaded at startup.
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


PATHS = typer.Argument(
    ...,
    metavar="PATH...",
    help="Log files or directories (*.jsonl, *.jsonl.gz, *.ndjson, recursively), object-store URIs "
    "(s3://bucket/prefix/, gs://, abfs://, hdfs://; needs trajaudit[store]); - for stdin.",
)
FROM = typer.Option(
    None, "--from", metavar="FORMAT", help=f"Input format: auto (default), {', '.join(format_names())}."
)
FORMAT = typer.Option(Format.text, "--format", help="Output format; text on a terminal, machine formats on stdout.")
OUTPUT = typer.Option(
    None,
    "--output",
    "-o",
    metavar="FILE",
    help="Write the report to FILE instead of stdout: complete or not at all (written beside it, then renamed). "
    "FILE may not be one of the inputs.",
)
QUIET = typer.Option(False, "--quiet", "-q", help="No summary or notes on stderr; findings only.")
CONFIG = typer.Option(
    None, "--config", metavar="FILE", help="Read settings from this TOML file instead of searching for one."
)
ISOLATED = typer.Option(False, "--isolated", help="Ignore configuration files.")
REPORT = typer.Option(
    None,
    "--report",
    metavar="FORMAT=FILE",
    help="Also write the report in FORMAT to FILE, from the same run (repeatable), e.g. --format github "
    "--report sarif=trajaudit.sarif --report junit=trajaudit.xml. Each FILE is complete or not written at all.",
)
ALLOW_EMPTY = typer.Option(
    False,
    "--allow-empty",
    help="Exit 0 when the input holds no trajectory and no finding (empty files, no logs found) instead of 5.",
)
STDIN_FILENAME = typer.Option(
    None,
    "--stdin-filename",
    metavar="NAME",
    help="With - among the paths: name standard input NAME in findings and reports, and let its suffix choose the "
    "format as a file's would (.jsonl, .json, .traj...). gzip on standard input is recognised by itself.",
)
JOBS = typer.Option(
    0,
    "--jobs",
    "-j",
    min=0,
    max=MAX_JOBS,
    metavar="N",
    help="Processes: byte ranges of a large log, or the files of a folder spread over them (0: all cores when the "
    "input is over 32 MB). Output does not depend on it.",
)


class Executor(str, Enum):
    local = "local"
    ray = "ray"


EXECUTOR = typer.Option(
    Executor.local,
    "--executor",
    help="Where the parts of the run go: local processes (see --jobs), or ray: the Ray cluster RAY_ADDRESS names "
    "(unset: a local Ray instance), through Ray Data; --jobs then defaults to its CPUs. Needs "
    'pip install "trajaudit[ray]". Output does not depend on it.',
)


@app.command()
def validate(
    paths: List[str] = PATHS,
    input_format: str | None = FROM,
    output_format: Format = FORMAT,
    output: Path | None = OUTPUT,
    report: List[str] | None = REPORT,
    jobs: int = JOBS,
    allow_empty: bool = ALLOW_EMPTY,
    config_file: Path | None = CONFIG,
    isolated: bool = ISOLATED,
    quiet: bool = QUIET,
    stdin_filename: str | None = STDIN_FILENAME,
) -> None:
    """Check every event against the trajaudit event schema.

    Reports each invalid line as file:line, trajectory, JSON path and message (TA001 invalid-json, TA002
    schema-violation), then a summary. Exit codes: 0 all valid; 1 violations; 2 usage or unreadable input;
    5 nothing to validate (see --allow-empty).

    Example: trajaudit validate logs/ --format jsonl
    """
    cfg = _settings(config_file, isolated, input_format)
    options = engine.Options(
        input_format=cfg.input_format, on_format=_format_note(quiet, _explicit(cfg)), jobs=jobs, limits=cfg.limits
    )
    reports = _reports(report, output)
    sources = _sources(paths, stdin_filename)
    _guard_output(output, sources, config_file)
    for _, path in reports:
        _guard_output(path, sources, config_file)
    run = engine.Validation(sources, options)
    progress = _Progress(run.summary) if _wants_progress(quiet, output) else nullcontext()
    with _outputs(output, reports, output_format) as targets, progress:
        render_many(
            targets, run, run.summary, render, console_for=_view_console, quiet=quiet, validate=True,
            fail_on=Severity.INFO,
        )
    _finish(run.summary, Severity.INFO, quiet, output_format, allow_empty)


@app.command()
def audit(
    paths: List[str] = PATHS,
    input_format: str | None = FROM,
    output_format: Format = FORMAT,
    output: Path | None = OUTPUT,
    report: List[str] | None = REPORT,
    select: List[str] | None = typer.Option(
        None,
        "--select",
        metavar="RULES",
        help="Only these rules (codes, prefixes like TA2, or names; comma-separated).",
    ),
    ignore: List[str] | None = typer.Option(
        None, "--ignore", metavar="RULES", help="Skip these rules (codes, prefixes or names)."
    ),
    fail_on: FailOn | None = typer.Option(
        None, "--fail-on", help="Lowest severity that makes the exit code 1 [default: error]."
    ),
    severity: List[str] | None = typer.Option(
        None, "--severity", metavar="CODE=LEVEL", help="Override a rule's severity: CODE=info|warning|error."
    ),
    option: List[str] | None = typer.Option(
        None,
        "--option",
        metavar="RULE.OPTION=VALUE",
        help="Set a rule option, e.g. repeated-call.min-repeats=4, or a limit, e.g. limits.max-line-bytes=256MiB.",
    ),
    outcomes: Path | None = typer.Option(
        None,
        "--outcomes",
        metavar="FILE",
        help="Attach verifier results kept apart from the log (JSON/JSONL id → success, SWE-bench report.json, "
        "Multi-SWE-bench results.json, final_report.json). Says how many trajectories it matched. Wins over the "
        "verdicts found beside the logs without it (a Harbor trial's result.json, a SWE-bench report.json).",
    ),
    only_failures: bool = typer.Option(
        False,
        "--only-failures",
        help="Text output: show only trajectories with warnings or errors, and in them only the flagged steps with "
        "--context steps around each (the rest folded into one line).",
    ),
    context: int | None = typer.Option(
        None,
        "--context",
        "-C",
        min=0,
        metavar="N",
        help="Text output: show N steps around each flagged step and fold the rest, like grep -C "
        f"[default with --only-failures: {DEFAULT_CONTEXT}; otherwise every step].",
    ),
    baseline: Path | None = typer.Option(
        None,
        "--baseline",
        metavar="FILE",
        help="Report only findings that are not in FILE, a previous run's --format json report; the exit code counts "
        "only the new ones. Findings are matched by fingerprint (rule, trajectory, step kind, evidence), not by line.",
    ),
    config_file: Path | None = CONFIG,
    isolated: bool = ISOLATED,
    jobs: int = JOBS,
    executor: Executor = EXECUTOR,
    allow_empty: bool = ALLOW_EMPTY,
    quiet: bool = QUIET,
    stdin_filename: str | None = STDIN_FILENAME,
) -> None:
    """Judge every step of every trajectory and report findings.

    Rules run per trajectory (see `trajaudit rules`); output is a per-step verdict view on a terminal, or
    --format json|jsonl|sarif|junit|github|markdown|otel for machines (otel: each finding as a
    gen_ai.evaluation.result log record on the span it concerns, OTLP JSON; see docs/otel.md). Exit codes: 0 no
    findings at or above --fail-on; 1 findings; 2 usage, configuration or unreadable input; 5 nothing audited:
    no trajectory and no finding in the input (an empty folder, logs named *.log, empty files), unless
    --allow-empty.

    Example: trajaudit audit sample_traces/ --fail-on warning --format sarif -o trajaudit.sarif

    In CI: trajaudit audit runs/ --format github --report sarif=trajaudit.sarif --report junit=trajaudit.xml
    """
    try:
        cfg = _config(config_file, isolated).with_flags(
            select=select,
            ignore=ignore,
            fail_on=fail_on.value if fail_on else None,
            severity=severity,
            options=option,
            input_format=input_format,
        )
    except config_module.ConfigError as exc:
        _usage_error(str(exc))
    _check_format(cfg.input_format)
    reports = _reports(report, output)
    attached = _outcomes(outcomes)
    known = _baseline(baseline)
    options = engine.Options(
        input_format=cfg.input_format,
        outcomes=attached,
        outcomes_file=str(outcomes) if outcomes else "--outcomes",
        on_format=_format_note(quiet, input_format or (None if cfg.input_format == "auto" else cfg.input_format)),
        jobs=jobs,
        # the step-by-step text view reads every event of a trajectory, which workers otherwise do not send back;
        # so does --format otel, for the span ids kept on each event's origin
        whole_events=bool({Format.text, Format.otel} & {output_format, *(fmt for fmt, _ in reports)}),
        step_confidence=Format.text in {output_format, *(fmt for fmt, _ in reports)},  # its sparkline under a header
    )
    sources = _sources(paths, stdin_filename)
    _guard_output(output, sources, outcomes, config_file, baseline)
    for _, path in reports:
        _guard_output(path, sources, outcomes, config_file, baseline)
    sources, beside = _beside(sources, quiet)
    options = replace(options, beside=beside)
    if executor is Executor.ray:
        options = _on_ray(options, sources, cfg, quiet)
    run = engine.Audit(sources, cfg, options)
    origins = _outcome_origins(outcomes, beside)
    progress = _Progress(run.summary) if _wants_progress(quiet, output) else nullcontext()
    with _outputs(output, reports, output_format) as targets, progress:
        matched = _match_count(attached, outcomes)
        items = matched.watch(iter(run)) if matched else run
        items = origins.watch(items) if origins else items
        items = known.filter(items, run.summary) if known else items
        render_many(
            targets, items, run.summary, render, console_for=_view_console, quiet=quiet, only_failures=only_failures,
            context=DEFAULT_CONTEXT if context is None and only_failures else context, fail_on=cfg.fail_on,
        )
    for note in matched.notes(quiet) if matched else ():
        _note(note)
    if origins and not quiet and origins.line():
        _note(origins.line())
    if known and not quiet:
        _note(f"trajaudit: --baseline: {known.new} new findings reported, {known.hidden} known ones left out")
    _finish(run.summary, cfg.fail_on, quiet, output_format, allow_empty)


class ConvertTo(str, Enum):
    native = "native"
    atif = "atif"


@app.command()
def convert(
    paths: List[str] = PATHS,
    input_format: str | None = FROM,
    output_name: str | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE instead of stdout: complete or not at all (written beside it, then renamed). FILE may not "
        "be one of the inputs. With --to atif, DIR/ (a trailing slash, or an existing folder) writes one file per "
        "trajectory.",
    ),
    to: ConvertTo = typer.Option(
        ConvertTo.native,
        "--to",
        help="native: trajaudit events, JSONL. atif: one ATIF-v1.7 document per trajectory, one per line (JSON "
        "Lines); with -o DIR/ (a trailing slash or an existing folder) one DIR/<trajectory_id>.json each, the "
        "one-trajectory-per-file layout Harbor reads.",
    ),
    config_file: Path | None = CONFIG,
    isolated: bool = ISOLATED,
    quiet: bool = QUIET,
    stdin_filename: str | None = STDIN_FILENAME,
) -> None:
    """Convert logs of other tools into the native trajaudit event stream (JSONL on stdout), or into ATIF.

    Every event keeps `origin` (file, line or JSON path) pointing back at its source. Lines that cannot be read are
    reported on stderr with file and line, and the rest is still converted. With --to atif, events that fail the
    event schema are reported and left out, the outcome goes to the document's `extra.outcome`, and fields ATIF has
    no place for to `extra.trajaudit` (see docs/atif.md). Exit codes: 0 converted; 1 some input could not be
    converted; 2 usage or unreadable input.

    Example: trajaudit convert results.json --from tau-bench > run.jsonl; trajaudit convert runs/ --to atif -o atif/
    """
    cfg = _settings(config_file, isolated, input_format)
    output = Path(output_name) if output_name is not None else None
    if to is ConvertTo.atif:
        folder = output_name is not None and (output_name.endswith(("/", os.sep)) or os.path.isdir(output_name))
        _convert_atif(paths, cfg, output, folder, quiet, stdin_filename, config_file)
    fmt = cfg.input_format
    sources = [replace(source, limits=cfg.limits) for source in _sources(paths, stdin_filename)]
    _guard_output(output, sources, config_file)
    problems = unreadable = events = skipped = 0
    note = _format_note(quiet, _explicit(cfg))
    ids = importers.DistinctIds()
    with _output(output) as out:
        write = out.buffer.write if hasattr(out, "buffer") else (lambda b: out.write(b.decode("utf-8")))
        out.flush()
        for source in sources:
            try:
                chosen, stream = importers.open_events(source, fmt)
            except importers.FormatError as exc:
                if source.optional and not isinstance(exc, importers.WrongFormat):  # other JSON in a folder
                    skipped += 1
                    continue
                _note(f"trajaudit: {exc}")
                unreadable += 1
                continue
            if note is not None:
                note(source, chosen)
            for item in ids.wrap(source, chosen, stream):
                if isinstance(item, reader.Malformed):
                    where = item.file + (f":{item.line}" if item.line else "")
                    _note(f"trajaudit: {where}: {item.code} {item.message}")
                    problems += 1
                    unreadable += item.unreadable
                elif isinstance(item, tuple):  # not an `Ended` (open_events leaves those out unless asked)
                    write(safe.dumps(item[1]) + b"\n")
                    events += 1
    for renamed in ids.notes():
        _note(f"trajaudit: {renamed}")
    if not quiet:
        note = f" ({counted(skipped, 'file')} no importer recognises skipped)" if skipped else ""
        _note(f"trajaudit: converted {counted(events, 'event')} from {counted(len(sources) - skipped, 'file')}{note}")
    raise typer.Exit(2 if unreadable else 1 if problems else 0)


def _convert_atif(
    paths: List[str],
    cfg: "Config",
    output: Path | None,
    folder: bool,
    quiet: bool,
    stdin_filename: str | None,
    config_file: Path | None,
) -> NoReturn:
    from trajaudit.exporters import atif

    sources = _sources(paths, stdin_filename)
    if not folder:
        _guard_output(output, sources, config_file)
    options = engine.Options(input_format=cfg.input_format, on_format=_format_note(quiet, _explicit(cfg)))
    run = engine.Audit(sources, _input_checks(cfg), options)
    problems = 0

    def trajectories() -> Iterator:
        nonlocal problems
        for item in run:
            for finding in item.findings if isinstance(item, TrajectoryResult) else (item,):
                where = finding.file + (f":{finding.line}" if finding.line else "")
                _note(f"trajaudit: {where}: {finding.code} {finding.message}")
                problems += 1
            if isinstance(item, TrajectoryResult):
                yield item.trajectory

    if folder:
        assert output is not None
        try:
            written = atif.write_files(trajectories(), output, [s.path for s in sources])
        except report_output.OutputError as exc:  # not a folder, not writable, or an input in the way
            _usage_error(str(exc))
    else:
        with _output(output) as out:
            out.flush()
            binary = getattr(out, "buffer", None)
            if binary is None:  # a text stream without bytes underneath (tests)
                import io

                binary = io.BytesIO()
                written = atif.write_lines(trajectories(), binary)
                out.write(binary.getvalue().decode("utf-8"))
            else:
                written = atif.write_lines(trajectories(), binary)
                binary.flush()
    for problem in run.summary.unreadable:
        _note(f"trajaudit: unreadable input: {problem}", style="red")
    if not quiet:
        skipped = len(run.summary.skipped)
        note = f" ({counted(skipped, 'file')} no importer recognises skipped)" if skipped else ""
        read = counted(run.summary.files - skipped, "file")
        _note(f"trajaudit: wrote {counted(written, 'ATIF trajectory')} from {read}{note}")
    raise typer.Exit(2 if run.summary.unreadable else 1 if problems else 0)


class TableFormat(str, Enum):
    text = "text"
    json = "json"


TABLE_FORMAT = typer.Option(TableFormat.text, "--format", help="text tables or one JSON document.")


@app.command()
def simulate(
    paths: List[str] = PATHS,
    input_format: str | None = FROM,
    output_format: TableFormat = TABLE_FORMAT,
    output: Path | None = OUTPUT,
    window: int = typer.Option(2048, "--window", min=1, help="Tokens per confidence group (sliding window)."),
    step_window: int = typer.Option(
        5, "--step-window", min=1, help="Steps per group when only per-step confidence exists."
    ),
    bottom: float = typer.Option(
        0.1, "--bottom", min=0, max=1, help="Fraction of lowest groups averaged by the bottom score (0 excluded)."
    ),
    keep: List[float] = typer.Option(
        [10.0, 90.0], "--keep", min=0, max=100, help="Offline: keep the top η% of traces by score (0 excluded)."
    ),
    warmup: int = typer.Option(16, "--warmup", min=1, help="Online: warm-up traces per task that set the threshold."),
    online_keep: List[float] = typer.Option(
        [10.0, 90.0], "--online-keep", min=0, max=100, help="Online: 10 = DeepConf-low (strict), 90 = DeepConf-high."
    ),
    online_score: str = typer.Option("lowest_group", "--online-score", help="Warm-up score the threshold is set on."),
    consensus: float | None = typer.Option(
        None, "--consensus", min=0, max=1, help="Online: stop once one answer holds this share (0 excluded)."
    ),
    seed: int = typer.Option(0, "--seed", min=0, max=MAX_SEED, help="Seed of the replay order."),
    bins: int = typer.Option(10, "--bins", min=1, max=MAX_BINS, help="Bins of the score histograms."),
    per_task: bool = typer.Option(True, "--per-task/--no-per-task", help="Text: show the per-task table."),
    config_file: Path | None = CONFIG,
    isolated: bool = ISOLATED,
    quiet: bool = QUIET,
    stdin_filename: str | None = STDIN_FILENAME,
) -> None:
    """Replay confidence-based voting and early stopping (DeepConf) over several traces per task.

    Offline: majority vote vs confidence-weighted vote vs keeping the top η% by each trace score. Online: per
    task, warm-up traces set a threshold; the rest are replayed in a seeded order and stopped at the first window
    below it. Reports accuracy, traces kept, tokens saved, and how well each score separates failed from
    successful traces (AUROC). Exit codes: 0 done; 2 usage or unreadable input.

    Example: trajaudit simulate runs/ --warmup 16 --online-keep 10 --consensus 0.95
    """
    from trajaudit import simulate as simulation
    from trajaudit.report import simulate as simulate_report

    try:
        config = simulation.SimulateConfig(
            window=window,
            step_window=step_window,
            bottom=bottom,
            keep_percents=tuple(keep),
            warmup=warmup,
            online_keep=tuple(online_keep),
            online_score=online_score,
            consensus=consensus,
            seed=seed,
            histogram_bins=bins,
        )
    except ValueError as exc:
        _usage_error(str(exc))
    cfg = _settings(config_file, isolated, input_format)
    run, trajectories = _trajectories(paths, cfg, quiet, output=output, stdin_filename=stdin_filename,
                                      config_file=config_file)
    result = simulation.run(trajectories, config)
    _write_table(output, output_format, simulate_report, result, per_task)
    _finish_collection(run.summary, quiet=quiet)


class StatsFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command()
def stats(
    paths: List[str] = PATHS,
    input_format: str | None = FROM,
    output_format: StatsFormat = typer.Option(
        StatsFormat.text, "--format", help="text tables, one JSON document, or Markdown (a job summary)."
    ),
    output: Path | None = OUTPUT,
    k: List[int] = typer.Option(
        [], "--k", min=1, help="k values for pass@k and pass^k [default: 1 .. trials per task]."
    ),
    max_k: int = typer.Option(8, "--max-k", min=1, help="Largest k shown when --k is not given."),
    bins: int = typer.Option(10, "--bins", min=1, max=MAX_BINS, help="Calibration bins over [0, 1]."),
    confidence: str = typer.Option("auto", "--confidence", help="auto (stated, else derived), stated or derived."),
    outcomes: Path | None = typer.Option(
        None, "--outcomes", metavar="FILE", help="Attach verifier results kept apart from the log (wins over a Harbor "
        "result.json or SWE-bench report.json found beside it)."
    ),
    per_task: bool = typer.Option(True, "--per-task/--no-per-task", help="Text: show the per-task table."),
    compare: List[str] | None = typer.Option(
        None,
        "--compare",
        metavar="PATH",
        help="A reference input to compare with (repeatable), e.g. the same model before RL: pass^1 and the "
        "diversity of action sequences on the tasks both hold, reference → this input. Read with the same --from "
        "and --outcomes.",
    ),
    config_file: Path | None = CONFIG,
    isolated: bool = ISOLATED,
    quiet: bool = QUIET,
    stdin_filename: str | None = STDIN_FILENAME,
) -> None:
    """Reliability statistics: pass@k and pass^k, calibration, per-tool errors, steps and tokens, diversity.

    pass^k follows tau-bench: the mean over tasks of C(c,k)/C(n,k) for n trials with c successes (all k trials
    succeed); pass@k = mean of 1 - C(n-c,k)/C(n,k) (at least one succeeds). Calibration compares stated (or
    logprob-derived) confidence with outcomes: Brier score, ECE and a reliability diagram. Diversity: per task, the
    number of distinct action sequences (tool + normalised arguments, one symbol per message role, as diverge reads
    them), their Shannon entropy in bits and the most common one's share; overall, means over tasks with two runs or
    more. Exit codes: 0 done; 2 usage or unreadable input.

    Example: trajaudit stats results.json --from tau-bench --k 1 --k 2

    Before and after: trajaudit stats after-rl/ --compare before-rl/
    """
    from trajaudit import stats as statistics
    from trajaudit.report import stats as stats_report

    try:
        config = statistics.StatsConfig(ks=tuple(k) or None, max_k=max_k, bins=bins, confidence=confidence)
    except ValueError as exc:
        _usage_error(str(exc))
    cfg = _settings(config_file, isolated, input_format)
    run, trajectories = _trajectories(paths, cfg, quiet, outcomes, output, stdin_filename, config_file)
    result = statistics.compute(trajectories, config)
    summaries = [run.summary]
    if compare:
        reference, others = _trajectories(compare, cfg, quiet, outcomes, output, config_file=config_file)
        result = statistics.compare(result, statistics.compute(others, config), " ".join(compare))
        summaries.append(reference.summary)
    if output_format is StatsFormat.markdown:
        with _output(output) as out:
            out.write(stats_report.to_markdown(result))
    else:
        _write_table(output, TableFormat(output_format.value), stats_report, result, per_task)
    _finish_collection(*summaries, quiet=quiet)


class RunsFormat(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"


RUNS_FORMAT = typer.Option(RunsFormat.text, "--format", help="text (a tree per task), one JSON document, or JSONL.")
RUNS_OUTCOMES = typer.Option(
    None, "--outcomes", metavar="FILE", help="Attach verifier results kept apart from the log (success per run; wins "
    "over a Harbor result.json or SWE-bench report.json found beside it)."
)


@app.command()
def diverge(
    paths: List[str] = PATHS,
    input_format: str | None = FROM,
    output_format: RunsFormat = RUNS_FORMAT,
    output: Path | None = OUTPUT,
    outcomes: Path | None = RUNS_OUTCOMES,
    config_file: Path | None = CONFIG,
    isolated: bool = ISOLATED,
    quiet: bool = QUIET,
    stdin_filename: str | None = STDIN_FILENAME,
) -> None:
    """Where failed runs of a task leave its successful runs: the prefix tree of each task's runs.

    Runs are grouped by task id (any agent, any trial) and read as action sequences (tool + normalised arguments;
    a message is one symbol per role). For each failed run, the divergence step is the first action at which it
    leaves every successful run of its task, with what those runs did there instead; a task with no successful run
    is said to have none. JSONL: one {"type": "divergence", ...} record per run, then a summary. Exit codes: 0 done;
    2 usage or unreadable input.

    Example: trajaudit diverge results/ --from tau-bench --format jsonl -o divergence.jsonl
    """
    from trajaudit import divergence
    from trajaudit.report import diverge as report

    cfg = _settings(config_file, isolated, input_format)
    run, trajectories = _trajectories(paths, cfg, quiet, outcomes, output, stdin_filename, config_file)
    result = divergence.analyse(divergence.collect(trajectories))
    _write_runs(output, output_format, result, report.render_diverge_text, report.diverge_json, report.diverge_lines)
    _finish_collection(run.summary, quiet=quiet)


@app.command()
def rewards(
    paths: List[str] = PATHS,
    input_format: str | None = FROM,
    output_format: RunsFormat = RUNS_FORMAT,
    output: Path | None = OUTPUT,
    outcomes: Path | None = RUNS_OUTCOMES,
    config_file: Path | None = CONFIG,
    isolated: bool = ISOLATED,
    quiet: bool = QUIET,
    stdin_filename: str | None = STDIN_FILENAME,
) -> None:
    """Step values from many runs of each task: dense per-step signals from outcomes, by the task's prefix tree.

    A step's value is the success rate of the runs of its task that share the prefix up to and including its action
    (with the count); its advantage is the value after it minus the value before it (Tree-GRPO-style credit from
    shared prefixes). JSONL: one {"trajectory", "step", "value", "advantage", "runs", ...} per action of every run.
    Text: only the steps whose advantage is not 0. Exit codes: 0 done; 2 usage or unreadable input.

    Example: trajaudit rewards runs/ --outcomes verdicts.jsonl --format jsonl -o step-values.jsonl
    """
    from trajaudit import divergence
    from trajaudit.report import diverge as report

    cfg = _settings(config_file, isolated, input_format)
    run, trajectories = _trajectories(paths, cfg, quiet, outcomes, output, stdin_filename, config_file)
    result = divergence.rewards(divergence.collect(trajectories))
    _write_runs(output, output_format, result, report.render_rewards_text, report.rewards_json, report.rewards_lines)
    _finish_collection(run.summary, quiet=quiet)


@app.command("distill")
def distill_command(
    paths: List[str] = PATHS,
    input_format: str | None = FROM,
    output_format: RunsFormat = typer.Option(
        RunsFormat.text, "--format", help="text (per task: lessons, then demonstrations), one JSON document, or JSONL."
    ),
    output: Path | None = OUTPUT,
    outcomes: Path | None = RUNS_OUTCOMES,
    budget: int | None = typer.Option(
        None,
        "--budget",
        min=1,
        metavar="CHARS",
        help="Keep the JSONL output within CHARS characters (summary line included) to fit a context window. Kept "
        "first: lessons at a divergence step, lessons of runs that stopped early, lessons at a first flagged step, "
        "each task's best demonstration, lessons without a step or action, other demonstrations; round-robin over "
        "tasks; a record that does not fit is dropped whole. json and text show the same records.",
    ),
    config_file: Path | None = CONFIG,
    isolated: bool = ISOLATED,
    quiet: bool = QUIET,
    stdin_filename: str | None = STDIN_FILENAME,
) -> None:
    """Failed runs as short lessons, successful runs as demonstrations, grouped by task.

    A lesson (one per failed run) names its divergence step (see diverge), else where it stopped early, else the first
    step trajaudit's rules flag: the action there, the call's error, the rule codes, and what the successful runs of
    the task did instead; its text is a fixed template filled with log facts. Demonstrations are the successful runs,
    per task the shortest clean run (no error finding) first. Log text is cleaned and cut. JSONL: {"type": "lesson"}
    and {"type": "demonstration"} records, then a summary. Exit codes: 0 done; 2 usage or unreadable input.

    Example: trajaudit distill results/ --from tau-bench --format jsonl --budget 20000 -o distilled.jsonl
    """
    from trajaudit import distill
    from trajaudit.report import distill as report

    cfg = _settings(config_file, isolated, input_format)
    run, results = _results(paths, cfg, quiet, outcomes, output, stdin_filename, config_file)
    result = distill.distill(*distill.gather(results))
    try:
        selection = report.select(result, budget)
    except report.BudgetError as exc:
        _usage_error(str(exc))
    _write_runs(output, output_format, selection, report.render_distill_text, report.distill_json,
                report.distill_lines)
    _finish_collection(run.summary, quiet=quiet)


def _write_runs(output: Path | None, output_format: RunsFormat, result, text, document, lines) -> None:
    from trajaudit.report.diverge import write_lines

    with _output(output) as out:
        if output_format is RunsFormat.json:
            out.write(safe.dumps(document(result), option=orjson.OPT_INDENT_2).decode() + "\n")
        elif output_format is RunsFormat.jsonl:
            write_lines(lines(result), out)
        else:
            text(result, _console(out))


def _trajectories(
    paths: List[str],
    cfg: "Config",
    quiet: bool,
    outcomes: Path | None = None,
    output: Path | None = None,
    stdin_filename: str | None = None,
    config_file: Path | None = None,
):
    """Assembled trajectories for the analysis commands; unreadable lines are noted on stderr, not fatal."""
    run, results = _results(paths, _input_checks(cfg), quiet, outcomes, output, stdin_filename, config_file)
    return run, (result.trajectory for result in results)


def _results(
    paths: List[str],
    rules: "Config",
    quiet: bool,
    outcomes: Path | None,
    output: Path | None,
    stdin_filename: str | None = None,
    config_file: Path | None = None,
):
    """Each trajectory with the findings of `rules` (a configuration: its rules, input format and limits);
    file-level findings (unreadable lines) go to stderr."""
    sources = _sources(paths, stdin_filename)
    _guard_output(output, sources, outcomes, config_file)
    sources, beside = _beside(sources, quiet)
    options = engine.Options(
        input_format=rules.input_format,
        outcomes=_outcomes(outcomes),
        outcomes_file=str(outcomes) if outcomes else "--outcomes",
        beside=beside,
        on_format=_format_note(quiet, _explicit(rules)),
    )
    run = engine.Audit(sources, rules, options)
    origins = _outcome_origins(outcomes, beside)

    def results() -> Iterator[TrajectoryResult]:
        for item in run:
            if isinstance(item, TrajectoryResult):
                if origins:
                    origins.count(item.trajectory)
                yield item
            elif not quiet:
                where = item.file + (f":{item.line}" if item.line else "")
                _note(f"trajaudit: {where}: {item.code} {item.message}")
        if origins and not quiet and origins.line():
            _note(origins.line())

    return run, results()


def _write_table(output: Path | None, output_format: TableFormat, module, result, per_task: bool) -> None:
    with _output(output) as out:
        if output_format is TableFormat.json:
            out.write(safe.dumps(module.to_json(result), option=orjson.OPT_INDENT_2).decode() + "\n")
        else:
            module.render_text(result, _console(out), per_task=per_task)


def _finish_collection(*summaries, quiet: bool) -> None:
    for summary in summaries:
        for note in summary.notes:
            _note(f"trajaudit: {note}")
        for problem in summary.unreadable:
            _note(f"trajaudit: unreadable input: {problem}", style="red")
        if not quiet:
            _note(f"trajaudit: {totals(summary.files, summary.trajectories, summary.steps)}")
    raise typer.Exit(2 if any(summary.unreadable for summary in summaries) else 0)


@app.command("schema")
def schema_command() -> None:
    """Print the trajaudit event schema (JSON Schema 2020-12).

    Example: trajaudit schema > trajaudit-event-v1.schema.json
    """
    sys.stdout.write(schema.schema_text())


class RulesFormat(str, Enum):
    text = "text"
    json = "json"


@app.command("rules")
def rules_command(
    output_format: RulesFormat = typer.Option(RulesFormat.text, "--format", help="text or json."),
) -> None:
    """List the rules: code, name, default severity, summary.

    Example: trajaudit rules
    """
    if output_format is RulesFormat.json:
        data = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.label,
                "summary": r.summary,
                "options": dict(r.options),
            }
            for r in rules.RULES
        ]
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    for rule in rules.RULES:  # one line per rule, never wrapped, so grep and cut work on it
        typer.echo(f"{rule.code}  {rule.name:<30} {rule.severity.label:<8} {rule.summary}")


@app.command("rule")
def rule_command(code: str = typer.Argument(..., help="Rule code (TA201) or name (ignored-tool-error).")) -> None:
    """Print one rule's documentation.

    Example: trajaudit rule TA201
    """
    try:
        rule = rules.lookup(code)
    except KeyError as exc:
        _usage_error(exc.args[0])
    options = "".join(f"\n  {name} = {value!r}" for name, value in rule.options.items())
    header = f"{rule.code} {rule.name} (default severity: {rule.severity.label})"
    from rich.markdown import Markdown

    console = _console(sys.stdout)
    console.print(header, style="bold", markup=False, highlight=False)
    console.print(Markdown(rule.doc.strip()))
    if options:
        console.print(f"\nOptions (set with --option {rule.name}.NAME=VALUE):{options}", markup=False, highlight=False)


# ---------------------------------------------------------------------------------------------------------------
# plumbing shared by the commands


def _check_format(name: str | None) -> None:
    if name is not None and name != importers.AUTO and name not in format_names():
        _usage_error(f"unknown --from format {name!r} (expected auto or one of: {', '.join(format_names())})")


def _sources(paths: List[str], stdin_filename: str | None = None) -> "List[Source]":
    if stdin_filename is not None:
        if reader.STDIN not in paths:
            _usage_error("--stdin-filename names standard input: pass - among the paths")
        if not stdin_filename.strip() or stdin_filename == reader.STDIN:
            _usage_error(f"--stdin-filename {stdin_filename!r}: expected a file name")
    try:
        found = list(reader.discover(paths, stdin_filename))
    except reader.InputError as exc:
        _usage_error(str(exc))
    sources = _read_once(found)
    if len(sources) < 2:
        return sources
    return importers.otel.paired(sources)  # an OTLP log file given beside its trace file: read with it


def _read_once(sources: "List[Source]") -> "List[Source]":
    """Each file once, however often it is named or found (`x.json ./x.json`, a folder and a file in it, a hard
    link): read twice, its trajectories would be counted twice or, renamed apart, as two runs."""
    seen: dict[object, str] = {}
    kept = []
    for source in sources:
        if source.remote is not None:  # an object in a store: its URI names it (`s3://b/p/ s3://b/p/x.json`)
            if source.name in seen:
                _note(f"trajaudit: {source.name}: named twice, read once")
                continue
            seen[source.name] = source.name
        elif source.path is not None and source.problem is None and source.note is None:
            try:
                status = source.path.stat()
            except OSError:
                kept.append(source)  # reported when it is read
                continue
            key = (status.st_dev, status.st_ino)
            if key in seen:
                _note(f"trajaudit: {source.name}: the same file as {seen[key]}, read once")
                continue
            seen[key] = source.name
        kept.append(source)
    return kept


def _settings(config_file: Path | None, isolated: bool, input_format: str | None) -> "Config":
    """The configuration (file, or defaults with --isolated) with --from over its input format: what every command
    that reads logs takes its input format and limits from (and audit and distill their rules)."""
    _check_format(input_format)
    try:
        cfg = _config(config_file, isolated).with_flags(input_format=input_format)
    except config_module.ConfigError as exc:  # a file's `from` is checked when it is loaded
        _usage_error(str(exc))
    return cfg


def _explicit(cfg: "Config") -> str | None:
    """The input format the user named (--from or the file), None for auto-detection."""
    return None if cfg.input_format == importers.AUTO else cfg.input_format


def _input_checks(cfg: "Config") -> "Config":
    """Only the input checks (TA001, TA002) of a configuration, with its input format and limits: for the commands
    that read runs without judging them."""
    return config_module.Config(select=("TA001", "TA002"), input_format=cfg.input_format, limits=cfg.limits,
                                origin=cfg.origin)


def _config(config_file: Path | None, isolated: bool) -> "Config":
    try:
        if isolated:
            return config_module.Config()
        path = config_file if config_file is not None else config_module.find_config_file(Path.cwd())
        return config_module.load(path)
    except config_module.ConfigError as exc:
        _usage_error(str(exc))


def _outcomes(path: Path | None):
    if path is None:
        return {}
    from trajaudit.outcomes import OutcomesError, load_outcomes

    try:
        return load_outcomes(path)
    except OutcomesError as exc:
        _usage_error(str(exc))


def _baseline(path: Path | None):
    if path is None:
        return None
    from trajaudit.report.baseline import Baseline, BaselineError, load

    try:
        return Baseline(load(path))
    except BaselineError as exc:
        _usage_error(str(exc))


def _beside(sources: "List[Source]", quiet: bool) -> "tuple[List[Source], dict]":
    """Outcomes found next to the logs where their format keeps them (trajaudit.outcomes.find_beside). The files
    they came from are verdicts, not logs: a folder scan leaves them out instead of listing them as skipped."""
    from trajaudit.outcomes import find_beside

    beside, notes = find_beside(sources)
    if not quiet:
        for note in notes:
            _note(f"trajaudit: {note}")
    used = {found.file for found in beside.values()}
    return [s for s in sources if not (s.optional and s.name in used)], beside


def _outcome_origins(outcomes: Path | None, beside: dict):
    """The counter behind `outcomes: N from ... beside the logs, M from --outcomes FILE, ...` on stderr, when any
    outcome is kept apart from the logs."""
    from trajaudit.outcomes import OutcomeSources

    return OutcomeSources() if outcomes is not None or beside else None


def _match_count(attached, path: Path | None):
    from trajaudit.outcomes import MatchCount

    return MatchCount(attached, str(path)) if path is not None else None


def _note(text: str, style: str | None = None) -> None:
    """One line on stderr. Notes quote file names, archive members and log text: cleaned (see report.safe) so they
    cannot drive the terminal or a CI log, and never read as rich markup or emoji codes. A line without colour is
    written as rich would write it (one_line leaves no tab for rich to expand), without importing rich."""
    line = safe.one_line(text)
    if stderr is None and (style is None or not _stderr_is_terminal()):
        sys.stderr.write(line + "\n")
        return
    _stderr().print(line, markup=False, highlight=False, emoji=False, style=style)


def _stderr() -> "Console":
    global stderr
    if stderr is None:
        from rich.console import Console

        stderr = Console(stderr=True, highlight=False, soft_wrap=True)
    return stderr


def _stderr_is_terminal() -> bool:
    """rich's Console.is_terminal for stderr (TTY_COMPATIBLE, FORCE_COLOR, else isatty), without importing rich."""
    if stderr is not None:
        return stderr.is_terminal
    tty_compatible = os.environ.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "1"
    force_color = os.environ.get("FORCE_COLOR")
    if force_color is not None:
        return force_color != ""
    try:
        return sys.stderr.isatty()
    except ValueError:  # closed
        return False


def _on_ray(
    options: "engine.Options", sources: "list[Source]", cfg: "config_module.Config", quiet: bool
) -> "engine.Options":
    """`options` with the parts of the run sent to Ray Data (`trajaudit.ray_executor`), unless the input is one part
    or a rule across runs (TA401) is on: it needs every run in one process, so the run stays here, and a note says
    so; exit 2 when Ray is not installed or its cluster cannot be reached."""
    from trajaudit import ray_executor

    across = [active.rule.code for active in cfg.active_rules() if active.rule.check_runs is not None]
    if across:
        if not quiet:
            _note(f"trajaudit: {', '.join(across)} compares the runs of each task in one process: "
                  "this run stays on this machine, not on Ray")
        return options
    try:
        return ray_executor.prepare(options, sources)  # type: ignore[no-any-return]
    except (ray_executor.RayMissing, ray_executor.RayUnreachable) as exc:
        _usage_error(str(exc))


def _usage_error(message: str) -> NoReturn:
    _note(f"trajaudit: error: {message}")
    raise typer.Exit(2)


def _format_note(quiet: bool, explicit: str | None):
    if quiet or (explicit and explicit != "auto"):
        return None

    announced: set[str] = set()

    def note(source: "Source", fmt: str) -> None:
        # Once per format, not per file: a folder of 500 trajectories must not print 500 lines.
        if fmt != "native" and fmt not in announced:
            announced.add(fmt)
            _note(f"trajaudit: reading {fmt} logs (first: {source.name})", style="dim")

    return note


def _view_console(out: IO[str]) -> "Console":
    """The console of `audit`'s and `validate`'s text view, which prints `Text` objects and plain strings of our own
    and no markup: rich would parse every plain string (a table's cells, its title) for markup and emoji codes,
    loading its emoji table on the way (35 M instructions, 6 % of a one-line audit)."""
    return _console(out, markup=False)


def _console(out: IO[str], markup: bool = True) -> "Console":
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich would exit 1, the findings code: pass the closed pipe on, to leave as SIGPIPE (see execute)
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    is_stdout = out is sys.stdout
    terminal = is_stdout and out.isatty()  # its size is asked at every print, to follow a resized window
    lines = os.environ.get("LINES", "")
    return _Console(
        file=out,
        highlight=False,
        markup=markup,
        emoji=markup,
        soft_wrap=False,
        width=None if terminal else int(os.environ.get("COLUMNS", "120") or 120),
        # with a width, a height too: rich would otherwise ask the terminal for its height at every print (nothing
        # printed here depends on it), a system call and an environment lookup for each of thousands of lines
        height=None if terminal else int(lines) if lines.isdigit() else 25,
        force_terminal=None if is_stdout else False,
        no_color=None if is_stdout else True,
    )


PROGRESS_DELAY = 1.0  # seconds: a run that ends sooner shows no progress at all


def _wants_progress(quiet: bool, output: Path | None) -> bool:
    """Progress on stderr only for a person watching it (a terminal), in any output format, never with --quiet;
    not while the report itself streams to that terminal (it is the progress then, and a live line would tear it)."""
    if quiet or not _stderr_is_terminal() or not _stderr_is_watched():
        return False
    return output is not None or not sys.stdout.isatty()


def _stderr_is_watched() -> bool:
    """Whether stderr is a terminal a person watches: rich's TTY_INTERACTIVE when it is 0 or 1, else a real terminal
    that is not a dumb one. Not FORCE_COLOR or TTY_COMPATIBLE, which ask for colour: CI jobs set them to colour their
    logs, where each redraw of a live line would be kept as a line of its own."""
    tty_interactive = os.environ.get("TTY_INTERACTIVE", "")
    if tty_interactive in ("0", "1"):
        return tty_interactive == "1"
    if os.environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return False
    try:
        return sys.stderr.isatty()
    except ValueError:  # closed
        return False


class _Progress:
    """A transient progress line on stderr (files, MB, trajectories, lines) that appears only once the run has
    lasted PROGRESS_DELAY. It is drawn by rich's own refresh thread, a few times a second, from the run's summary
    counters: the per-line loop does no work for it at all."""

    def __init__(self, summary, console: "Console | None" = None, delay: float | None = None) -> None:
        self._summary = summary
        self._console = console
        self._lock = threading.Lock()
        self._closed = False
        self._live: Any = None
        self.started = threading.Event()
        self._timer = threading.Timer(PROGRESS_DELAY if delay is None else delay, self._start)
        self._timer.daemon = True

    def __enter__(self) -> "_Progress":
        self._start_time = time.monotonic()
        self._timer.start()
        return self

    def _start(self) -> None:
        from rich.live import Live

        with self._lock:
            if self._closed:
                return
            self._live = Live(
                _ProgressLine(self), console=self._console or _stderr(), transient=True, refresh_per_second=4,
                redirect_stdout=False, redirect_stderr=False,
            )
            self._live.start()
            self.started.set()

    def line(self) -> str:
        s = self._summary
        elapsed = time.monotonic() - self._start_time
        return (
            f"trajaudit: {counted(s.files, 'file')}, {s.bytes / 1e6:.1f} MB, {counted(s.trajectories, 'trajectory')}, "
            f"{counted(s.lines, 'line')} ({elapsed:.0f}s)"
        )

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._closed = True
            self._timer.cancel()
            if self._live is not None:
                self._live.stop()


class _ProgressLine:
    def __init__(self, progress: _Progress) -> None:
        self._progress = progress

    def __rich__(self) -> str:
        from rich.text import Text

        return Text(self._progress.line(), style="dim")  # type: ignore[return-value]


def _guard_output(output: Path | None, sources: "List[Source]", *files: Path | None) -> None:
    """Refuse, before anything is read, an --output that is one of the inputs (logs, --outcomes, --config)."""
    if output is None:
        return
    try:
        report_output.check_not_input(output, [s.path for s in sources] + [f for f in files if f is not None])
    except report_output.OutputError as exc:
        _usage_error(str(exc))


def _reports(specs: List[str] | None, output: Path | None) -> list[tuple[Format, Path]]:
    """--report FORMAT=FILE values, checked before anything is read: a known format, and each FILE named once."""
    reports: list[tuple[Format, Path]] = []
    for spec in specs or ():
        name, sep, file = spec.partition("=")
        if not sep or not file:
            _usage_error(f"--report {spec!r}: expected FORMAT=FILE, e.g. sarif=trajaudit.sarif")
        try:
            fmt = Format(name.strip().lower())
        except ValueError:
            _usage_error(f"--report {spec!r}: unknown format {name!r} (expected one of: {', '.join(FORMATS)})")
        reports.append((fmt, Path(file)))
    targets = [p for _, p in reports] + ([output] if output is not None else [])
    seen: set[str] = set()
    for target in targets:
        key = os.path.abspath(target)
        if key in seen:
            _usage_error(f"{target} is named twice in --report / --output: each report needs its own file")
        seen.add(key)
    return reports


@contextmanager
def _outputs(
    output: Path | None, reports: list[tuple[Format, Path]], output_format: Format
) -> Iterator[list[tuple[Format, IO[str]]]]:
    """The main report (stdout or -o) and each --report file, all complete or none replaced."""
    with ExitStack() as stack:
        targets = [(output_format, stack.enter_context(_output(output)))]
        targets += [(fmt, stack.enter_context(_output(path))) for fmt, path in reports]
        yield targets


@contextmanager
def _output(path: Path | None) -> Iterator[IO[str]]:
    """stdout as it streams, or FILE replaced only once the report is complete (see report.output)."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    try:
        with report_output.atomic(path) as handle:
            yield handle
            if _TERMINATED:  # SIGTERM came and its exception was lost on the way: no report replaced, as promised
                raise Terminated(_TERMINATED[0])
    except report_output.OutputError as exc:
        _usage_error(str(exc))


def _finish(summary, fail_on, quiet: bool, output_format: Format, allow_empty: bool = False) -> None:
    for problem in summary.internal_errors:
        _note(f"trajaudit: {problem}", style="red")
    if summary.skipped and not quiet:
        shown = ", ".join(summary.skipped[:3]) + (
            f" and {len(summary.skipped) - 3} more" if len(summary.skipped) > 3 else ""
        )
        _note(f"trajaudit: skipped {counted(len(summary.skipped), 'file')} no importer recognises: {shown}",
              style="dim")
    for note in summary.notes:  # even with --quiet: input left unaudited must never pass in silence
        _note(f"trajaudit: {note}")
    for problem in summary.unreadable:
        _note(f"trajaudit: unreadable input: {problem}", style="red")
    code = engine.exit_code(summary, fail_on)
    if not quiet and output_format is not Format.text:
        counts = ", ".join(counted(n, label) for label, n in sorted(summary.findings_by_severity.items()))
        _note(f"trajaudit: {totals(summary.files, summary.trajectories, summary.steps)}: {counts or 'no findings'}")
    if code == 0 and not allow_empty and _nothing_audited(summary):
        # even with --quiet: this is why the exit code is not 0
        skipped = f", {len(summary.skipped)} skipped" if summary.skipped else ""
        _note(
            f"trajaudit: error: nothing audited ({counted(summary.files, 'file')}{skipped}, no trajectory, "
            "no finding); pass --allow-empty if that is expected",
            style="red",
        )
        code = EXIT_EMPTY
    raise typer.Exit(code)


def _nothing_audited(summary) -> bool:
    return not summary.trajectories and not summary.steps and not any(summary.findings_by_severity.values())


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that worker processes are stopped and no partial report is left."""


_TERMINATED: list[int] = []  # SIGTERM arrived while `execute` ran (see there)


def _terminate(signum: int, frame: object) -> None:
    _TERMINATED.append(signum)
    raise Terminated(signum)


def _app_for(args: List[str]) -> typer.Typer:
    """The app with only the command `args` name, when they start with one: typer turns every command's signature
    into click parameters at each start, and the ten a run does not use cost 21 M instructions (4 % of a one-line
    audit). The command parses and runs as in the whole app; anything else (`--help`, a misspelt command, shell
    completion, which runs with no arguments) gets the whole app."""
    commands = {typer.main.get_command_name(c.name or c.callback.__name__): c
                for c in app.registered_commands if c.callback is not None}
    if not args or args[0] not in commands:
        return app
    lean = copy.copy(app)
    lean.registered_commands = [commands[args[0]]]
    return lean


def execute() -> int:
    """Run the command line and return its exit code: a crash is 2 with a one-line reason, never 1 (findings);
    SIGTERM is 143 once workers are stopped and temporary output removed; a closed stdout pipe is 141 (SIGPIPE).

    The signal's exception is raised wherever the main thread is, which may be inside code that turns it into
    another (an import in a PyO3 extension makes it a PanicException) or swallows it (a destructor): once SIGTERM has
    arrived, whatever ends the command ends it as terminated."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    code: int | None = None
    try:
        code = _run()
    except BaseException:
        if not _TERMINATED:
            raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        terminated = bool(_TERMINATED)
        _TERMINATED.clear()  # this run's: a later one in the same process (tests) starts afresh
    if terminated and code != EXIT_TERMINATED:  # it arrived where it was wrapped or lost, not where `_run` sees it
        _note("trajaudit: terminated")
        return EXIT_TERMINATED
    assert code is not None
    return code


def _run() -> int:
    """`execute`'s command, its exceptions turned into exit codes."""
    streams = sys.stdout, sys.stderr
    try:
        _app_for(sys.argv[1:])(prog_name="trajaudit")
    except SystemExit as exc:
        if sys.stdout is not streams[0]:
            # click met EPIPE (the reader of stdout went away), wrapped the streams so later flushes stay quiet, and
            # exited 1, the findings code; say SIGPIPE, as Unix tools do
            sys.stdout, sys.stderr = streams
            return EXIT_PIPE
        return _exit_code(exc.code)
    except BrokenPipeError:  # outside click's handling (e.g. a final flush)
        return EXIT_PIPE
    except KeyboardInterrupt:
        _note("trajaudit: interrupted")
        return 130
    except Terminated:
        _note("trajaudit: terminated")
        return EXIT_TERMINATED
    except parallel.WorkerLost as exc:  # (only a run cut into parts imports parallel; this names it on failure)
        _note(f"trajaudit: error: {exc}")
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence; details with TRAJAUDIT_DEBUG=1
        if os.environ.get("TRAJAUDIT_DEBUG") or _TERMINATED:  # (SIGTERM wrapped: `execute` says terminated)
            raise
        _note(f"trajaudit: internal error: {type(exc).__name__}: {exc} (set TRAJAUDIT_DEBUG=1 for the traceback)")
        return 2
    return 0


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # what sys.exit("message") does
    return 1


def run() -> None:
    """Run the command line and leave with its exit code (see `entry.leave`). The `trajaudit` command starts in
    `trajaudit.entry.main`, which answers `--version` before this module (and typer) is imported."""
    from trajaudit.entry import leave

    leave(execute())


__all__ = ["app", "execute", "run", "FORMATS"]
