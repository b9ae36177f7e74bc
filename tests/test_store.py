"""`audit s3://bucket/prefix/`: files in an object store read as the same files in a local folder, byte for byte.

A real S3 API on loopback (moto's server on 127.0.0.1, a free port), read through pyarrow's S3 filesystem exactly as
a bucket would be: credentials and endpoint from the standard AWS variables. Skipped when moto or pyarrow is not
installed (`pip install -e ".[test,store]"`); the missing-pyarrow error is tested everywhere."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from trajaudit import parallel, store
from trajaudit.cli import app
from trajaudit.reader import discover

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "importers"
BUCKET = "rollouts"


@pytest.fixture(scope="module")
def s3():
    """A moto S3 server on 127.0.0.1 and the AWS environment pointing at it; yields a pyarrow client for uploads.

    The metadata service is switched off so that nothing looks for credentials beyond loopback."""
    fs = pytest.importorskip("pyarrow.fs")
    moto_server = pytest.importorskip("moto.server")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    environment = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
            patch.delenv(name, raising=False)
        resolved = fs.FileSystem.from_uri(f"s3://{BUCKET}/")[0].__reduce__()[1][0].get("endpoint_override") or ""
        if f"{host}:{port}" not in resolved:  # fail closed: never let a test reach a real bucket
            pytest.skip(f"this pyarrow does not take the endpoint from AWS_ENDPOINT_URL (got {resolved!r})")
        client = fs.S3FileSystem(
            access_key="testing", secret_key="testing", region="us-east-1", scheme="http",
            endpoint_override=f"{host}:{port}", allow_bucket_creation=True,
        )
        client.create_dir(BUCKET)
        client.create_dir("empty-bucket")
        yield client
    server.stop()


def _upload(client, folder: Path, prefix: str) -> str:
    """Every file under `folder` to s3://BUCKET/prefix/..., same relative names; the prefix's URI."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            key = f"{BUCKET}/{prefix}/{path.relative_to(folder).as_posix()}"
            with client.open_output_stream(key, compression=None) as out:  # as is: no gzip for a .gz name
                out.write(path.read_bytes())
    return f"s3://{BUCKET}/{prefix}"


def _mixed_folder(root: Path) -> Path:
    """Every whole-file format (ids repeated across files, renamed FILE/ID), an Inspect .eval zip, a file no
    importer recognises, a gzip log, a subfolder, and a name that sorts differently as a path than as a string."""
    root.mkdir()
    for n in range(3):
        shutil.copy(FIXTURES / "tau_bench.json", root / f"agent{n}.json")
    for name in ("tau2.json", "demo__widget-3.traj", "history_only.traj", "mini.traj.json", "inspect.json"):
        shutil.copy(FIXTURES / name, root / name)
    (root / "log.eval").write_bytes(_eval_zip(json.loads((FIXTURES / "inspect.json").read_text())))
    (root / "sub").mkdir()
    for name in ("atif.json", "otel.json", "unknown.json", "deepconf_qid7_rid0_answer_token_conf.json"):
        shutil.copy(FIXTURES / name, root / "sub" / name)
    (root / "sub.json").write_bytes((FIXTURES / "tau_bench.json").read_bytes())  # after sub/ as paths sort
    (root / "notes.txt").write_text("not a log: never listed\n")
    return root


def _eval_zip(doc: dict) -> bytes:
    """An Inspect `.eval` log (a zip: header.json and samples/*.json) holding the samples of a JSON log."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.json", json.dumps({k: v for k, v in doc.items() if k != "samples"}))
        for n, sample in enumerate(doc.get("samples", [])):
            archive.writestr(f"samples/{n}_epoch_1.json", json.dumps(sample))
    return buffer.getvalue()


def _native_folder(root: Path) -> Path:
    shutil.copytree(ROOT / "sample_traces", root)
    (root / "more").mkdir()
    shutil.copy(FIXTURES / "native.jsonl", root / "more" / "native.jsonl")
    return root


def _same(local: Path, uri: str, *options: str, code: int = 1) -> tuple[str, str]:
    """stdout of `audit LOCAL/` with LOCAL's path written as the URI, and of `audit URI/`: they must be equal."""
    here, there = _both(local, uri, *options, given="/", code=code)
    return here.stdout.replace(str(local), uri), there.stdout


# every finding and every trajectory, whatever the verdicts: what the store must give exactly as the disk does
ALL = ("--format", "jsonl", "--fail-on", "never", "--isolated")


def _both(local: Path, uri: str, *options: str, given: str = "", code: int = 0) -> tuple[Any, Any]:
    """`audit LOCAL{given}` and `audit URI{given}` with the same options: both exit with `code` and print the same
    report but for the names (LOCAL written as URI); their results."""
    runner = CliRunner()
    here = runner.invoke(app, ["audit", f"{local}{given}", *options])
    there = runner.invoke(app, ["audit", f"{uri}{given}", *options])
    assert here.exit_code == there.exit_code == code, (here.output[-600:], there.output[-600:])
    assert there.stdout == here.stdout.replace(str(local), uri)
    return here, there


@pytest.mark.parametrize("fmt", ["jsonl", "text", "json"])
def test_a_prefix_of_native_logs_gives_the_bytes_of_the_local_folder(s3, tmp_path: Path, fmt: str, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")  # the text view wraps to the width: no wrapping, as names differ in length
    local = _native_folder(tmp_path / "native")
    uri = _upload(s3, local, "native")
    expected, got = _same(local, uri, "--format", fmt, "-q")
    assert got == expected
    if fmt == "jsonl":
        assert f'"file":"{uri}/false_success_claim.jsonl"' in got
        summary = json.loads(got.splitlines()[-1])
        assert summary["files"] == 8 and summary["bytes"] == sum(
            path.stat().st_size for path in local.rglob("*.jsonl")
        )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_prefix_of_every_whole_file_format_gives_the_bytes_of_the_local_folder(s3, tmp_path: Path, jobs: str):
    local = _mixed_folder(tmp_path / "mixed")
    uri = _upload(s3, local, f"mixed{jobs}")
    sources = list(discover([uri]))
    assert [s.name for s in sources] == [s.name.replace(str(local), uri) for s in discover([str(local)])]
    if jobs == "2":  # files spread over worker processes, each reading its own objects
        assert len(parallel.plan(sources, "auto", 2)) > 1
    expected, got = _same(local, uri, "--format", "jsonl", "-q", "--jobs", jobs)
    assert got == expected
    summary = json.loads(got.splitlines()[-1])
    assert summary["formats"]["inspect"] == 2 and summary["skipped"]  # the .eval zip read through ranged requests


def test_sarif_names_objects_by_their_uri_with_the_lines_of_the_local_run(s3, tmp_path: Path):
    local = _mixed_folder(tmp_path / "mixed")
    uri = _upload(s3, local, "sarif")
    runner = CliRunner()
    here = json.loads(runner.invoke(app, ["audit", str(local), "--format", "sarif", "-q"]).stdout)
    there = json.loads(runner.invoke(app, ["audit", uri, "--format", "sarif", "-q"]).stdout)
    located = [[r["locations"][0]["physicalLocation"] for r in run["runs"][0]["results"]] for run in (here, there)]
    assert len(located[0]) == len(located[1]) > 0
    for mine, theirs in zip(*located, strict=True):
        assert theirs["artifactLocation"] == {"uri": mine["artifactLocation"]["uri"].replace(f"file://{local}", uri)}
        assert theirs.get("region") == mine.get("region")  # JSON paths located in the object, as in the file
    assert any("region" in loc and loc["artifactLocation"]["uri"].endswith(".json") for loc in located[1])


def test_a_gzip_object_and_a_single_object(s3, tmp_path: Path):
    import gzip

    local = tmp_path / "gz"
    local.mkdir()
    (local / "run.jsonl.gz").write_bytes(gzip.compress((ROOT / "sample_traces" / "loop.jsonl").read_bytes()))
    uri = _upload(s3, local, "gz")
    expected, got = _same(local, uri, "--format", "jsonl", "-q")
    assert got == expected and '"TA' in got
    one = CliRunner().invoke(app, ["audit", f"{uri}/run.jsonl.gz", "--format", "jsonl", "-q"])
    assert one.exit_code == 1 and one.stdout == got


def test_options_in_the_uri_locate_the_store_and_are_not_part_of_the_names(s3, tmp_path: Path, monkeypatch):
    local = _native_folder(tmp_path / "native")
    uri = _upload(s3, local, "options")
    endpoint = os.environ["AWS_ENDPOINT_URL"].removeprefix("http://")
    monkeypatch.delenv("AWS_ENDPOINT_URL")  # only the URI says where the store is
    runner = CliRunner()
    here = runner.invoke(app, ["audit", str(local), "--format", "jsonl", "-q"])
    there = runner.invoke(app, ["audit", f"{uri}/?endpoint_override={endpoint}&scheme=http", "--format", "jsonl", "-q"])
    assert here.exit_code == there.exit_code == 1, there.output[-600:]
    assert there.stdout == here.stdout.replace(str(local), uri)


def test_verdicts_beside_the_logs_are_found_among_the_listed_objects(s3, tmp_path: Path):
    from tests.test_outcomes_beside import MINI, harbor_job, harbor_trial, harness_report

    local = tmp_path / "beside"
    harbor_job(local)  # Harbor trials: agent/trajectory.json with the trial's result.json
    harness = local / "logs" / "run_evaluation" / "run1" / "mini" / "demo__count-1"
    harness.mkdir(parents=True)
    shutil.copy(MINI, harness / "demo__count-1.traj.json")
    (harness / "report.json").write_text(json.dumps(harness_report("demo__count-1", True)))
    harbor_trial(local, "broken", None, "trial-broken")  # a result.json that is not JSON: a note, no outcome
    (local / "broken" / "result.json").write_text("{ not json")
    here, there = _both(local, _upload(s3, local, "beside"), *ALL)
    uri = f"s3://{BUCKET}/beside"
    assert there.stderr == here.stderr.replace(str(local), uri)
    records = [json.loads(line) for line in there.stdout.splitlines()]
    sources = {r["trajectory"]: r.get("outcome_source") for r in records if r["type"] == "trajectory"}
    assert sources["trial-ok"]["file"] == f"{uri}/jobs/2025-11-01__10-00-00/hello-world__aB3/result.json"
    assert sources["demo__count-1"]["format"] == "swe-bench"
    assert "outcomes: 2 from Harbor result.json beside the logs, 1 from SWE-bench report.json" in there.stderr
    assert f"{uri}/broken/result.json (beside {uri}/broken/agent/trajectory.json): invalid JSON" in there.stderr


def test_a_tau2_run_in_its_directory_format_reads_its_results_json_from_the_store(s3, tmp_path: Path):
    from tests.importers.test_tau2_layouts import MONOLITHIC, as_directory

    local = as_directory(MONOLITHIC, tmp_path / "tau2" / "run1")  # results.json + simulations/<id>.json
    uri = _upload(s3, local, "tau2/run1")
    for given in ("", "/results.json"):  # the folder, or the results file naming its simulations/ beside it
        _, there = _both(local, uri, *ALL, given=given)
        tasks = [json.loads(line).get("task") for line in there.stdout.splitlines()]
        assert any(tasks), "the tasks come from results.json beside simulations/"
    _both(local, uri, *ALL, given="/simulations/")  # results.json not listed, still read


def test_an_atif_continuation_is_followed_in_the_store_as_on_disk(s3, tmp_path: Path):
    from tests.importers.test_atif import continued, document, write

    local = tmp_path / "atif"
    continued(local / "trial1" / "agent")  # trajectory.json continued in trajectory.cont-1.json
    write(local / "trial2" / "agent" / "trajectory.json", document(continued_trajectory_ref="gone.json"))
    _, there = _both(local, _upload(s3, local, "atif"), *ALL)
    records = [json.loads(line) for line in there.stdout.splitlines()]
    assert "traj-main-cont-1" not in {r.get("trajectory") for r in records}  # joined, not read again on its own
    assert any("no such file beside trajectory.json" in r.get("message", "") for r in records)


def test_an_otlp_log_export_is_read_with_the_trace_export_beside_it_in_the_store(s3, tmp_path: Path, monkeypatch):
    from tests.importers.conftest import genai_run
    from trajaudit.importers import otel

    local = genai_run(tmp_path, monkeypatch)["folder"]  # traces.jsonl and logs.jsonl of one real run
    uri = _upload(s3, local, "otlp")
    joined = otel.paired(discover([uri]))
    assert [s.name for s in joined] == [f"{uri}/traces.jsonl"] and joined[0].remote is not None
    expected, got = _same(local, uri, "--format", "jsonl", "-q", "--fail-on", "never", code=0)
    assert got == expected and got.count('"type":"trajectory"') == 1


def test_otlp_log_exports_join_the_trace_exports_of_their_traces_in_the_store(s3, tmp_path: Path, monkeypatch):
    from tests.importers.test_otel_logs import _runs
    from trajaudit.importers import otel

    local = tmp_path / "multi"
    local.mkdir()
    for n, produced in enumerate(_runs(tmp_path, monkeypatch, 2)):  # names crossed: logs-1 holds run 0's records
        (local / f"traces-{n}.jsonl").write_bytes((produced["folder"] / "traces.jsonl").read_bytes())
        (local / f"logs-{1 - n}.jsonl").write_bytes(produced["logs"].read_bytes())
    uri = _upload(s3, local, "otlp-multi")
    joined = otel.paired(discover([uri]))
    assert [s.name for s in joined] == [f"{uri}/traces-0.jsonl", f"{uri}/traces-1.jsonl"]
    assert [[c.name for c in s.companions] for s in joined] == [[f"{uri}/logs-1.jsonl"], [f"{uri}/logs-0.jsonl"]]
    expected, got = _same(local, uri, "--format", "jsonl", "-q", "--fail-on", "never", code=0)
    assert got == expected and got.count('"type":"trajectory"') == 2


@pytest.mark.parametrize("command", ["stats", "convert"])
def test_the_other_commands_read_a_prefix_too(s3, tmp_path: Path, command: str):
    local = _mixed_folder(tmp_path / "mixed")
    uri = _upload(s3, local, f"other-{command}")
    options = ["--format", "json"] if command == "stats" else []
    runner = CliRunner()
    here = runner.invoke(app, [command, str(local), *options, "-q"])
    there = runner.invoke(app, [command, uri, *options, "-q"])
    assert here.exit_code == there.exit_code, there.output[-600:]
    assert there.stdout == here.stdout.replace(str(local), uri) and len(there.stdout) > 1000


def test_validate_reads_a_prefix(s3, tmp_path: Path):
    local = _native_folder(tmp_path / "valid")
    uri = _upload(s3, local, "validate")
    runner = CliRunner()
    here = runner.invoke(app, ["validate", str(local), "--format", "json"])
    there = runner.invoke(app, ["validate", uri, "--format", "json"])
    assert here.exit_code == there.exit_code == 1
    assert there.stdout == here.stdout.replace(str(local), uri)


# --- errors -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uri, says",
    [
        ("s3://no-such-bucket/runs/", "no such object, prefix or bucket"),
        (f"s3://{BUCKET}/no/such/prefix/", "no such object, prefix or bucket"),
        (f"s3://{BUCKET}/native/clean_run.jsonl.typo", "no such object, prefix or bucket"),
        ("nosuchscheme://bucket/runs/", "Unrecognized filesystem type"),
        ("s3:///runs", "bucket"),
    ],
)
def test_what_cannot_be_listed_is_a_usage_error_naming_the_uri(s3, tmp_path: Path, uri: str, says: str):
    _upload(s3, _native_folder(tmp_path / "native"), "native")
    result = CliRunner().invoke(app, ["audit", uri])
    assert result.exit_code == 2, result.output
    assert f"trajaudit: error: {uri}: " in result.stderr and says in result.stderr
    assert result.stdout == ""


def test_an_empty_bucket_is_nothing_audited_as_an_empty_folder_is(s3):
    result = CliRunner().invoke(app, ["audit", "s3://empty-bucket/", "--format", "jsonl"])
    assert result.exit_code == 5, result.output
    assert CliRunner().invoke(app, ["audit", "s3://empty-bucket/", "--allow-empty"]).exit_code == 0


def test_an_object_that_cannot_be_read_is_exit_2_naming_it_and_the_rest_is_audited(s3, tmp_path, monkeypatch):
    uri = _upload(s3, _native_folder(tmp_path / "native"), "gone")
    listing = store.listing

    def with_a_vanished_object(raw, suffixes):  # listed, then deleted before it is read (a real 404 on GET)
        items = list(listing(raw, suffixes))
        name, remote, optional = items[0]
        gone = store.Remote(remote.filesystem, remote.key.replace("broken_lines", "deleted"), 10)
        return [(f"{uri}/deleted.jsonl", gone, True), *items]

    monkeypatch.setattr(store, "listing", with_a_vanished_object)
    result = CliRunner().invoke(app, ["audit", uri, "--format", "jsonl"])
    assert result.exit_code == 2, result.output
    assert f"{uri}/deleted.jsonl: cannot read" in result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["files"] == 9 and summary["trajectories"] > 0  # every other object still audited


def test_without_pyarrow_a_uri_is_a_usage_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow fails, as where no extra is installed
    monkeypatch.setitem(sys.modules, "pyarrow.fs", None)
    result = CliRunner().invoke(app, ["audit", "s3://bucket/runs/"])
    assert result.exit_code == 2
    assert 's3://bucket/runs/: reading object-store URIs needs pyarrow: pip install "trajaudit[store]"' in (
        result.stderr
    )


def test_a_file_uri_is_the_local_path(tmp_path: Path):
    local = _native_folder(tmp_path / "native")
    runner = CliRunner()
    by_path = runner.invoke(app, ["audit", str(local), "--format", "jsonl", "-q"])
    by_uri = runner.invoke(app, ["audit", local.as_uri(), "--format", "jsonl", "-q"])
    assert by_path.exit_code == by_uri.exit_code == 1
    assert by_uri.stdout == by_path.stdout


def test_local_paths_never_import_the_store_module():
    code = (
        "import sys; from trajaudit.reader import discover; "
        f"list(discover([{str(ROOT / 'sample_traces')!r}])); print('trajaudit.store' in sys.modules)"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ}, check=True)
    assert out.stdout.strip() == "False"


# --- Ray ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_instance(s3):
    """A local Ray instance started after the AWS environment is set, so that its workers find the credentials as
    a cluster's nodes would (the endpoint travels with the pickled filesystem, credentials never do)."""
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_a_prefix_on_ray_gives_the_bytes_of_the_local_folder(s3, ray_instance, tmp_path: Path, monkeypatch):
    from trajaudit import ray_executor

    local = _mixed_folder(tmp_path / "mixed")
    uri = _upload(s3, local, "ray")
    parts: list[int] = []
    execute = ray_executor.execute

    def counting(plan, work, jobs):  # type: ignore[no-untyped-def]
        parts.append(len(plan))
        yield from execute(plan, work, jobs)

    monkeypatch.setattr(ray_executor, "execute", counting)
    runner = CliRunner()
    here = runner.invoke(app, ["audit", str(local), "--format", "jsonl", "-q"])
    there = runner.invoke(app, ["audit", uri, "--format", "jsonl", "-q", "--executor", "ray"])
    assert here.exit_code == there.exit_code == 1, there.output[-800:]
    assert there.stdout == here.stdout.replace(str(local), uri)
    assert parts and parts[0] > 1  # the parts ran on Ray tasks, which read the objects themselves


def test_gcs_retries_are_bounded_unless_the_uri_sets_its_own():
    """pyarrow's GCS client retries for many minutes inside one call, deaf to Ctrl-C: without credentials or network,
    `audit gs://...` hung. The filesystem built from a gs:// URI now gives up after GCS_RETRY_SECONDS."""
    pytest.importorskip("pyarrow.fs")

    def retry_limit(uri: str) -> Any:
        filesystem, _ = store._filesystem(uri)
        return filesystem.__reduce__()[1][0]["retry_time_limit"].total_seconds()

    assert retry_limit("gs://bucket/runs/") == store.GCS_RETRY_SECONDS
    assert retry_limit("gs://bucket/runs/?scheme=http&endpoint_override=localhost:1") == store.GCS_RETRY_SECONDS
    assert retry_limit("gs://bucket/runs/?retry_limit_seconds=99") == 99
    assert store._bounded("s3://bucket/runs/") == "s3://bucket/runs/"  # S3's client gives up within seconds
