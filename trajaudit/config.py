"""Configuration: `[tool.trajaudit]` in pyproject.toml or a trajaudit.toml, then command-line flags on top.

Keys (kebab-case; the same names work as flags):
  select = ["TA2", "TA101"]      rule codes, code prefixes or names to run (default: all but TA401)
  ignore = ["repeated-call"]     rule codes, prefixes or names to skip
  fail-on = "warning"           lowest severity that makes the exit code 1: info, warning, error, never
  [severity]  TA205 = "error"   per-rule severity overrides
  [options.repeated-call]       per-rule thresholds, e.g. min-repeats = 4 (see `trajaudit rule CODE`)
  from = "auto"                 input format (see `--from`)
  [limits]  max-line-bytes = "64MiB"   caps on hostile input (see `Limits`; README "Limits"); also
                                       `--option limits.NAME=VALUE`

Unknown keys, codes, options and values are errors that name the file and key; nothing is guessed. Every rule
option has a declared type and range (RULE_OPTIONS), checked when the settings are read, from a file or a flag.
"""

from __future__ import annotations

import math
import re
from dataclasses import field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from trajaudit import rules
from trajaudit.lazy import LazyModule, regex
from trajaudit.model import Limits, Severity
from trajaudit.records import dataclass
from trajaudit.rules.rule import Rule

# The TOML parser (~11 M instructions to import, 2 % of a one-line audit) is read when a file is: a run that finds no
# file, or is --isolated, never needs it.
if TYPE_CHECKING:
    import tomllib
else:
    tomllib = LazyModule("tomllib")

CONFIG_FILES = ("trajaudit.toml", "pyproject.toml")
KEYS = {"select", "ignore", "fail-on", "severity", "options", "from", "limits"}


class ConfigError(Exception):
    """A configuration that cannot be used: exit code 2."""


@dataclass(frozen=True)
class Number:
    """What a numeric setting accepts: an int (never a bool or a float) or a finite number, within [low, high]."""

    kind: type[int] | type[float]
    low: float
    high: float

    def check(self, value: Any, where: str) -> int | float:
        """The value, or a ConfigError that names where it came from and what was expected."""
        if self.kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
            expected = f"an integer from {self.low:,} to {self.high:,}"
        else:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            expected = f"a number from {self.low:g} to {self.high:g}"
        if not ok or not self.low <= value <= self.high:
            shown = str(value).lower() if isinstance(value, bool) else repr(value)  # as TOML spells it
            raise ConfigError(f"{where} = {shown}: expected {expected}")
        return value


# The type and range of every rule option (rule name -> option -> accepted values); an option left unset keeps the
# rule's default. Upper bounds keep a run's cost proportional to its input (max-cycle is a loop bound per call).
# tests/test_config.py checks that this table and the rules' OPTIONS name the same options.
RULE_OPTIONS: dict[str, dict[str, Number]] = {
    "repeated-call": {"min-repeats": Number(int, 2, 1000), "max-cycle": Number(int, 1, 100)},
    "low-confidence-step": {
        "threshold": Number(float, -1000, 1000),  # in the units of the confidence basis, logprobs are negative
        "drop": Number(float, 0, 1),
        "window": Number(int, 1, 10_000_000),
        "step-window": Number(int, 1, 100_000),
    },
    "early-stop-point": {
        "threshold": Number(float, -1000, 1000),
        "window": Number(int, 1, 10_000_000),
        "step-window": Number(int, 1, 100_000),
    },
    "reasoning-budget-exceeded": {"budget": Number(int, 1, 1_000_000_000)},
    "confident-failure": {"threshold": Number(float, 0, 1), "token-threshold": Number(float, 0, 1000)},
}


@dataclass(frozen=True)
class ActiveRule:
    """A rule as this run uses it: severity and options after configuration."""

    rule: Rule
    severity: Severity
    options: Mapping[str, Any]


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: Severity | None = Severity.ERROR  # None: never fail
    severity: Mapping[str, Severity] = field(default_factory=dict)
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    input_format: str = "auto"
    origin: str = "defaults"  # which file the settings came from, for error messages
    limits: Limits = Limits()

    def with_flags(
        self,
        *,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        fail_on: str | None = None,
        options: list[str] | None = None,
        severity: list[str] | None = None,
        input_format: str | None = None,
    ) -> Config:
        """A new config with command-line flags applied over the file's settings (the file is never mutated)."""
        changes: dict[str, Any] = {}
        where = "command line"
        if select:
            changes["select"] = tuple(_split(select))
            _expand(changes["select"], f"{where}: --select")
        if ignore:
            changes["ignore"] = self.ignore + tuple(_split(ignore))
            _expand(changes["ignore"], f"{where}: --ignore")
        if fail_on is not None:
            changes["fail_on"] = parse_fail_on(fail_on, where)
        if severity:
            merged = dict(self.severity)
            for item in severity:
                key, value = _assignment(item, "--severity", "CODE=LEVEL")
                merged[_rule_code(key, where)] = _severity(value, f"{where}: --severity {item}")
            changes["severity"] = merged
        limit_items = [item for item in options or () if item.strip().startswith(LIMITS_PREFIX)]
        if limit_items:
            pairs = [_assignment(item.strip()[len(LIMITS_PREFIX) :], "--option", "limits.NAME=VALUE") for item in
                     limit_items]
            changes["limits"] = parse_limits(dict(pairs), f"{where}: --option", self.limits)
            options = [item for item in options or () if item not in limit_items]
        if options:
            merged_opts = {code: dict(opts) for code, opts in self.options.items()}
            for item in options:
                key, value = _assignment(item, "--option", "RULE.OPTION=VALUE")
                rule_key, _, option = key.rpartition(".")
                if not rule_key:
                    raise ConfigError(f"{where}: --option {item!r}: expected RULE.OPTION=VALUE")
                code = _rule_code(rule_key, where)
                merged_opts.setdefault(code, {})[option] = _check_option(
                    code, option, _option_value(value), f"{where}: --option {key}"
                )
            changes["options"] = merged_opts
        if input_format is not None:
            changes["input_format"] = input_format
        return replace(self, **changes)

    def active_rules(self) -> tuple[ActiveRule, ...]:
        """The rules this run applies, in registry order."""
        default = {r.code for r in rules.RULES if r.enabled_by_default}
        selected = _expand(self.select, self.origin) if self.select else default
        ignored = _expand(self.ignore, self.origin)
        return tuple(
            ActiveRule(
                rule,
                self.severity.get(rule.code, rule.severity),
                {**rule.options, **self.options.get(rule.code, {})},
            )
            for rule in rules.RULES
            if rule.code in selected and rule.code not in ignored
        )


def find_config_file(start: Path) -> Path | None:
    """The nearest trajaudit.toml, or pyproject.toml with a [tool.trajaudit] table, from start upwards.

    A pyproject.toml met on the way that cannot be read or parsed is a ConfigError naming the file and the line (as
    ruff does): it may hold the [tool.trajaudit] settings, and running on defaults instead would pass in silence.
    One whose text cannot name the table is passed over unparsed (`_may_name_us`): most projects have a
    pyproject.toml, and parsing it is 2-3 % of a one-line audit."""
    for folder in (start, *start.parents):
        own = folder / "trajaudit.toml"
        if own.is_file():
            return own
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                text = pyproject.read_text(encoding="utf-8")
                if not _may_name_us(text):
                    continue
                data = tomllib.loads(text)
            except OSError as exc:
                raise ConfigError(f"{pyproject}: cannot read: {exc.strerror or exc}") from None
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{pyproject}: invalid TOML: {exc} (pass --isolated to ignore it)") from None
            tool = data.get("tool")
            if isinstance(tool, dict) and "trajaudit" in tool:
                return pyproject
    return None


# `trajaudit` as a key, bare or quoted, then `.`, `]`, `=` (not `==`: "trajaudit==1.0" is a dependency) or the line's
# end (a header missing its `]`: a broken file meant to hold our settings, which must be an error)
_OUR_KEY = regex(r"""trajaudit["']?[ \t]*(?:[.\]\r\n]|=(?!=)|$)""")


def _may_name_us(text: str) -> bool:
    """Whether TOML text could hold a key `trajaudit`: the word as a key (a project that depends on trajaudit names
    it too, as a string), or a \\u or \\U escape, the only ones in a quoted key (`"traj\\u0061udit"`) that can stand
    for a letter. Another use of the word (in a string, a comment) only makes us parse the file."""
    return ("trajaudit" in text and _OUR_KEY.search(text) is not None) or "\\u" in text or "\\U" in text


def load(path: Path | None) -> Config:
    """Read settings from a file (trajaudit.toml: top level; pyproject.toml: [tool.trajaudit]); defaults if None."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{path}: tool must be a table, found {_type_name(tool)}")
        data = tool.get("trajaudit", {})
        where = f"{path} [tool.trajaudit]"
        if not isinstance(data, dict):
            raise ConfigError(f"{where} must be a table, found {_type_name(data)}")
    else:
        where = str(path)
    return from_mapping(data, where)


def from_mapping(data: Mapping[str, Any], where: str) -> Config:
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    select = tuple(_strings(data.get("select", []), f"{where}: select"))
    ignore = tuple(_strings(data.get("ignore", []), f"{where}: ignore"))
    _expand(select, where)
    _expand(ignore, where)
    severity = {
        _rule_code(key, where): _severity(value, f"{where}: severity.{key}")
        for key, value in _table(data.get("severity", {}), f"{where}: severity").items()
    }
    options: dict[str, dict[str, Any]] = {}
    for key, value in _table(data.get("options", {}), f"{where}: options").items():
        code = _rule_code(key, where)
        for name, option in _table(value, f"{where}: options.{key}").items():
            options.setdefault(code, {})[name] = _check_option(code, name, option, f"{where}: options.{key}.{name}")
    fail_on = parse_fail_on(data["fail-on"], where) if "fail-on" in data else Severity.ERROR
    input_format = _input_format(data.get("from", "auto"), where)
    return Config(
        select=select,
        ignore=ignore,
        fail_on=fail_on,
        severity=severity,
        options=options,
        input_format=input_format,
        origin=where,
        limits=parse_limits(_table(data.get("limits", {}), f"{where}: limits"), f"{where}: limits"),
    )


LIMITS_PREFIX = "limits."
_UNITS = {"": 1, "k": 1000, "kb": 1000, "kib": 1 << 10, "m": 10**6, "mb": 10**6, "mib": 1 << 20, "g": 10**9,
          "gb": 10**9, "gib": 1 << 30}


def parse_limits(values: Mapping[str, Any], where: str, base: Limits | None = None) -> Limits:
    """`Limits` from kebab-case keys; positive integers, sizes also as strings with a unit ("64MiB", "1 GB")."""
    known = {Limits.key(f.name): f.name for f in fields(Limits)}
    changes = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown limit {key!r} (known: {', '.join(sorted(known))})")
        changes[known[key]] = _limit_value(value, f"{where}: {key}")
    return replace(base or Limits(), **changes)


_SIZE = re.compile(r"\s*([0-9]+)\s*([A-Za-z]*)\s*")
MAX_LIMIT = 1 << 40  # 1 TiB, or a trillion: past any machine, and within what reads can be asked for


def _limit_value(value: Any, where: str) -> int:
    expected = f'expected an integer from 1 to {MAX_LIMIT:,}, or a size such as "64MiB"'
    if isinstance(value, str):
        match = _SIZE.fullmatch(value)
        scale = _UNITS.get(match.group(2).lower()) if match else None
        if match is None or scale is None:
            raise ConfigError(f"{where} = {value!r}: {expected}")
        value = int(match.group(1)) * scale
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise ConfigError(f"{where} = {value!r}: {expected}")
    return value


def parse_fail_on(value: Any, where: str) -> Severity | None:
    if value == "never":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}: fail-on must be one of info, warning, error, never")
    try:
        return Severity.parse(value)
    except ValueError:
        raise ConfigError(f"{where}: fail-on {value!r}: expected info, warning, error or never") from None


def _expand(patterns: tuple[str, ...], where: str) -> set[str]:
    """Codes matched by codes, code prefixes (TA2) or names; an entry matching nothing is an error."""
    codes: set[str] = set()
    for pattern in patterns:
        key = pattern.strip()
        if not key:
            raise ConfigError(f"{where}: an empty rule name would match every rule; name rules, codes or prefixes")
        matched = {r.code for r in rules.RULES if r.code.startswith(key.upper()) or r.name == key.lower()}
        if not matched:
            raise ConfigError(f"{where}: unknown rule {pattern!r}; `trajaudit rules` lists them")
        codes |= matched
    return codes


def _rule_code(key: str, where: str) -> str:
    try:
        return rules.lookup(key).code
    except KeyError as exc:
        raise ConfigError(f"{where}: {exc.args[0]}") from None


def _check_option(code: str, name: str, value: Any, where: str) -> Any:
    """The value of one rule option, checked against its declared type and range; `where` names the key or flag."""
    rule = rules.lookup(code)
    spec = RULE_OPTIONS.get(rule.name, {}).get(name)
    if name not in rule.options or spec is None:
        known = ", ".join(sorted(rule.options)) or "none"
        raise ConfigError(f"{where}: {rule.code} {rule.name} has no option {name!r} (options: {known})")
    return spec.check(value, where)


def _input_format(value: Any, where: str) -> str:
    from trajaudit import importers

    known = (importers.AUTO, *importers.names())
    if not isinstance(value, str) or value not in known:
        raise ConfigError(f"{where}: from = {value!r}: expected one of {', '.join(known)}")
    return value


def _type_name(value: Any) -> str:
    names = {dict: "a table", list: "an array", str: "a string", bool: "a boolean", int: "an integer", float: "a float"}
    return names.get(type(value), f"a {type(value).__name__}")


def _severity(value: Any, where: str) -> Severity:
    try:
        return Severity.parse(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return value


def _table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table")
    return value


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _assignment(item: str, flag: str, shape: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"{flag} {item!r}: expected {shape}")
    return key.strip(), value.strip()


def _option_value(text: str) -> Any:
    """A flag value read as TOML (4, 0.5, true, "x"), falling back to the bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
