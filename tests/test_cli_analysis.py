"""`trajaudit simulate` and `trajaudit stats` through the CLI: options reach the engine, JSON is well-formed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from trajaudit.cli import app


def trials(tmp_path: Path) -> Path:
    """Two tasks, three trials each, with stated confidence on the final answer and a verdict."""
    lines = []
    plan = {"A": [True, True, False], "B": [False, False, True]}
    for task, results in plan.items():
        for trial, success in enumerate(results):
            tid = f"{task}:{trial}"
            confidence = 0.9 if success else 0.4
            lines += [
                {"trajectory": tid, "step": 0, "kind": "task", "task_id": task, "goal": "answer"},
                {
                    "trajectory": tid,
                    "step": 1,
                    "kind": "message",
                    "role": "assistant",
                    "text": "42",
                    "confidence": confidence,
                },
                {
                    "trajectory": tid,
                    "step": 2,
                    "kind": "outcome",
                    "success": success,
                    "answer": "42" if success else "41",
                },
            ]
    path = tmp_path / "trials.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def test_stats_json_reports_pass_hat_k(tmp_path):
    result = CliRunner().invoke(app, ["stats", str(trials(tmp_path)), "--format", "json", "--k", "1", "--k", "2"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    text = json.dumps(document)
    assert "pass" in text and "brier" in text.lower()
    # tau-bench: pass^2 = mean(C(2,2)/C(3,2), C(1,2)/C(3,2)) = mean(1/3, 0) = 1/6
    assert "0.1666" in text


def test_stats_text_and_bad_option(tmp_path):
    path = str(trials(tmp_path))
    assert "pass^k" in CliRunner().invoke(app, ["stats", path]).stdout
    result = CliRunner().invoke(app, ["stats", path, "--confidence", "psychic"])
    assert result.exit_code == 2 and "psychic" in result.stderr


def test_simulate_json_and_text(tmp_path):
    path = str(trials(tmp_path))
    result = CliRunner().invoke(app, ["simulate", path, "--format", "json", "--warmup", "1", "--step-window", "1"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert "majority" in json.dumps(document)
    text = CliRunner().invoke(app, ["simulate", path, "--warmup", "1"])
    assert text.exit_code == 0 and "majority" in text.stdout


def test_simulate_rejects_unknown_score(tmp_path):
    result = CliRunner().invoke(app, ["simulate", str(trials(tmp_path)), "--online-score", "vibes"])
    assert result.exit_code == 2 and "vibes" in result.stderr


def test_simulate_on_deepconf_real_data(realdata):
    folder = realdata / "deepconf-answer-token-conf" / "budget64"
    result = CliRunner().invoke(app, ["simulate", str(folder), "--format", "json", "-q"])
    assert result.exit_code == 0, result.stderr
    assert "majority" in result.stdout


BAD_NUMBERS = [
    ("simulate", "--bins", "0"), ("simulate", "--bins", "100000000"), ("simulate", "--bottom", "nan"),
    ("simulate", "--bottom", "0"), ("simulate", "--bottom", "1.5"), ("simulate", "--keep", "nan"),
    ("simulate", "--keep", "0"), ("simulate", "--online-keep", "101"), ("simulate", "--consensus", "inf"),
    ("simulate", "--window", "0"), ("simulate", "--step-window", "-1"), ("simulate", "--warmup", "0"),
    ("simulate", "--seed", "-1"), ("simulate", "--seed", "99999999999999999999999"),
    ("stats", "--bins", "0"), ("stats", "--bins", "100000000"), ("stats", "--max-k", "0"), ("stats", "--k", "0"),
    ("audit", "--jobs", "100000"), ("audit", "--context", "-1"), ("validate", "--jobs", "-1"),
]


def test_every_numeric_option_has_a_range_and_says_so(tmp_path: Path):
    """Out of range, nan or inf: a usage error (exit 2) naming the option or the value, never a hang (bins of 10^8
    used to allocate and draw for minutes) or a traceback (a negative seed)."""
    path = str(trials(tmp_path))
    for command, option, value in BAD_NUMBERS:
        result = CliRunner().invoke(app, [command, path, option, value, "-q"])
        assert result.exit_code == 2, (command, option, value, result.output)
        assert "error:" in result.stderr and (option in result.stderr or value in result.stderr), result.stderr
        assert "internal error" not in result.stderr
    # near misses: the edges of each range are accepted
    for command, *args in (("simulate", "--bins", "1000", "--bottom", "1", "--keep", "100", "--seed", "4294967295"),
                           ("stats", "--bins", "1000", "--max-k", "1", "--k", "1"), ("audit", "--jobs", "256")):
        result = CliRunner().invoke(app, [command, path, *args, "-q", "--format", "json"])
        assert result.exit_code in (0, 1), (command, args, result.output)


def test_the_cli_bins_limit_is_the_libraries():
    from trajaudit import cli, simulate, stats

    assert cli.MAX_BINS == stats.MAX_BINS and cli.MAX_SEED == stats.MAX_SEED == simulate.MAX_SEED
