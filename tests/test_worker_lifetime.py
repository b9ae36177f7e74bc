"""Worker processes never outlive the command: SIGKILL or SIGTERM to it during `audit -j 4` leaves no worker.

Each run writes more report than a pipe holds to a stdout nobody reads, so the command blocks while its workers
exist, however fast the machine: no timing is assumed. Waits are bounded (a regression fails, never hangs).
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.deadline import deadline
from trajaudit import cli, parallel
from trajaudit.model import Summary
from trajaudit.reader import discover

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc"),
    pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork"),
]
ROOT = Path(__file__).resolve().parent.parent
WAIT = 20.0


def failing_log(path: Path, trajectories: int = 1500) -> Path:
    """About 1 MB of input whose jsonl report (~1 MB) is far more than a pipe buffer."""
    lines = []
    for i in range(trajectories):
        tid = f"t{i}"
        lines += [
            {"trajectory": tid, "step": 0, "kind": "tool_call", "call_id": "c1", "tool": "t", "arguments": {}},
            {"trajectory": tid, "step": 1, "kind": "tool_result", "call_id": "c1", "ok": False, "output": "boom"},
            {"trajectory": tid, "step": 2, "kind": "message", "role": "assistant", "text": "All done!"},
        ]
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    if path.name.endswith(".gz"):
        data = gzip.compress(data, compresslevel=1)
    path.write_bytes(data)
    return path


def failing_folder(path: Path, files: int = 40, runs: int = 40) -> Path:
    """A folder of OpenAI chat logs (spread over a pool of workers, see parallel.plan) with a report far over a pipe
    buffer: every run claims success after a failed call."""
    path.mkdir()
    chat = {"messages": [
        {"role": "user", "content": "delete the file"},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "c1", "function": {"name": "rm", "arguments": '{"path": "a"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "Error: permission denied"},
        {"role": "assistant", "content": "All done! The file has been deleted."},
    ]}
    for n in range(files):
        (path / f"chats{n:03d}.jsonl").write_text("".join(json.dumps(chat) + "\n" for _ in range(runs)))
    return path


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has ended; whoever adopted it reaps it when it likes


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"gave up after {WAIT} s waiting for {what}")


def reap(pids) -> None:
    """Kill workers a regression left behind (orphans of this test): the test fails, the machine stays clean."""
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def start(log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "trajaudit", "audit", str(log), "-j", "4", "--format", "jsonl", "--isolated"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


# the byte ranges of one native log, and the files of a folder: both parts on a pool (parallel.execute)
@pytest.mark.parametrize("name", ["big.jsonl", "folder"])
def test_sigkill_of_the_parent_leaves_no_worker(tmp_path, name):
    log = failing_folder(tmp_path / name) if name == "folder" else failing_log(tmp_path / name)
    process = start(log)
    workers: set[int] = set()
    try:
        workers = wait_for(lambda: children(process.pid) if len(children(process.pid)) >= 3 else None, "workers")
        process.kill()
        process.wait(timeout=WAIT)
        wait_for(lambda: not any(alive(pid) for pid in workers), f"workers {sorted(workers)} to end")
    finally:
        process.kill()
        process.stdout.close()
        reap(workers)


def test_sigterm_stops_the_workers_and_exits_143(tmp_path):
    process = start(failing_log(tmp_path / "big.jsonl"))
    workers: set[int] = set()
    try:
        workers = wait_for(lambda: children(process.pid) if len(children(process.pid)) >= 3 else None, "workers")
        process.terminate()
        out, _ = process.communicate(timeout=WAIT)  # reading lets it finish what it was writing
        assert process.returncode == 128 + signal.SIGTERM
        wait_for(lambda: not any(alive(pid) for pid in workers), f"workers {sorted(workers)} to end")
    finally:
        process.kill()
        reap(workers)


def test_a_worker_notices_a_dead_parent_without_prctl(tmp_path):
    """The fallback for systems without PR_SET_PDEATHSIG (and workers forked off the main thread): a worker whose
    parent dies while it is busy ends within a few polls."""
    script = """
import os, sys, threading, time
from trajaudit import parallel
me = os.getpid()
def busy(part):
    if os.getpid() != me:  # this process runs a part too (part 0): only the worker says who it is
        open(sys.argv[1] + ".tmp", "w").write(str(os.getpid()))
        os.replace(sys.argv[1] + ".tmp", sys.argv[1])
    time.sleep(60)
    yield from ()
def run_pool():  # from another thread: no prctl, as on other systems
    for _ in parallel.execute([parallel.Part(0, (0,)), parallel.Part(1, (0,))], busy, 2):
        pass
threading.Thread(target=run_pool, daemon=True).start()
while not os.path.exists(sys.argv[1]):  # (a worker forked while this thread reads stdin would block closing it)
    time.sleep(0.01)
print("started", flush=True)
sys.stdin.read()
"""
    parent = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "running")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    worker = 0
    marker = tmp_path / "running"
    try:
        parent.stdout.readline()
        wait_for(lambda: marker.exists() and marker.read_text(), "a worker to run")
        worker = int(marker.read_text())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=WAIT)
        wait_for(lambda: not alive(worker), f"worker {worker} to end")
    finally:
        parent.kill()
        parent.stdin.close()
        parent.stdout.close()
        reap([worker] if worker else [])


def test_sigterm_leaves_no_partial_report(tmp_path, monkeypatch):
    """In-process: SIGTERM while the report is being written removes the temporary file, keeps the old report."""
    log = failing_log(tmp_path / "in.jsonl", trajectories=3)
    report = tmp_path / "out" / "report.jsonl"
    report.parent.mkdir()
    report.write_text("previous\n")
    real = cli.render

    def render_then_terminated(*args, **kwargs):
        real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(cli, "render", render_then_terminated)
    monkeypatch.setattr(sys, "argv", ["trajaudit", "audit", str(log), "--format", "jsonl", "-o", str(report)])
    ours = []

    def outer(signum, frame):  # what catches the signal if execute() did not (so a regression cannot kill pytest)
        ours.append(signum)

    before = signal.signal(signal.SIGTERM, outer)
    try:
        code = cli.execute()
        assert signal.getsignal(signal.SIGTERM) is outer  # execute() put it back
    finally:
        signal.signal(signal.SIGTERM, before)
    assert code == 128 + signal.SIGTERM and not ours
    assert report.read_text() == "previous\n" and os.listdir(report.parent) == ["report.jsonl"]


def _pieces(part):
    yield parallel.Piece(part.files[0], part.index, None, (), [], Summary())


def test_a_killed_runs_spill_folder_is_removed_by_the_next_cut_run(tmp_path, monkeypatch):
    """SIGKILL (or the OOM killer) leaves a run's spill folder behind: the next run cut into parts removes the
    folders of this user's dead runs that are old enough, and nothing else."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    old = time.time() - parallel.STALE_SPILLS - 60

    def folder(name: str, mtime: float) -> Path:
        path = tmp_path / name
        path.mkdir()
        (path / "part0").write_bytes(b"pickled pieces")
        os.utime(path, (mtime, mtime))
        return path

    killed = folder(f"{parallel.SPILL_PREFIX}{dead.pid}-abc", old)
    recent = folder(f"{parallel.SPILL_PREFIX}{dead.pid}-def", time.time())  # perhaps a live run in another pid space
    live = folder(f"{parallel.SPILL_PREFIX}{os.getpid()}-ghi", old)
    other = folder("trajaudit-something-else", old)
    parts = [parallel.Part(0, (0,)), parallel.Part(1, (0,))]
    assert [piece.part for piece in parallel.execute(parts, _pieces, 2)] == [0, 1]
    assert not killed.exists()
    assert recent.exists() and live.exists() and other.exists()
    assert {path.name for path in tmp_path.iterdir()} == {recent.name, live.name, other.name}  # its own: removed


def _dies_on_part_one(part):
    if part.index == 1:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    yield parallel.Piece(part.files[0], part.index, None, (), [], Summary())


def test_a_worker_killed_mid_part_fails_the_run_instead_of_hanging():
    """A pool that replaces a killed worker would wait for its part for ever (multiprocessing.Pool does)."""
    parts = [parallel.Part(index, (0,)) for index in range(4)]
    pieces = parallel.execute(parts, _dies_on_part_one, 2)
    with deadline(int(WAIT)), pytest.raises(parallel.WorkerLost, match="out-of-memory killer"):
        for _ in pieces:
            pass


def test_the_cli_says_a_worker_was_lost_and_exits_2(tmp_path, monkeypatch, capsys):
    from trajaudit import engine

    log = failing_log(tmp_path / "in.jsonl", trajectories=3000)
    report = tmp_path / "report.jsonl"
    real = engine.Audit.run_part

    def run_part(self, part):
        if part.index == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, part)

    monkeypatch.setattr(engine.Audit, "run_part", run_part)
    monkeypatch.setattr(sys, "argv", ["trajaudit", "audit", str(log), "-j2", "--format", "jsonl", "-o", str(report)])
    assert len(parallel.plan(list(discover([str(log)])), "auto", 2)) > 1
    with deadline(int(WAIT)):
        assert cli.execute() == 2
    assert "a worker process ended before finishing its part" in capsys.readouterr().err
    assert not report.exists()  # -o: complete or not at all


def test_no_part_waits_queued_behind_a_busy_worker(tmp_path):
    """With -jN this process is one of the N: it runs part 0 and, while the one worker is held on part 1, every later
    part: none was queued on the worker (an executor queues one more per worker, which would leave this process idle
    at the end of every run), and the part waited on stays the worker's. Pieces still come in plan order. The wait is
    bounded: a regression fails, never hangs."""
    me = os.getpid()

    def work(part):
        if os.getpid() == me:
            (tmp_path / f"here{part.index}").touch()
        if part.index == 1:
            stop = time.monotonic() + WAIT
            while len(list(tmp_path.iterdir())) < 5 and time.monotonic() < stop:
                time.sleep(0.01)
        yield parallel.Piece(part.files[0], part.index, None, (str(os.getpid()),), [], Summary())

    parts = [parallel.Part(index, (0,)) for index in range(6)]
    with deadline(int(WAIT) + 10):
        pieces = list(parallel.execute(parts, work, 2))
    assert [piece.part for piece in pieces] == list(range(6))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["here0", "here2", "here3", "here4", "here5"]


def _terminated_run(tmp_path, monkeypatch, after_signal) -> int:
    """`audit -o` in-process, SIGTERM sent to itself once the report is rendered, inside code that handles the
    signal's exception as `after_signal` does; the exit code."""
    log = failing_log(tmp_path / "in.jsonl", trajectories=3)
    real = cli.render

    def render_then_signal(*args, **kwargs):
        real(*args, **kwargs)
        try:
            os.kill(os.getpid(), signal.SIGTERM)
        except cli.Terminated as exc:
            after_signal(exc)

    monkeypatch.setattr(cli, "render", render_then_signal)
    monkeypatch.setattr(sys, "argv", ["trajaudit", "audit", str(log), "--format", "jsonl",
                                      "-o", str(tmp_path / "report.jsonl")])
    before = signal.signal(signal.SIGTERM, lambda signum, frame: None)  # a regression cannot kill pytest
    try:
        return cli.execute()
    finally:
        signal.signal(signal.SIGTERM, before)


class _Panic(BaseException):
    """What PyO3 makes of an exception raised while an extension initialises (pyo3_runtime.PanicException)."""


def _wrapped_in_panic(exc):
    raise _Panic(f"failed to import: {exc!r}")


def _wrapped_in_runtime_error(exc):
    raise RuntimeError("callback failed") from exc


def _swallowed(exc):  # as a destructor's exception is ("Exception ignored in ...")
    pass


@pytest.mark.parametrize("after_signal", [_wrapped_in_panic, _wrapped_in_runtime_error, _swallowed])
def test_sigterm_exits_143_whatever_the_code_it_interrupted_made_of_it(tmp_path, monkeypatch, capsys, after_signal):
    (tmp_path / "report.jsonl").write_text("previous\n")
    code = _terminated_run(tmp_path, monkeypatch, after_signal)
    err = capsys.readouterr().err
    assert code == 128 + signal.SIGTERM
    assert (tmp_path / "report.jsonl").read_text() == "previous\n"  # -o: not replaced, however the run ended
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl", "report.jsonl"]
    assert err.count("trajaudit: terminated") == 1 and "internal error" not in err and "Traceback" not in err
    assert not cli._TERMINATED  # a later run in this process (CliRunner's, which skip execute()) is not terminated


def test_sigterm_while_jsonschema_rs_imports_exits_143(tmp_path):
    """The case met in CI: SIGTERM while the parent imported jsonschema-rs, whose PyO3 initialisation turned the
    signal's exception into a PanicException (exit 1, with a Python traceback). The signal is sent here as the
    extension imports `decimal`, as it does while it initialises: held until the import is over (`schema`), it is
    delivered in our code, and Rust never sees it (no panic message on stderr)."""
    log = tmp_path / "one.jsonl"
    log.write_text('{"trajectory": "t", "step": 0, "kind": "task", "goal": "g"}\n')
    script = """
import os, signal, sys
class SignalOnDecimal:
    def find_spec(self, name, path=None, target=None):
        if name == "decimal":
            os.kill(os.getpid(), signal.SIGTERM)
        return None
assert "jsonschema_rs" not in sys.modules and "decimal" not in sys.modules
sys.meta_path.insert(0, SignalOnDecimal())
from trajaudit import cli
sys.argv = ["trajaudit", "audit", sys.argv[1], "--format", "jsonl", "--isolated"]
print(cli.execute())
"""
    done = subprocess.run([sys.executable, "-c", script, str(log)], capture_output=True, text=True, timeout=WAIT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == str(128 + signal.SIGTERM), done.stderr
    assert done.stderr.strip() == "trajaudit: terminated"
