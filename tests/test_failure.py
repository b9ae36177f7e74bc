"""Failure evidence (trajaudit.failure): explicit fields first, then the shapes real tools print their failures in.

Every output below is written by us in the shape the named tool prints; none is copied from a log.
"""

from __future__ import annotations

import signal

import pytest

from tests.rules.harness import call, result, say, steps_flagged
from trajaudit.failure import Reason, Status, _cached_text_failure, judge, text_failure

CHAT = {"format": "openai", "file": "run.jsonl"}  # a format whose tool results carry no success flag


def chat_result(output: str, ok: bool = True, **extra) -> dict:
    """A tool result as the OpenAI chat importer makes it: `ok` only guessed from the text."""
    return {"kind": "tool_result", "call_id": "c1", "ok": ok, "output": output, "origin": CHAT, **extra}


FAILURES = [
    pytest.param(
        "Traceback (most recent call last):\n"
        '  File "/srv/tools/orders.py", line 42, in cancel\n'
        "    order = ORDERS[order_id]\n"
        "            ~~~~~~^^^^^^^^^^\n"
        "KeyError: '#W2'\n",
        Reason.PYTHON_EXCEPTION, "KeyError: '#W2'", id="cpython-traceback",
    ),
    pytest.param(
        "Traceback (most recent call last):\n  File \"<stdin>\", line 1, in <module>\nKeyboardInterrupt\n",
        Reason.PYTHON_EXCEPTION, "KeyboardInterrupt", id="cpython-traceback-bare-class",
    ),
    pytest.param(
        "Traceback (most recent call last):\n  File \"/srv/app.py\", line 9, in <module>\n    main()\n"
        "myapp.billing.CardDeclined: card ending 4242 was declined\n",
        Reason.PYTHON_EXCEPTION, "myapp.billing.CardDeclined", id="cpython-traceback-any-class",
    ),
    pytest.param(
        "ValueError: invalid literal for int() with base 10: 'abc'",
        Reason.PYTHON_EXCEPTION, "ValueError", id="python-exception-line",
    ),
    pytest.param(
        "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: users\n"
        "[SQL: SELECT users.id FROM users]\n(Background on this error at: https://sqlalche.me/e/20/e3q8)",
        Reason.PYTHON_EXCEPTION, "sqlalchemy.exc.OperationalError", id="sqlalchemy-module-prefixed-first-line",
    ),
    pytest.param(
        "requests.exceptions.HTTPError: 404 Client Error: Not Found for url: https://api.example.com/v1/orders/42",
        Reason.PYTHON_EXCEPTION, "HTTPError", id="requests-HTTPError",
    ),
    pytest.param(
        "fatal: not a git repository (or any of the parent directories): .git",
        Reason.CLI_ERROR, "fatal:", id="git-fatal",
    ),
    pytest.param(
        "error: pathspec 'feature/login' did not match any file(s) known to git",
        Reason.CLI_ERROR, "pathspec", id="git-error",
    ),
    pytest.param(
        "   Compiling demo v0.1.0 (/home/dev/demo)\n"
        "error[E0425]: cannot find value `count` in this scope\n"
        " --> src/main.rs:4:20\n  |\n4 |     println!(\"{}\", count);\n  |                    ^^^^^ not found\n\n"
        "For more information about this error, try `rustc --explain E0425`.\n"
        "error: could not compile `demo` (bin \"demo\") due to 1 previous error\n",
        Reason.CLI_ERROR, "could not compile", id="cargo-error",
    ),
    pytest.param(
        "error[E0308]: mismatched types\n --> src/lib.rs:3:5\n  |\n3 |     \"one\"\n  |     ^^^^^ expected `u32`\n",
        Reason.CLI_ERROR, "mismatched types", id="rustc-error",
    ),
    pytest.param(
        "npm ERR! code E404\nnpm ERR! 404 Not Found - GET https://registry.npmjs.org/left-padx - Not found\n"
        "npm ERR! 404\nnpm ERR! A complete log of this run can be found in: /root/.npm/_logs/debug-0.log\n",
        Reason.CLI_ERROR, "npm ERR!", id="npm-ERR",
    ),
    pytest.param(
        "npm error code ERESOLVE\nnpm error ERESOLVE unable to resolve dependency tree\n",
        Reason.CLI_ERROR, "npm error", id="npm-10-error",
    ),
    pytest.param(
        "HTTP/1.1 404 Not Found\nContent-Type: application/json\nContent-Length: 24\n\n{\"message\": \"Not Found\"}",
        Reason.HTTP_STATUS, "404", id="curl-i-404",
    ),
    pytest.param(
        "HTTP/1.1 301 Moved Permanently\nLocation: https://api.example.com/\n\nHTTP/2 503 \ncontent-length: 0\n\n",
        Reason.HTTP_STATUS, "503", id="curl-iL-redirect-then-503",
    ),
    pytest.param("<Response [500]>", Reason.HTTP_STATUS, "500", id="requests-response-repr"),
    pytest.param("Response(status_code=502, reason='Bad Gateway')", Reason.HTTP_STATUS, "502", id="httpx-status_code"),
    pytest.param(
        'Error from server (NotFound): deployments.apps "web" not found',
        Reason.CLI_ERROR, "Error from server", id="kubectl-error-from-server",
    ),
    pytest.param(
        "Error response from daemon: No such container: web-1",
        Reason.CLI_ERROR, "daemon", id="docker-error-response",
    ),
    pytest.param(
        'ERROR:  relation "orders" does not exist\nLINE 1: SELECT * FROM orders;\n                      ^\n',
        Reason.CLI_ERROR, "relation", id="psql-ERROR",
    ),
    pytest.param(
        'psql: error: connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused',
        Reason.CLI_ERROR, "psql: error", id="psql-connection-error",
    ),
    pytest.param(
        "\nAn error occurred (NoSuchBucket) when calling the ListObjectsV2 operation: The specified bucket does not "
        "exist\n",
        Reason.CLI_ERROR, "NoSuchBucket", id="aws-cli-an-error-occurred",
    ),
    pytest.param("curl: (6) Could not resolve host: api.example.invalid", Reason.CLI_ERROR, "curl: (6)", id="curl-6"),
    pytest.param("bash: line 1: kubctl: command not found", Reason.CLI_ERROR, "command not found", id="bash-not-found"),
    pytest.param(
        "cc -o main main.c\nmain.c: In function 'main':\nmain.c:3:5: error: 'x' undeclared\n"
        "make: *** [Makefile:2: main] Error 1",
        Reason.CLI_ERROR, "make: ***", id="make-error",
    ),
    pytest.param(
        "ERROR: Could not find a version that satisfies the requirement torchh (from versions: none)\n"
        "ERROR: No matching distribution found for torchh",
        Reason.CLI_ERROR, "torchh", id="pip-ERROR",
    ),
    pytest.param("E: Unable to locate package libfoo-dev", Reason.CLI_ERROR, "Unable to locate", id="apt-E"),
    pytest.param(
        "Error: unknown flag: --fource\nUsage:\n  gh pr merge [<number> | <url> | <branch>] [flags]\n",
        Reason.TOOL_ERROR_PREFIX, "unknown flag", id="gh-cobra-Error",
    ),
    pytest.param("Error: non-pending order cannot be cancelled", Reason.TOOL_ERROR_PREFIX, "non-pending",
                 id="tau-bench-Error-prefix"),
    pytest.param(
        '{"error": {"code": "card_declined", "decline_code": "insufficient_funds", '
        '"message": "Your card has insufficient funds.", "type": "card_error"}}',
        Reason.JSON_ERROR_OBJECT, "insufficient funds", id="stripe-error-json",
    ),
    pytest.param('{"ok": false, "error": "channel_not_found"}', Reason.JSON_ERROR_OBJECT, "channel_not_found",
                 id="slack-ok-false"),
    pytest.param('{"success": false, "message": "seat 12A is no longer available"}', Reason.JSON_ERROR_OBJECT,
                 "success", id="success-false-json"),
    pytest.param('{"status": "error", "message": "Rate limit exceeded"}', Reason.JSON_ERROR_OBJECT,
                 "Rate limit", id="status-error-envelope"),
    pytest.param('{"type": "about:blank", "title": "Service Unavailable", "status": 503}', Reason.HTTP_STATUS,
                 "503", id="problem-json-status"),
    pytest.param('{"data": null, "errors": [{"message": "Cannot query field \\"foo\\" on type \\"Query\\"."}]}',
                 Reason.JSON_ERROR_OBJECT, "Cannot query", id="graphql-errors"),
    pytest.param('{"content": [{"type": "text", "text": "repo not found"}], "isError": true}',
                 Reason.JSON_ERROR_OBJECT, "isError", id="mcp-isError"),
    pytest.param('{"output": "ls: cannot access \'x\': No such file or directory\\n", '
                 '"metadata": {"exit_code": 2, "duration_seconds": 0.1}}',
                 Reason.EXIT_CODE, "exit_code", id="codex-function-output-json"),
    pytest.param("Exit code: 1\nWall time: 0.3 seconds\nOutput:\nFAILED tests/test_a.py::test_x\n", Reason.EXIT_CODE,
                 "Exit code: 1", id="codex-exec-text"),
    pytest.param("<returncode>2</returncode>\n<output>\ngrep: nope.txt: No such file or directory\n</output>",
                 Reason.EXIT_CODE, "<returncode>2", id="mini-swe-agent-returncode"),
]


@pytest.mark.parametrize(("output", "reason", "quoted"), FAILURES)
def test_failure_shapes_of_real_tools_count_as_failed(output, reason, quoted):
    judgement = judge(chat_result(output))
    assert judgement.status is Status.FAILED
    assert judgement.reason is reason
    assert quoted in judgement.evidence
    start, end = judgement.span
    if output.lstrip().startswith("{"):
        assert (start, end) == (0, len(output.strip()))  # the JSON object as a whole
    else:
        assert output[start:end].strip()[:200] == judgement.evidence  # the line that decided it


NOT_FAILURES = [
    pytest.param(
        "============================= test session starts ==============================\ncollected 12 items\n\n"
        "tests/test_orders.py ............                                        [100%]\n\n"
        "============================== 12 passed, 0 errors in 0.31s ==============================\n",
        id="pytest-success-0-errors",
    ),
    pytest.param("Linting complete: no errors found.", id="no-errors-found"),
    pytest.param("All checks passed!\n0 errors, 0 warnings\n", id="ruff-like-summary"),
    pytest.param('{"error": null, "errors": [], "data": {"id": "ord_1"}}', id="json-error-null-errors-empty"),
    pytest.param('{"ok": true, "error": "", "result": {"booked": true}}', id="json-ok-true-empty-error"),
    pytest.param('{"status": 201, "id": "ord_1"}', id="json-status-201"),
    pytest.param("HTTP/1.1 204 No Content\nDate: Tue, 01 Oct 2024 10:00:00 GMT\n\n", id="curl-i-204"),
    pytest.param("HTTP/2 200 \ncontent-type: text/html\n\n<html>status: 404 page</html>", id="curl-i-200"),
    pytest.param("<Response [200]>", id="requests-200"),
    pytest.param(
        "src/app.py:10:import logging\nError: disk quota exceeded\nlogs/app.log:Error: disk quota exceeded\n"
        "src/app.py:55:    log.info('done')\n",
        id="grep-listing-with-Error-in-the-middle",
    ),
    pytest.param(
        "class PaymentError(Exception):\n    \"\"\"Raised when a charge fails.\"\"\"\n\n\n"
        "def charge(card):\n    if not card:\n        raise PaymentError('no card')\n",
        id="cat-of-code-defining-an-exception",
    ),
    pytest.param(
        "def parse(x):\n    \"\"\"Parse x.\n\n    Raises:\n        ValueError: If x is negative.\n    \"\"\"\n",
        id="cat-of-docstring-listing-raises",
    ),
    pytest.param(
        "2024-05-01 10:00:01 WARN retrying after ConnectionError: timed out\n2024-05-01 10:00:02 INFO request ok\n",
        id="log-line-mentioning-an-exception-mid-sentence",
    ),
    pytest.param("DeprecationWarning: pkg_resources is deprecated as an API", id="python-warning-line"),
    pytest.param("page.html.gz: ('text/html', 'gzip')\narchive.tar.Z: ('application/x-tar', 'compress')",
                 id="script-printing-file-names-with-mimetypes"),
    pytest.param(
        '{"order_id": "#W2", "status": "cancelled", "items": [], "payment_history": []}', id="tau-order-record",
    ),
    pytest.param(
        '{"payment_id": "pay_1", "amount": 1200, "currency": "usd", "status": "failed", "created": 1714550400}',
        id="entity-whose-own-status-is-failed",
    ),
    pytest.param("Exit code: 0\nOutput:\nerror: nothing to commit (this is fine)\n", id="exit-code-0-wins-over-text"),
    pytest.param("", id="empty"),
]


@pytest.mark.parametrize("output", NOT_FAILURES)
def test_near_misses_do_not_count_as_failed(output):
    judgement = judge(chat_result(output))
    assert judgement.status is Status.SUCCEEDED, judgement


def test_explicit_flags_come_first():
    native = {"kind": "tool_result", "call_id": "c1"}
    traceback = "Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: shown as data\n"
    # a native log's own flag is trusted over the text
    assert judge({**native, "ok": True, "output": traceback}).status is Status.SUCCEEDED
    failed = judge({**native, "ok": False, "error": "order is not pending"})
    assert (failed.status, failed.reason) == (Status.FAILED, Reason.EXPLICIT_FLAG)
    assert failed.evidence == "order is not pending"
    assert judge({**native, "ok": True, "exit_code": 2}).reason is Reason.EXIT_CODE
    assert judge({**native, "ok": True, "exit_code": 0}).status is Status.SUCCEEDED
    assert judge({**native, "ok": True, "meta": {"status": "failed"}}).reason is Reason.STATUS_FIELD
    assert judge({**native, "ok": True, "status": 503}).reason is Reason.HTTP_STATUS
    assert judge({**native, "ok": True, "status": 200}).status is Status.SUCCEEDED
    # a chat log's message-level error flag stands even when the text shows no shape
    flagged = judge(chat_result("something went sideways", ok=False))
    assert (flagged.status, flagged.reason) == (Status.FAILED, Reason.EXPLICIT_FLAG)
    # an exit code field decides before the text's shapes
    assert judge(chat_result("fatal: bad revision", exit_code=0)).status is Status.SUCCEEDED
    assert judge(None).status is Status.UNKNOWN


def test_text_failure_reads_only_the_edges_of_long_outputs():
    listing = "\n".join(f"file{i}.txt" for i in range(2000))
    assert text_failure("fatal: bad object HEAD\n" + listing).reason is Reason.CLI_ERROR
    assert text_failure(listing[:5000] + "\nfatal: in the middle\n" + listing[5000:]) is None
    assert text_failure(listing + "\nValueError: at the end\n").reason is Reason.PYTHON_EXCEPTION


def test_only_short_outputs_are_kept_in_the_cache():
    _cached_text_failure.cache_clear()
    assert text_failure("x" * 1_000_000 + "\nfatal: too big to keep\n").reason is Reason.CLI_ERROR
    assert _cached_text_failure.cache_info().currsize == 0  # a log of large outputs must not stay in memory
    assert text_failure("fatal: small\n").reason is Reason.CLI_ERROR
    assert _cached_text_failure.cache_info().currsize == 1


def test_pathological_outputs_stay_fast():
    """Inputs that would take minutes with a backtracking pattern or an unbounded scan: guarded by an alarm."""
    def timeout(signum, frame):  # pragma: no cover - only runs when a regression makes this slow
        raise TimeoutError("failure evidence took too long")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(10)
    try:
        for output in (
            "a." * 3_000_000 + "B",
            "a" * 5_000_000 + ":",
            "bash: " + ":" * 2_000_000,
            "{" + '"k": 1, ' * 500_000 + "}",
            "make: *** " + "x" * 2_000_000,
            "\n" * 3_000_000 + "x",
            "Traceback (most recent call last):\n" + "  File\n" * 1_000_000 + "a." * 200_000,
        ):
            judge(chat_result(output))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- the rules that ask "did this call fail?" -----------------------------------------------------------------

def _chat(event: dict) -> dict:
    return {**event, "origin": CHAT}


def test_ignored_tool_error_fires_on_a_traceback_in_a_chat_log():
    events = [
        say("user", "cancel #W2"),
        _chat(call("cancel_order", "c1", order_id="#W2")),
        _chat(result("c1", True, "Traceback (most recent call last):\n  File \"t.py\", line 3\nKeyError: '#W2'\n")),
        say("assistant", "Your order #W2 is cancelled."),
    ]
    assert steps_flagged("TA201", events) == [2]


def test_ignored_tool_error_near_miss_output_mentioning_errors():
    events = [
        say("user", "lint it"),
        _chat(call("run_linter", "c1", path=".")),
        _chat(result("c1", True, "Linting complete: no errors found.")),
        say("assistant", "The code is clean."),
    ]
    assert steps_flagged("TA201", events) == []


def test_contradicted_claim_fires_on_a_json_error_object_in_a_chat_log():
    events = [
        say("user", "Please cancel order #W2."),
        _chat(call("cancel_pending_order", "c1", order_id="#W2")),
        _chat(result("c1", True, '{"ok": false, "error": "order_not_pending"}')),
        say("assistant", "Your order #W2 has been cancelled."),
    ]
    assert steps_flagged("TA102", events) == [3]


def test_contradicted_claim_near_miss_json_with_null_error():
    events = [
        say("user", "Please cancel order #W2."),
        _chat(call("cancel_pending_order", "c1", order_id="#W2")),
        _chat(result("c1", True, '{"ok": true, "error": null, "status": "cancelled"}')),
        say("assistant", "Your order #W2 has been cancelled."),
    ]
    assert steps_flagged("TA102", events) == []


def test_contradicted_claim_fires_on_an_http_error_status_line():
    events = [
        say("user", "Deploy the new build."),
        _chat(call("deploy_service", "c1", service="web")),
        _chat(result("c1", True, "HTTP/1.1 503 Service Unavailable\nretry-after: 30\n\n")),
        say("assistant", "I've deployed the new build of web."),
    ]
    assert steps_flagged("TA102", events) == [3]


@pytest.mark.parametrize(
    "output",
    [
        "403 Forbidden: approver role required for this change",
        "HTTP 429 Too Many Requests - retry after 30s",
        "502 Bad Gateway",
        "  422 Unprocessable Entity: field 'due' is required",  # the RFC 7231 name of 422
        "HTTP/2 404 Not Found",
    ],
)
def test_status_lines_without_the_http_version_count_as_failed(output: str) -> None:
    judged = text_failure(output)
    assert judged is not None and judged.status is Status.FAILED and judged.reason is Reason.HTTP_STATUS


@pytest.mark.parametrize(
    "output",
    [
        "500 items exported to the archive",  # a count, not a status
        "status 200",
        "port 403 is open on the gateway",
        "404 Found: all records matched",  # a code with another code's phrase
        "403 forbidden words were filtered from the post",  # the phrase must end where the status line does
        "Shelved 401 Unauthorized Biographies (catalogue import)",  # not at the start of the line
        "HTTP 201 Created",
    ],
)
def test_near_misses_of_status_lines(output: str) -> None:
    judged = text_failure(output)
    assert judged is None or judged.status is not Status.FAILED


def test_an_exception_shape_on_the_last_line_needs_the_screen_or_a_traceback_header():
    # the shapes are tried before the screen (for speed); which of them count must not change with that order
    assert text_failure("listing\nfoo.Bar") is None  # a dotted name alone: no screen word, no traceback
    assert text_failure('Traceback (most recent call last):\n  File "x.py", line 1\nfoo.Bar').reason is (
        Reason.PYTHON_EXCEPTION
    )
    assert text_failure("listing\nfoo.Bar: it broke").reason is Reason.PYTHON_EXCEPTION  # `module.Class: …`
    assert text_failure("listing\nKeyError").reason is Reason.PYTHON_EXCEPTION
    assert text_failure("listing\nkeyerror") is None
    assert text_failure("listing\nDeprecationWarning: old") is None


def test_a_shape_counts_on_a_line_that_passes_the_screen():
    assert text_failure("fetched\nstatus: 503").reason is Reason.HTTP_STATUS
    assert text_failure("fetched 4 items\nall done") is None  # digits alone are not a status
    assert text_failure("E: Unable to locate package x").reason is Reason.CLI_ERROR
    assert text_failure("exit code 0\nfatal: later").status is Status.SUCCEEDED  # the exit code line comes first
