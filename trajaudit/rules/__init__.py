"""The rule registry: one explicit tuple, in code order."""

from __future__ import annotations

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
from trajaudit.rules.rule import Rule

RULES: tuple[Rule, ...] = tuple(
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

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


def lookup(code_or_name: str) -> Rule:
    """The rule with this code (TA201) or name (ignored-tool-error); KeyError with a helpful message otherwise."""
    key = code_or_name.strip()
    rule = BY_CODE.get(key.upper()) or BY_NAME.get(key.lower())
    if rule is None:
        raise KeyError(f"unknown rule {code_or_name!r}; `trajaudit rules` lists them")
    return rule
