"""Did a tool call fail? One answer for every rule, with the reason and the evidence.

`judge(result)` reads a `tool_result` event (or its JSON object) and returns a `Judgement`: failed, succeeded or
unknown, a typed `Reason` and the evidence (the field and the text span that decided it).

Order of evidence:
1. Explicit fields: `ok: false`; a non-zero `exit_code`; a failed `status` (`"failed"`, `"error"`, an HTTP status
   of 400 or more) on the result or in its `meta`; `ok: true` from a format that records a real flag; an exit code
   of 0; an `error` text.
2. Text shapes, read only when the result has no flag of its own: formats whose tool messages carry no success flag
   (`openai` chat logs, `tau-bench`; the importer's `ok` is a guess from the text there). In order: an exit code
   printed in the text (`exit code 1`, `<returncode>1</returncode>`), a JSON error object (`{"error": …}`,
   `{"ok": false}`, `{"success": false}`, `{"status": "failed"}`, `{"status": 503}`, a non-zero `exit_code`), a
   Python exception (`Traceback (most recent call last):` and the exception as the last line; or a last line
   `SomethingError: …` / `module.sub.AnyClass: …`), an HTTP 4xx/5xx status (`HTTP/1.1 404 Not Found`,
   `status_code=500`, `<Response [503]>`, or a line opening with a 4xx/5xx code and its RFC 9110 reason phrase:
   `403 Forbidden: …`, `HTTP 402 Payment Required`), a CLI error line (`error: …`, `fatal: …`, `npm ERR!`, `Error from
   server`, `An error occurred (…)`, `curl: (6)`, `make: *** … Error 2`), and tau-bench's `Error: …` prefix.

Where a shape must sit, so that text which only mentions an error does not count: line shapes are read on the
first and the last non-empty line only (a grep listing or a file shown by `cat` has them in the middle), at the
start of the line (a log line that says "retrying after ConnectionError: …" does not count), and an exception
class needs the shape Python prints (`Name: message` at column 0 as the last line).

Cost: at most the first and last 4 KB of a text are examined (16 KB at the end for a traceback header), JSON is
parsed only when the text looks like one object of at most 64 KB, and every pattern is linear (no nested
quantifiers) and runs on one line of at most 500 characters.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from typing import Any, Mapping

import orjson

from trajaudit.lazy import regex
from trajaudit.records import dataclass

HEAD = 4096  # characters read at the start of a text
TAIL = 4096  # and at its end
TRACEBACK_TAIL = 16384  # a traceback header may sit further from the end than one window
LINE = 500  # characters of a line a pattern sees
JSON_LIMIT = 65536  # larger outputs are not parsed
CACHED = 16384  # texts up to this length have their judgement cached

# Formats whose tool results carry no success flag: the importer's `ok` there is read from the text.
TEXT_ONLY_FORMATS = frozenset({"openai", "tau-bench"})


class Status(str, Enum):
    FAILED = "failed"
    SUCCEEDED = "succeeded"
    UNKNOWN = "unknown"


class Reason(str, Enum):
    EXPLICIT_FLAG = "explicit_flag"  # `ok`
    EXIT_CODE = "exit_code"  # the `exit_code` field, or an exit code printed in the text / JSON
    STATUS_FIELD = "status_field"  # a `status` field of the result saying it failed
    ERROR_FIELD = "error_field"  # an `error` text on a result without a trusted flag
    PYTHON_EXCEPTION = "python_exception"
    CLI_ERROR = "cli_error"
    HTTP_STATUS = "http_status"
    JSON_ERROR_OBJECT = "json_error_object"
    TOOL_ERROR_PREFIX = "tool_error_prefix"  # tau-bench's `Error: …`
    NO_FAILURE_TEXT = "no_failure_text"  # no flag, and no failure shape in the text
    NO_RESULT = "no_result"


@dataclass(frozen=True, slots=True)
class Judgement:
    status: Status
    reason: Reason
    evidence: str = ""  # the text that decided it (one line, cut to 200 characters)
    field: str | None = None  # the result field it was read from (`ok`, `exit_code`, `output`, ...)
    span: tuple[int, int] | None = None  # character offsets of the evidence in that field's text

    @property
    def failed(self) -> bool:
        return self.status is Status.FAILED

    @property
    def ok(self) -> bool | None:
        """False failed, True succeeded, None unknown (the shape of `Attempt.ok`)."""
        if self.status is Status.UNKNOWN:
            return None
        return self.status is Status.SUCCEEDED

    def gist(self, limit: int = 100) -> str:
        text = " ".join(self.evidence.split()) or "no error text"
        return text if len(text) <= limit else text[: limit - 1] + "…"


UNKNOWN_NO_RESULT = Judgement(Status.UNKNOWN, Reason.NO_RESULT)
# The judgements that carry no text of their own, made once: every rule asks about every result, most succeed.
_SUCCEEDED_FLAG = Judgement(Status.SUCCEEDED, Reason.EXPLICIT_FLAG, "", "ok")
_SUCCEEDED_EXIT_0 = Judgement(Status.SUCCEEDED, Reason.EXIT_CODE, "exit code 0", "exit_code")
_UNKNOWN_NO_TEXT = Judgement(Status.UNKNOWN, Reason.NO_FAILURE_TEXT)
_SUCCEEDED_NO_TEXT = Judgement(Status.SUCCEEDED, Reason.NO_FAILURE_TEXT)
_FAILED_STATUS = frozenset({"failed", "failure", "fail", "error", "errored"})


def judge(result: Any) -> Judgement:
    """Failed / succeeded / unknown for a tool result: an Event, its JSON object, or None (no result)."""
    if result is None:
        return UNKNOWN_NO_RESULT
    data: Mapping[str, Any] = result[2] if isinstance(result, tuple) else result
    ok = data.get("ok")
    output = data.get("output")
    output = output if isinstance(output, str) else ""
    error = data.get("error")
    error = error if isinstance(error, str) and not error.isspace() else ""  # "" is space-free: kept, and falsy
    origin = data.get("origin")
    text_only = type(origin) is dict and origin.get("format") in TEXT_ONLY_FORMATS
    if ok is False and not text_only:
        return Judgement(Status.FAILED, Reason.EXPLICIT_FLAG, _first(error or output), "ok")
    code = data.get("exit_code")
    is_code = isinstance(code, int) and not isinstance(code, bool)
    if is_code and code != 0:
        return Judgement(Status.FAILED, Reason.EXIT_CODE, f"exit code {code}", "exit_code")
    status = _status(data)
    if status is not None:
        return status
    if ok is True and not text_only:
        return _SUCCEEDED_FLAG
    if is_code:
        return _SUCCEEDED_EXIT_0
    if error and not text_only:
        return Judgement(Status.FAILED, Reason.ERROR_FIELD, _first(error), "error")
    shape = text_failure(output)
    if shape is not None:
        return shape
    if ok is False:  # a text-only format whose message carried its own error flag (OpenAI `is_error`)
        return Judgement(Status.FAILED, Reason.EXPLICIT_FLAG, _first(error or output), "ok")
    if error:
        return Judgement(Status.FAILED, Reason.ERROR_FIELD, _first(error), "error")
    if ok is None:
        return _UNKNOWN_NO_TEXT
    return _SUCCEEDED_NO_TEXT


def _status(data: Mapping[str, Any]) -> Judgement | None:
    found = _status_value(data.get("status"), "status")
    if found is None:
        meta = data.get("meta")
        if type(meta) is dict:
            return _status_value(meta.get("status"), "meta.status")
    return found


def _status_value(value: Any, where: str) -> Judgement | None:
    if isinstance(value, str) and value.strip().lower() in _FAILED_STATUS:
        return Judgement(Status.FAILED, Reason.STATUS_FIELD, f"status {value}", where)
    if isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599:
        return Judgement(Status.FAILED, Reason.HTTP_STATUS, f"status {value}", where)
    return None


def _first(text: str) -> str:
    found = _first_line(text, HEAD)
    return found[1].strip()[:200] if found else ""


# --------------------------------------------------------------------------------------------------------------
# Text shapes

_TEXT_EXIT = regex(
    r"^\s*(?:<returncode>\s*(-?\d{1,5})\s*</returncode>|"
    r"(?:exit code|exit status|exited with (?:code|status)|process exited with code|return ?code)"
    r"[\s:=]\s*(-?\d{1,5})\b)",
    re.I,
)
# an exception class of any name behind a module path, or a bare class name with a suffix exceptions use
# (module parts are lower case and the class name has a lower-case letter: `test.html.Z: …` printed by a script is
# a file name, not an exception)
_EXCEPTION = regex(
    r"^(?:(?:[a-z_][a-z0-9_]*\.)+[A-Z][A-Z0-9_]*[a-z]\w*|"
    r"[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Iteration|Fault|Failure|Violation|Timeout))(?::\s|:?$)"
)
_NOT_EXCEPTION = regex(r"^[\w.]*Warning\b")
_AFTER_TRACEBACK = regex(r"^[A-Za-z_][\w.]*(?::\s|:?$)")  # the last line of a traceback: `Name` or `Name: msg`
_TRACEBACK = "Traceback (most recent call last):"
_CLI_ERROR = regex(
    r"^(?:(?:error|fatal)(?:\[[\w-]{1,20}\])?:\s|"  # git, cargo/rustc, pip, psql, Go (cobra) CLIs
    r"[\w.-]{1,40}: (?:error|fatal)(?:\[[\w-]{1,20}\])?:\s|"  # `psql: error: …`, `tool: fatal: …`
    r"npm (?:ERR!|error)\s|"
    r"Error (?:from server|response from daemon)\b|"  # kubectl, docker
    r"An error occurred \([\w.]{1,80}\) when calling the \w{1,80} operation|"  # AWS CLI
    r"curl: \(\d{1,3}\)\s|"
    r"(?:ba|z)?sh: (?:line \d{1,9}: )?[^:\n]{1,200}: (?:command not found|No such file or directory|"
    r"Permission denied)|"
    r"make(?:\[\d{1,4}\])?: \*\*\* [^\n]{0,300}Error \d|"
    r"E: \S)",
    re.I,
)
_TOOL_ERROR_PREFIX = regex(r"^\s*(?:#\s*)?(?:var_\d+\s*=\s*)?[\"']?Error:")
_HTTP_LINE = regex(r"^HTTP/\d(?:\.\d)? ([1-5]\d\d)\b", re.M)
_HTTP_TEXT = regex(
    r"\bstatus(?:_code|Code)?[\"']?\s{0,3}[:=]\s{0,3}([45]\d\d)\b|<Response \[([45]\d\d)\]>|"
    r"^([45]\d\d) (?:Client|Server) Error\b",
    re.I,
    lookahead=True,  # searched through lines of up to 500 characters, most of which have a 4 or 5 somewhere
)
# The reason phrases of the 4xx and 5xx status codes (RFC 9110 section 15.5 and 15.6, plus 429 and 431 of RFC 6585
# and 451 of RFC 7725). A status line without the "HTTP/1.1" prefix ("403 Forbidden: …", "HTTP 402 Payment
# Required", "500 Internal Server Error") is a failure only when the code is followed by its own phrase: "500 items",
# "status 200" or "port 403 open" are not status lines.
_REASON_PHRASES: dict[str, str] = {
    "400": "bad request", "401": "unauthorized", "402": "payment required", "403": "forbidden", "404": "not found",
    "405": "method not allowed", "406": "not acceptable", "407": "proxy authentication required",
    "408": "request timeout", "409": "conflict", "410": "gone", "411": "length required",
    "412": "precondition failed", "413": "content too large", "414": "uri too long",
    "415": "unsupported media type", "416": "range not satisfiable", "417": "expectation failed",
    "421": "misdirected request", "422": "unprocessable content", "426": "upgrade required",
    "429": "too many requests", "431": "request header fields too large", "451": "unavailable for legal reasons",
    "500": "internal server error", "501": "not implemented", "502": "bad gateway", "503": "service unavailable",
    "504": "gateway timeout", "505": "http version not supported",
}
# older names of the same codes (RFC 7231): still what many servers print
_REASON_PHRASES_OLD = {"413": "payload too large", "422": "unprocessable entity", "414": "request-uri too long"}
_STATUS_LINE = regex(
    r"^[ \t]*(?:HTTP(?:/\d(?:\.\d)?)?[ \t]+)?([45]\d\d)[ \t]+([A-Za-z][A-Za-z -]{1,40}?)(?=[ \t]*(?::|$|[-–—.,(]))",
)

# The anchored shapes a line can open with (an exit code, an exception, a status line, tau-bench's prefix, a CLI
# error), in one alternation: a line that opens with none of them, as most do, is tried against no other.
_OPENS_A_SHAPE = regex(
    f"(?i:{_TEXT_EXIT.pattern})|{_EXCEPTION.pattern}|{_STATUS_LINE.pattern}|{_TOOL_ERROR_PREFIX.pattern}|"
    f"(?i:{_CLI_ERROR.pattern})"
)


def _status_line(line: str) -> bool:
    """Whether the line opens with a 4xx/5xx status code followed by its registered reason phrase."""
    found = _STATUS_LINE.match(line)
    if not found:
        return False
    code, phrase = found.group(1), " ".join(found.group(2).lower().split())
    return phrase in (_REASON_PHRASES.get(code), _REASON_PHRASES_OLD.get(code))


# The screen a line passes before a CLI error or HTTP status shape counts: a line without any of these words
# (lower-cased) has no failure shape. One alternation of plain words, searched on the lower-cased line (a
# case-insensitive alternation of this size costs ~80 µs per line); the shapes are tried first and the screen only
# when one matched, so most lines never pay for it.
_SCREEN_WORDS = (
    "error", "fatal", "err!", "exception", "interrupt", "exit", "fault", "failure", "violation", "timeout", "denied",
    "iteration", "not found", "no such file", "curl: (", "http/", "status", "response", "returncode", "e: ", "***",
)
_SCREEN = regex("|".join(map(re.escape, _SCREEN_WORDS)))


def _screened(line: str) -> bool:
    """Whether the line may hold a failure shape (also `module.Class: …`, whose class name may be any word, and a
    status line, which opens with its code)."""
    low = line.lower()
    return (
        _SCREEN.search(low) is not None or (": " in line and "." in line.partition(": ")[0])
        or low.lstrip()[:1] in "45h" and _status_line(line)
    )


def _may_show_http(line: str) -> bool:
    """A necessary condition for `_HTTP_TEXT`, tested at C speed: each of its shapes holds a 4xx/5xx code."""
    return "4" in line or "5" in line


def text_failure(text: str) -> Judgement | None:
    """The failure a tool's output shows by its shape (see the module docstring), or None."""
    if not text or len(text) < 3:
        return None
    # rules ask about the same result several times; only short texts are cached, so the cache holds a few MB
    return _cached_text_failure(text) if len(text) <= CACHED else _text_failure(text)


def _text_failure(text: str) -> Judgement | None:
    first = _first_line(text, HEAD)
    if first is None:
        return None
    last = _last_line(text, TAIL)
    # Whether each edge line opens with one of the anchored shapes: one pattern instead of one per shape, and for
    # most lines the only one (each shape below is tried only on a line that has it)
    first_shaped = _OPENS_A_SHAPE.match(first[1]) is not None
    if last is None or last[0] == first[0]:
        last_shaped = first_shaped
        edges = [(*first, first_shaped)]
    else:
        last_shaped = _OPENS_A_SHAPE.match(last[1]) is not None
        edges = [(*first, first_shaped), (*last, last_shaped)]
    for start, line, shaped in edges:
        found = _TEXT_EXIT.match(line) if shaped else None
        if found:
            code = int(found.group(1) or found.group(2))
            if code != 0:
                return _found(Reason.EXIT_CODE, start, line)
            span = (start, start + len(line))
            return Judgement(Status.SUCCEEDED, Reason.EXIT_CODE, line.strip()[:200], "output", span)
    if len(text) <= JSON_LIMIT + 1024 and first[1].lstrip()[:1] == "{" and (last or first)[1].rstrip()[-1:] == "}":
        found_json = _json_failure(text.strip())
        if found_json is not None:
            return found_json
    if last is not None:
        judged = _exception(text, last, last_shaped)
        if judged is not None:
            return judged
    start, line = first
    if first_shaped and line[:1] not in (" ", "\t") and _EXCEPTION.match(line) and not _NOT_EXCEPTION.match(line):
        return _found(Reason.PYTHON_EXCEPTION, start, line)  # an exception's text as the tool's whole answer
    if text.find("HTTP/", 0, HEAD) != -1:
        head = text[:HEAD]
        statuses = list(_HTTP_LINE.finditer(head))
        if statuses:  # the last response's status line decides (curl -i -L prints one block per redirect)
            match = statuses[-1]
            end = head.find("\n", match.start())
            line = head[match.start() : end if end != -1 else len(head)]
            failed = match.group(1)[0] in "45"
            return Judgement(
                Status.FAILED if failed else Status.SUCCEEDED, Reason.HTTP_STATUS, line.strip()[:200], "output",
                (match.start(), match.start() + len(line)),
            )
    for start, line, shaped in edges:
        if _may_show_http(line) and _HTTP_TEXT.search(line) or shaped and _status_line(line):
            reason = Reason.HTTP_STATUS
        elif shaped and start == first[0] and _TOOL_ERROR_PREFIX.match(line):
            reason = Reason.TOOL_ERROR_PREFIX
        elif shaped and _CLI_ERROR.match(line):
            reason = Reason.CLI_ERROR
        else:
            continue
        if _screened(line):  # a shape counts only on a line that passes the screen
            return _found(reason, start, line)
    return None


def _found(reason: Reason, start: int, line: str) -> Judgement:
    return Judgement(Status.FAILED, reason, line.strip()[:200], "output", (start, start + len(line)))


def _exception(text: str, last: tuple[int, str], shaped: bool) -> Judgement | None:
    """The last line as a Python exception: its shape, and either the screen or a traceback header before it (a
    line of `_AFTER_TRACEBACK`'s looser shape needs the header). `shaped`: the line opens with an anchored shape."""
    start, line = last
    if line[:1] in (" ", "\t"):
        return None
    if shaped and _EXCEPTION.match(line):
        if _NOT_EXCEPTION.match(line):
            return None
        if _screened(line) or text.rfind(_TRACEBACK, max(0, len(text) - TRACEBACK_TAIL)) != -1:
            return _found(Reason.PYTHON_EXCEPTION, start, line)
        return None
    if not _AFTER_TRACEBACK.match(line) or _NOT_EXCEPTION.match(line):
        return None  # the usual last line: the header, up to 16 KB back, is not looked for
    header = text.rfind(_TRACEBACK, max(0, len(text) - TRACEBACK_TAIL))
    if header != -1 and header < start:
        return _found(Reason.PYTHON_EXCEPTION, start, line)
    return None


def _json_failure(text: str) -> Judgement | None:
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict):
        return None
    span = (0, len(text))
    error = doc.get("error")
    if error not in (None, False, "", [], {}) and not (isinstance(error, str) and not error.strip()):
        return Judgement(Status.FAILED, Reason.JSON_ERROR_OBJECT, _describe("error", error), "output", span)
    errors = doc.get("errors")
    if isinstance(errors, (list, dict)) and errors:
        return Judgement(Status.FAILED, Reason.JSON_ERROR_OBJECT, _describe("errors", errors), "output", span)
    for key in ("ok", "success"):
        if doc.get(key) is False:
            return Judgement(Status.FAILED, Reason.JSON_ERROR_OBJECT, f'"{key}": false', "output", span)
    for key in ("isError", "is_error"):
        if doc.get(key) is True:
            return Judgement(Status.FAILED, Reason.JSON_ERROR_OBJECT, f'"{key}": true', "output", span)
    for key in ("status", "status_code", "statusCode", "http_status"):
        value = doc.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599:
            return Judgement(Status.FAILED, Reason.HTTP_STATUS, f'"{key}": {value}', "output", span)
    status = doc.get("status")
    # an entity's own status ("payment": {"status": "failed"}) is data, not the call's result: only a reply
    # envelope (a few keys, or a message beside the status) counts
    if isinstance(status, str) and status.strip().lower() in _FAILED_STATUS and (
        len(doc) <= 3 or not {"message", "detail", "reason", "code", "msg"}.isdisjoint(doc)
    ):
        return Judgement(Status.FAILED, Reason.JSON_ERROR_OBJECT, _describe("status", status, doc), "output", span)
    metadata = doc.get("metadata")
    for holder in (doc, metadata if isinstance(metadata, dict) else {}):
        for key in ("exit_code", "exitCode", "returncode"):
            value = holder.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value != 0:
                return Judgement(Status.FAILED, Reason.EXIT_CODE, f'"{key}": {value}', "output", span)
    return None


def _describe(key: str, value: Any, doc: Mapping[str, Any] | None = None) -> str:
    if isinstance(value, dict):
        message = value.get("message") or value.get("msg") or value.get("detail") or value.get("type") or value
    elif isinstance(value, list):
        message = value[0] if value else value
        if isinstance(message, dict):
            message = message.get("message") or message.get("msg") or message
    else:
        message = value
    if doc is not None:
        detail = doc.get("message") or doc.get("detail") or doc.get("reason")
        if isinstance(detail, str):
            message = f"{value}: {detail}"
    text = message if isinstance(message, str) else orjson.dumps(message).decode(errors="replace")
    return f"{key}: {text}"[:200]


_NON_BLANK = regex(r"\S")  # `\s` is what str.isspace calls white space


def _first_line(text: str, limit: int) -> tuple[int, str] | None:
    """(offset, line) of the first non-blank line within the first `limit` characters, the line cut to LINE: the
    line of the first character that is not white space."""
    n = min(len(text), limit)
    found = _NON_BLANK.search(text, 0, n)
    if found is None:
        return None
    pos = text.rfind("\n", 0, found.start()) + 1
    stop = min(n, pos + LINE)
    end = text.find("\n", found.start(), stop)
    return pos, text[pos : end if end != -1 else stop].rstrip("\r")


def _last_line(text: str, limit: int) -> tuple[int, str] | None:
    """(offset, line) of the last non-blank line within the last `limit` characters, the line cut to LINE: the
    line of the last character that is not white space."""
    low = max(0, len(text) - limit)
    last = len(text) - 1
    if last < low:
        return None
    if text[last].isspace():
        last = low + len(text[low:].rstrip()) - 1
        if last < low:
            return None
    start = max(text.rfind("\n", low, last) + 1, low)
    stop = min(len(text), start + LINE)
    end = text.find("\n", last, stop)
    return start, text[start : end if end != -1 else stop].rstrip("\r")


_cached_text_failure = lru_cache(maxsize=1024)(_text_failure)


__all__ = ["Judgement", "Reason", "Status", "TEXT_ONLY_FORMATS", "judge", "text_failure"]
