"""The agent says the tests pass, but the last test run failed or the code changed after it.

## What it does
When the final report claims the tests pass ("all tests pass", "tests are green", "42 passed"), looks at the test
runs before the claim — `pytest`, `python -m unittest`, Django's `runtests.py`, `go test`, `cargo test`,
`npm test`/`jest`/`vitest`, `tox`, `make test`, … — and reads their outcome from the output ("3 failed, 40 passed",
"FAILED (failures=2)", "ok  \tpkg", "test result: ok.", "Tests: 1 failed"), falling back on the exit code. It
reports the claim when
- no test run happened at all (in a trajectory where the agent runs tools),
- the last test run failed, or
- the code was edited (an edit tool, `sed -i`, `cat > file`, `apply_patch`, …) after the last test run.
Edits to throwaway files (reproduce.py, /tmp/...) do not count as code changes. A run whose outcome cannot be read
is given the benefit of the doubt.

## Why it matters
"All tests pass" is the sentence reviewers trust most and check least. A claim made from memory of an earlier green
run, or despite a red one, ships broken code with a note saying it works.

## Example
```
step 20 tool_call   bash: pytest tests/test_parser.py
step 21 tool_result FAILED tests/test_parser.py::test_empty - AssertionError  (1 failed, 11 passed)
step 22 message     assistant: The fix is in place and all tests pass.
```

## How to fix
Run the tests after the last change and report what they say, failures included. In CI, make the agent's final
step a test run whose output is in the log.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from trajaudit.claims import TESTS_PASS
from trajaudit.model import Severity, Trajectory, Violation
from trajaudit.verdicts import Basis, claim_verdicts

CODE = "TA104"
NAME = "unverified-tests-claim"
SEVERITY = Severity.ERROR


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    judged = next((v for v in claim_verdicts(trajectory) if v.claim.type == TESTS_PASS and v.claim.event), None)
    if judged is None:
        return
    claim, last = judged.claim, judged.test_run
    evidence: dict[str, Any] = {"claim": claim.quote(400), "span": [claim.start, claim.end]}
    if judged.basis is Basis.NO_TEST_RUN:
        yield Violation(
            claim.event,
            f'the agent claims "{claim.quote()}" but no test run appears before the claim',
            {**evidence, "test_runs": 0},
        )
        return
    if last is None:
        return
    evidence.update({"last_test_step": last.attempt.step, "last_test": last.attempt.describe(), "result": last.summary})
    if judged.basis is Basis.FAILED_TESTS:
        yield Violation(
            claim.event,
            f'the agent claims "{claim.quote()}" but the last test run, {last.attempt.describe()} at step '
            f"{last.attempt.step}, failed ({last.summary})",
            evidence,
        )
    elif judged.basis is Basis.CHANGED_AFTER_TESTS and judged.attempt is not None:
        change = judged.attempt
        yield Violation(
            claim.event,
            f'the agent claims "{claim.quote()}" but the code changed at step {change.step} ({change.describe()}) '
            f"after the last test run at step {last.attempt.step}",
            {**evidence, "change_step": change.step, "change": change.describe()},
        )
