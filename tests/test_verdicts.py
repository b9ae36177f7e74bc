"""Graded claim verdicts: one per claim, decided from the log alone."""

from __future__ import annotations

import pytest

from tests.rules.harness import call, result, say, trajectory
from trajaudit.verdicts import Basis, Verdict, claim_verdicts


def verdicts(*events):
    return [(v.claim.action, v.verdict, v.basis, v.evidence_step) for v in claim_verdicts(trajectory(list(events)))]


def test_a_failed_last_attempt_contradicts_the_claim():
    got = verdicts(
        call("cancel_reservation", "c1", reservation_id="K7Q2ZP"),
        result("c1", ok=False, output="Error: reservation K7Q2ZP is not cancellable"),
        say("assistant", "Your reservation K7Q2ZP has been cancelled."),
    )
    assert got == [("cancel", Verdict.CONTRADICTED, Basis.FAILED_ATTEMPT, 1)]


def test_a_successful_retry_supports_the_claim_at_its_result():
    got = verdicts(
        call("cancel_reservation", "c1", reservation_id="K7Q2ZP"),
        result("c1", ok=False, output="Error: timeout"),
        call("cancel_reservation", "c2", reservation_id="K7Q2ZP"),
        result("c2", output='{"status": "cancelled"}'),
        say("assistant", "Your reservation K7Q2ZP has been cancelled."),
    )
    assert got == [("cancel", Verdict.SUPPORTED, Basis.SUCCESSFUL_ATTEMPT, 3)]


def test_no_call_performing_the_action_leaves_the_claim_unsupported():
    got = verdicts(
        call("get_reservation", "c1", reservation_id="K7Q2ZP"),
        result("c1", output='{"status": "confirmed"}'),
        say("assistant", "Your reservation K7Q2ZP has been cancelled."),
    )
    assert got == [("cancel", Verdict.UNSUPPORTED, Basis.NO_ATTEMPT, None)]


def test_a_log_without_tool_calls_cannot_tell():
    got = verdicts(say("assistant", "Your reservation K7Q2ZP has been cancelled."))
    assert got == [("cancel", Verdict.UNVERIFIABLE, Basis.NO_TOOL_CALLS, None)]


def test_a_state_found_is_not_an_action_to_check():
    got = verdicts(
        call("get_reservation", "c1", reservation_id="K7Q2ZP"),
        result("c1", output='{"status": "cancelled"}'),
        say("assistant", "Reservation K7Q2ZP was already cancelled earlier."),
    )
    assert [v for _, v, _, _ in got] in ([], [Verdict.UNVERIFIABLE])


@pytest.mark.parametrize(
    ("exit_code", "verdict", "basis"),
    [(1, Verdict.CONTRADICTED, Basis.FAILED_TESTS), (0, Verdict.SUPPORTED, Basis.PASSED_TESTS)],
)
def test_a_tests_claim_follows_the_last_test_run(exit_code, verdict, basis):
    output = "3 passed in 0.2s" if exit_code == 0 else "1 failed, 2 passed in 0.3s"
    got = verdicts(
        call("bash", "c1", command="python -m pytest -q"),
        result("c1", ok=exit_code == 0, output=output, exit_code=exit_code),
        say("assistant", "All tests pass."),
    )
    assert got == [(None, verdict, basis, 1)]


def test_a_change_after_the_last_green_run_leaves_a_tests_claim_unsupported():
    got = verdicts(
        call("bash", "c1", command="python -m pytest -q"),
        result("c1", output="3 passed in 0.2s", exit_code=0),
        call("bash", "c2", command="sed -i 's/a/b/' src/pager.py"),
        result("c2", exit_code=0),
        say("assistant", "All tests pass."),
    )
    assert got == [(None, Verdict.UNSUPPORTED, Basis.CHANGED_AFTER_TESTS, 2)]


def test_a_tests_claim_without_any_test_run_is_unsupported():
    got = verdicts(
        call("bash", "c1", command="sed -i 's/a/b/' src/pager.py"),
        result("c1", exit_code=0),
        say("assistant", "All tests pass."),
    )
    assert got == [(None, Verdict.UNSUPPORTED, Basis.NO_TEST_RUN, None)]


def test_no_claim_no_verdict():
    assert verdicts(
        call("cancel_reservation", "c1", reservation_id="K7Q2ZP"),
        result("c1", ok=False, output="Error: not cancellable"),
        say("assistant", "I could not cancel reservation K7Q2ZP: the airline refused."),
    ) == []


def _cli(*args):
    from typer.testing import CliRunner

    from trajaudit.cli import app

    return CliRunner().invoke(app, list(args))


def _write(tmp_path, *events):
    import json

    path = tmp_path / "run.jsonl"
    path.write_text("".join(json.dumps({"trajectory": "r1", "step": i, **e}) + "\n" for i, e in enumerate(events)))
    return path


def test_machine_formats_carry_one_record_per_claim_with_its_verdict(tmp_path):
    import json

    path = _write(
        tmp_path,
        call("cancel_reservation", "c1", reservation_id="K7Q2ZP"),
        result("c1", ok=False, output="Error: reservation K7Q2ZP is not cancellable"),
        say("assistant", "Your reservation K7Q2ZP has been cancelled."),
    )
    out = _cli("audit", str(path), "--format", "jsonl", "-q")
    records = [json.loads(line) for line in out.stdout.splitlines()]
    claims = [r for r in records if r["type"] == "claim"]
    assert [(c["step"], c["action"], c["target"], c["verdict"], c["evidence_step"]) for c in claims] == [
        (2, "cancel", "K7Q2ZP", "contradicted", 1)
    ]
    trajectory = next(r for r in records if r["type"] == "trajectory")
    assert trajectory["claims"]["contradicted"] == 1 and records[-1]["claims"]["contradicted"] == 1
    document = json.loads(_cli("audit", str(path), "--format", "json", "-q").stdout)
    assert [c["verdict"] for c in document["trajectories"][0]["claim_list"]] == ["contradicted"]


def test_a_run_without_claims_has_no_claim_records(tmp_path):
    path = _write(
        tmp_path,
        call("cancel_reservation", "c1", reservation_id="K7Q2ZP"),
        result("c1", ok=False, output="Error: reservation K7Q2ZP is not cancellable"),
        say("assistant", "I could not cancel reservation K7Q2ZP: the airline refused."),
    )
    out = _cli("audit", str(path), "--format", "jsonl", "-q")
    assert '"type":"claim"' not in out.stdout


def test_the_text_view_shows_each_claim_and_the_summary_counts_them(tmp_path):
    path = _write(
        tmp_path,
        call("cancel_reservation", "c1", reservation_id="K7Q2ZP"),
        result("c1", output='{"status": "cancelled"}'),
        say("assistant", "Your reservation K7Q2ZP has been cancelled."),
    )
    out = _cli("audit", str(path), "--format", "text")
    assert "claim supported" in " ".join(out.stdout.split())
    assert "supported 1" in out.stdout


def test_inline_code_punctuation_ends_no_clause_and_a_source_edit_can_remove():
    # SWE-agent style: the claim quotes the whole clause, and an `edit` of the file performed the removal
    got = verdicts(
        call("edit", "c1", command="edit 8:9\n    public Child child;\nend_of_edit"),
        result("c1", output="File updated."),
        say("assistant", "The `@JsonIgnoreProperties(ignoreUnknown=true)` annotation has been removed from `Parent`."),
    )
    assert got == [("delete", Verdict.SUPPORTED, Basis.SUCCESSFUL_ATTEMPT, 1)]
    [judged] = claim_verdicts(trajectory([say("assistant", "The `f(x)` call has been removed from `g`.")]))
    assert judged.claim.text == "The `f(x)` call has been removed from `g`."


def test_reading_a_file_still_removes_nothing():
    got = verdicts(
        call("read_file", "c1", path="src/parent.py"),
        result("c1", output="class Parent: ..."),
        say("assistant", "The `@deprecated` decorator has been removed from `Parent`."),
    )
    assert got == [("delete", Verdict.UNSUPPORTED, Basis.NO_ATTEMPT, None)]


def test_the_issue_attacks_on_a_final_report_run_in_linear_time_and_repeat_no_claim():
    from tests.deadline import deadline

    with deadline(10):  # each text took minutes when politeness was matched with a backtracking `\W*$`
        for text in (
            "I cancelled order 12345 " + "." * 60_000 + "a1",
            "!" * 60_000 + " thanks",
            ".a" * 30_000 + " I cancelled order 12345.",
        ):
            claim_verdicts(trajectory([say("assistant", text)]))
        repeated = claim_verdicts(trajectory([say("assistant", "I cancelled order 12345. " * 2_000)]))
    assert [v.claim.action for v in repeated] == ["cancel"]


def test_a_huge_message_is_read_at_its_ends_for_an_acknowledged_failure():
    from trajaudit.claims import MAX_REPORT_CHARS, acknowledges_failure

    filler = "x " * MAX_REPORT_CHARS * 2
    assert acknowledges_failure("The cancel call failed. " + filler)
    assert acknowledges_failure(filler + " Unfortunately the refund errored.")
    assert not acknowledges_failure("All good. " + filler)


def test_words_inside_inline_code_name_no_action():
    # "return" in the code is not a return of goods: the claim is an addition made by the edit
    got = verdicts(
        call("bash", "c1", command="sed -i 's/pass/return []/' pylint/checkers/similar.py"),
        result("c1", exit_code=0),
        say("assistant", "I added a check `if self.min_lines == 0: return []` to disable the duplicate check."),
    )
    assert [(action, verdict) for action, verdict, _, _ in got] == [("create", Verdict.SUPPORTED)]
