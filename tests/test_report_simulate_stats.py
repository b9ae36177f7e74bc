"""The simulate and stats formatters: log text is shown literally (no markup, no terminal control), JSON is data."""

from __future__ import annotations

import io
import json

from rich.console import Console

from tests.rules.harness import trajectory
from trajaudit import simulate, stats
from trajaudit.report import simulate as report_simulate
from trajaudit.report import stats as report_stats

HOSTILE = "[bold red]pwned[/bold red]\x1b[2J"


def traces():
    out = []
    for i, (conf, ok) in enumerate([(0.9, True), (0.8, True), (0.3, False), (0.95, False)]):
        out.append(trajectory([
            {"kind": "task", "task_id": HOSTILE},
            {"kind": "tool_call", "tool": HOSTILE, "call_id": "c", "arguments": {}},
            {"kind": "tool_result", "call_id": "c", "ok": ok},
            {"kind": "message", "role": "assistant", "text": "42" if ok else "41", "confidence": conf},
            {"kind": "outcome", "success": ok},
        ], f"t{i}"))
    return out


def rendered(render, result) -> str:
    buffer = io.StringIO()
    render(result, Console(file=buffer, width=200, force_terminal=False, color_system=None))
    return buffer.getvalue()


def test_simulate_text_shows_log_text_literally_and_draws_histograms():
    result = simulate.run(traces(), simulate.SimulateConfig(step_window=2, warmup=2))
    text = rendered(report_simulate.render_text, result)
    assert "[bold red]pwned[/bold red]" in text and "\x1b" not in text
    assert "Offline voting" in text and "DeepConf-low" in text and "█" in text
    data = report_simulate.to_json(result)
    assert json.loads(json.dumps(data))["methods"][0]["name"] == "majority"
    assert data["traces"] == 4 and data["unit"] == "steps"


def test_stats_text_draws_a_reliability_diagram_and_json_states_the_convention():
    result = stats.compute(traces(), stats.StatsConfig(bins=5))
    text = rendered(report_stats.render_text, result)
    assert "[bold red]pwned[/bold red]" in text and "\x1b" not in text
    assert "┃" in text and "Brier" in text and "τ-bench convention" in text
    data = json.loads(json.dumps(report_stats.to_json(result)))
    assert data["convention"] == stats.CONVENTION
    assert data["calibration"]["n"] == 4 and len(data["calibration"]["bins"]) == 5
    assert data["tools"] == [{"tool": HOSTILE, "calls": 4, "errors": 2}]


def test_empty_inputs_render():
    assert "nothing to simulate" in rendered(report_simulate.render_text, simulate.run([], simulate.SimulateConfig()))
    assert "0 trajectories" in rendered(report_stats.render_text, stats.compute([]))
