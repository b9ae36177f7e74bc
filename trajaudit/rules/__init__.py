"""The rule registry: one explicit tuple, in code order.

`RULES`, `BY_CODE` and `BY_NAME` are built when first read (PEP 562 module `__getattr__`), not when the package is
imported: every rule module and what they import cost a sixth of a one-line `validate`'s start-up (~90 M instructions),
and `validate` needs only TA001's and TA002's identity, which the engine reads from their modules."""

from __future__ import annotations

from typing import Any

from trajaudit.rules.rule import Rule

RULES: tuple[Rule, ...]  # these three are set on first read (see `__getattr__`)
BY_CODE: dict[str, Rule]
BY_NAME: dict[str, Rule]


def __getattr__(name: str) -> Any:
    if name not in ("RULES", "BY_CODE", "BY_NAME"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _registry()[name]


def _registry() -> dict[str, Any]:
    names = globals()
    if "RULES" not in names:
        from trajaudit.rules import (
            claim_without_action,
            confident_failure,
            contradicted_claim,
            divergence_step,
            early_stop_point,
            false_success_claim,
            ignored_tool_error,
            invalid_json,
            invalid_tool_arguments,
            low_confidence_step,
            reasoning_budget_exceeded,
            repeated_call,
            schema_violation,
            step_order,
            truncated_trajectory,
            unknown_tool,
            unmatched_tool_call_or_result,
            unverified_completion,
            unverified_tests_claim,
        )

        rules = tuple(
            Rule.from_module(module)
            for module in (
                invalid_json,
                schema_violation,
                step_order,
                truncated_trajectory,
                false_success_claim,
                contradicted_claim,
                claim_without_action,
                unverified_tests_claim,
                unverified_completion,
                ignored_tool_error,
                unknown_tool,
                invalid_tool_arguments,
                unmatched_tool_call_or_result,
                repeated_call,
                low_confidence_step,
                early_stop_point,
                reasoning_budget_exceeded,
                confident_failure,
                divergence_step,
            )
        )
        names["BY_CODE"] = {rule.code: rule for rule in rules}
        names["BY_NAME"] = {rule.name: rule for rule in rules}
        names["RULES"] = rules  # last: its presence says the registry is complete
    return names


def lookup(code_or_name: str) -> Rule:
    """The rule with this code (TA201) or name (ignored-tool-error); KeyError with a helpful message otherwise."""
    key = code_or_name.strip()
    registry = _registry()
    by_code: dict[str, Rule] = registry["BY_CODE"]
    by_name: dict[str, Rule] = registry["BY_NAME"]
    rule = by_code.get(key.upper()) or by_name.get(key.lower())
    if rule is None:
        raise KeyError(f"unknown rule {code_or_name!r}; `trajaudit rules` lists them")
    return rule
