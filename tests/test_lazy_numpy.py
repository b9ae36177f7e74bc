"""numpy is imported only when a log carries confidence data: most logs do not, and it is a quarter of start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "sample_traces"
PROBE = (
    "import sys\n"
    "from trajaudit.cli import execute\n"
    "sys.argv = ['trajaudit', 'audit', '--format', sys.argv[2], '-q', '-j', '1', sys.argv[1]]\n"
    "execute()\n"
    "print('numpy' in sys.modules, file=sys.stderr)\n"
)


def numpy_imported(log: Path, output: str = "jsonl") -> bool:
    done = subprocess.run([sys.executable, "-c", PROBE, str(log), output], capture_output=True, text=True,
                          check=False)
    assert done.returncode in (0, 1), done.stderr
    return done.stderr.strip().splitlines()[-1] == "True"


def test_numpy_is_not_imported_for_a_log_without_confidence_data():
    assert not numpy_imported(SAMPLES / "loop.jsonl")


def test_numpy_is_imported_when_the_log_carries_confidences(tmp_path):
    events = [{"trajectory": "t", "step": 0, "kind": "task", "goal": "g"}]
    events += [
        {"trajectory": "t", "step": i, "kind": "reasoning", "text": "x", "confidence": c}
        for i, c in enumerate([0.9, 0.8, 0.2, 0.1, 0.1, 0.2, 0.1, 0.9], start=1)
    ]
    log = tmp_path / "confident.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    assert numpy_imported(log)


def test_numpy_is_not_imported_to_judge_a_failed_run_by_its_logprobs(tmp_path):
    # TA304 takes exp(mean logprob) of a failed run: a short trace (no window to fill for TA301) needs no numpy
    events = [
        {"trajectory": "t", "step": 0, "kind": "task", "goal": "g"},
        {"trajectory": "t", "step": 1, "kind": "message", "role": "assistant", "text": "It is 42.",
         "logprobs": [-0.01, -0.02, 0.0]},
        {"trajectory": "t", "step": 2, "kind": "outcome", "success": False},
    ]
    log = tmp_path / "confident_failure.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    assert not numpy_imported(log)
    done = subprocess.run([sys.executable, "-m", "trajaudit", "audit", "--format", "jsonl", "--select", "TA304",
                           str(log)], capture_output=True, text=True, check=False)
    findings = [json.loads(line) for line in done.stdout.splitlines() if '"type":"finding"' in line]
    assert [f["code"] for f in findings] == ["TA304"], done.stdout
    assert findings[0]["message"].startswith("the run failed with confidence 0.99 (geometric-mean chosen-token")


def test_the_text_view_draws_given_confidences_without_numpy(tmp_path):
    # stated and precomputed confidences are averaged per step in plain Python (confidence.step_confidence); a short
    # trace fills no window, so no rule needs numpy either
    events = [{"trajectory": "t", "step": 0, "kind": "task", "goal": "g"}]
    events += [{"trajectory": "t", "step": 1, "kind": "message", "role": "assistant", "text": "x", "confidence": 0.4}]
    events += [{"trajectory": "u", "step": 0, "kind": "message", "role": "assistant", "text": "42",
                "token_confidence": [12.5, 3.25, 17.0], "confidence_k": 20}]
    log = tmp_path / "given.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    assert not numpy_imported(log, "text")
    done = subprocess.run([sys.executable, "-m", "trajaudit", "audit", "--format", "text", str(log)],
                          capture_output=True, text=True, check=False, env={**os.environ, "COLUMNS": "120"})
    assert "min 0.4 at step 1, mean 0.4 (stated confidence)" in done.stdout
    assert "min 10.9 at step 0, mean 10.9 (precomputed token confidence (k=20))" in done.stdout
