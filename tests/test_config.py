"""Configuration is validated when it is read: every option's type and range, every key (issue 11, point 8)."""

from __future__ import annotations

import math
import signal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from trajaudit import config
from trajaudit.cli import app
from trajaudit.config import RULE_OPTIONS, Config, ConfigError, from_mapping, load
from trajaudit.model import Severity
from trajaudit.rules import RULES

CALLS = "".join(
    f'{{"trajectory": "r", "step": {i}, "kind": "tool_call", "call_id": "c{i}", "tool": "ls", "arguments": {{}}}}\n'
    for i in range(3)
)


def options(rule: str, **values: Any) -> dict[str, Any]:
    return {"options": {rule: values}}


def test_every_rule_option_has_a_declared_type_and_range():
    declared = {(rule, name) for rule, specs in RULE_OPTIONS.items() for name in specs}
    assert declared == {(rule.name, name) for rule in RULES for name in rule.options}


@pytest.mark.parametrize("rule", [r for r in RULES if r.options], ids=lambda r: r.name)
def test_every_default_is_within_its_declared_range(rule):
    for name, default in rule.options.items():
        if default is not None:  # None: unset, which only omission expresses in TOML
            assert RULE_OPTIONS[rule.name][name].check(default, "default") == default


@pytest.mark.parametrize(
    ("rule", "name", "value"),
    [
        ("repeated-call", "max-cycle", 1_000_000_000),  # the hang of issue 11: range(1, max_cycle + 1) per call
        ("repeated-call", "max-cycle", 0),
        ("repeated-call", "min-repeats", 1),
        ("repeated-call", "min-repeats", -3),
        ("repeated-call", "min-repeats", 3.0),
        ("repeated-call", "min-repeats", "3"),
        ("repeated-call", "min-repeats", True),
        ("low-confidence-step", "window", math.nan),  # was "internal error in TA301"
        ("low-confidence-step", "window", 0),
        ("low-confidence-step", "step-window", -1),
        ("low-confidence-step", "drop", math.inf),
        ("low-confidence-step", "drop", 1.5),
        ("low-confidence-step", "threshold", math.nan),
        ("low-confidence-step", "threshold", "low"),
        ("early-stop-point", "threshold", -math.inf),
        ("early-stop-point", "window", 2048.5),
        ("reasoning-budget-exceeded", "budget", 0),
        ("reasoning-budget-exceeded", "budget", [1]),
        ("confident-failure", "threshold", 1.01),
        ("confident-failure", "token-threshold", -1),
    ],
)
def test_out_of_range_or_mistyped_option_names_file_and_key(rule, name, value):
    with pytest.raises(ConfigError) as caught:
        from_mapping(options(rule, **{name: value}), "trajaudit.toml")
    assert str(caught.value).startswith(f"trajaudit.toml: options.{rule}.{name} = ")
    assert "expected" in str(caught.value)


@pytest.mark.parametrize(
    ("rule", "name", "value"),
    [
        ("repeated-call", "max-cycle", 100),
        ("repeated-call", "max-cycle", 1),
        ("repeated-call", "min-repeats", 2),
        ("low-confidence-step", "threshold", -2.5),  # a chosen-token logprob threshold
        ("low-confidence-step", "threshold", 14),  # an int for a number
        ("low-confidence-step", "drop", 0),
        ("low-confidence-step", "window", 4096),
        ("early-stop-point", "threshold", 12.5),
        ("reasoning-budget-exceeded", "budget", 32768),
        ("confident-failure", "threshold", 1),
        ("confident-failure", "token-threshold", 15.0),
    ],
)
def test_valid_options_load(rule, name, value):
    loaded = from_mapping(options(rule, **{name: value}), "trajaudit.toml")
    (active,) = [a for a in loaded.active_rules() if a.rule.name == rule]
    assert active.options[name] == value


def test_options_keyed_by_code_are_named_as_written():
    with pytest.raises(ConfigError, match=r"^x: options\.TA205\.max-cycle = 500: expected an integer from 1 to 100$"):
        from_mapping({"options": {"TA205": {"max-cycle": 500}}}, "x")


def test_flag_option_is_checked_and_named():
    with pytest.raises(ConfigError, match=r"^command line: --option repeated-call\.max-cycle = 1000000000: "):
        Config().with_flags(options=["repeated-call.max-cycle=1000000000"])
    for text in ("nan", "inf", "-inf", "1e999"):
        with pytest.raises(ConfigError, match="--option low-confidence-step.drop"):
            Config().with_flags(options=[f"low-confidence-step.drop={text}"])
    flagged = Config().with_flags(options=["repeated-call.max-cycle=5", "low-confidence-step.threshold=-2"])
    assert flagged.options == {"TA205": {"max-cycle": 5}, "TA301": {"threshold": -2}}


def test_unknown_option_is_still_an_error():
    with pytest.raises(ConfigError, match="has no option 'nope'"):
        from_mapping(options("repeated-call", nope=3), "x")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"select": 5}, "select must be a list of strings"),
        ({"ignore": [""]}, "empty rule name"),
        ({"select": ["  "]}, "empty rule name"),
        ({"fail-on": 1}, "fail-on must be one of"),
        ({"severity": 5}, "severity must be a table"),
        ({"severity": {"TA205": "loud"}}, "severity.TA205"),
        ({"options": 5}, "options must be a table"),
        ({"options": {"repeated-call": 5}}, "options.repeated-call must be a table"),
        ({"from": 5}, "from = 5: expected one of auto, native"),
        ({"from": "nope"}, "from = 'nope': expected one of auto, native"),
    ],
)
def test_every_top_level_key_is_checked(data, message):
    with pytest.raises(ConfigError, match=message):
        from_mapping(data, "x")


def test_valid_top_level_keys_load():
    loaded = from_mapping(
        {"select": ["TA2"], "ignore": ["repeated-call"], "fail-on": "never", "severity": {"TA203": "warning"},
         "from": "tau2"},
        "x",
    )
    assert loaded.fail_on is None and loaded.input_format == "tau2"
    assert {a.rule.code for a in loaded.active_rules()} == {"TA201", "TA202", "TA203", "TA204"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tool = 5\n", "pyproject.toml: tool must be a table, found an integer"),  # was an internal TypeError
        ('tool = "trajaudit"\n', "tool must be a table, found a string"),
        ("[tool]\ntrajaudit = 5\n", r"pyproject.toml \[tool.trajaudit\] must be a table, found an integer"),
        ("[tool]\ntrajaudit = [1]\n", r"\[tool.trajaudit\] must be a table, found an array"),
    ],
)
def test_pyproject_of_the_wrong_shape_is_a_config_error(tmp_path: Path, text, message):
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load(path)


def test_discovery_skips_a_pyproject_whose_tool_is_not_a_table(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('tool = "trajaudit"\n', encoding="utf-8")
    assert config.find_config_file(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text("[tool.trajaudit]\n", encoding="utf-8")
    assert config.find_config_file(tmp_path) == tmp_path / "pyproject.toml"


def test_discovery_parses_only_a_pyproject_that_could_name_our_table(tmp_path: Path):
    # a broken pyproject.toml that cannot hold [tool.trajaudit] is not ours to reject (nor to parse)
    (tmp_path / "pyproject.toml").write_text('[project\nname = "x"\n', encoding="utf-8")
    assert config.find_config_file(tmp_path) is None
    # nor does depending on trajaudit name it
    deps = '[project\ndependencies = ["trajaudit>=0.3", "trajaudit==1.0", "trajaudit[ray] ~= 1.0"]\n'
    (tmp_path / "pyproject.toml").write_text(deps, encoding="utf-8")
    assert config.find_config_file(tmp_path) is None
    # every way of writing the key is parsed (here: found broken)
    for key in ("[tool.trajaudit]", "[ tool . 'trajaudit' ]", "[tool]\ntrajaudit = {", "tool.trajaudit.fail-on ="):
        (tmp_path / "pyproject.toml").write_text(f"{key}\n[broken\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="invalid TOML"):
            config.find_config_file(tmp_path)
    # an escaped quoted key names the table without spelling it: parsed, found, and read
    (tmp_path / "pyproject.toml").write_text('[tool."traj\\u0061udit"]\nfail-on = "error"\n', encoding="utf-8")
    assert config.find_config_file(tmp_path) == tmp_path / "pyproject.toml"
    assert load(tmp_path / "pyproject.toml").fail_on is Severity.ERROR
    # and a broken file that might name it is still an error
    (tmp_path / "pyproject.toml").write_text('[tool."traj\\u0061udit"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        config.find_config_file(tmp_path)


def _alarm(signum: int, frame: Any) -> None:
    raise TimeoutError("the configuration was not rejected before the rules ran")


@pytest.mark.parametrize("where", ["file", "flag"])
def test_cli_rejects_the_hanging_max_cycle_with_exit_2(tmp_path: Path, monkeypatch, where):
    log = tmp_path / "r.jsonl"
    log.write_text(CALLS * 100, encoding="utf-8")
    args = ["audit", str(log)]
    if where == "file":
        (tmp_path / "trajaudit.toml").write_text("[options.repeated-call]\nmax-cycle = 1000000000\n", encoding="utf-8")
        monkeypatch.chdir(tmp_path)
    else:
        args += ["--isolated", "--option", "repeated-call.max-cycle=1000000000"]
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        result = CliRunner().invoke(app, args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.exit_code == 2
    named = "trajaudit.toml: options.repeated-call.max-cycle" if where == "file" else "--option repeated-call.max-cycle"
    assert named in result.stderr
    assert "internal error" not in result.stderr


def test_cli_accepts_a_valid_option(tmp_path: Path):
    log = tmp_path / "r.jsonl"
    log.write_text(CALLS, encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", str(log), "--isolated", "--option", "repeated-call.max-cycle=5"])
    assert result.exit_code == 0 and "TA205" in result.stdout


def test_readme_lists_every_option_with_its_default():
    readme = Path(__file__).resolve().parent.parent / "README.md"
    if not readme.is_file():
        pytest.skip("no README beside the tests")
    rows = {line.split("|")[1].strip(" `"): line for line in readme.read_text(encoding="utf-8").splitlines()
            if line.startswith("| `") and line.count("|") == 4}
    for rule in RULES:
        for name, default in rule.options.items():
            shown = "unset" if default is None else str(default)
            assert f"`{name}` ({shown})" in rows[rule.name], (rule.name, name)
