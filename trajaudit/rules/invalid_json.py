"""A line that is not valid JSON (or not valid UTF-8), or a source that cannot be read to its end.

## What it does
Reports every input line that does not parse as JSON: broken syntax, a line cut off mid-object, bytes that are not
UTF-8, and compressed files that end early; also a line or document over the size limits
(`limits.max-line-bytes`, `limits.max-document-bytes`), skipped unread. Reported by the reader, with file and line;
the other lines of the file are still audited. Valid JSON with a lone surrogate escape (`"\\ud83d"`) is not
reported: it is read with U+FFFD in place of the surrogate.

## Why it matters
A log with broken lines is a log with holes: the steps on those lines are invisible to every other check, so a
trajectory can look clean only because its failing step was unreadable.

## Example
```
{"trajectory": "t1", "step": 3, "kind": "tool_call", "call_id": "c1", "tool": "cancel_order"
```
(the line ends before the closing brace: the writer crashed or the file was truncated).

## How to fix
Write logs with one complete JSON object per line, flushed as a whole (e.g. `orjson.dumps(event) + b"\\n"` in a single
write), encode text as UTF-8, and close gzip streams properly.
"""

from trajaudit.model import Severity

CODE = "TA001"
NAME = "invalid-json"
SEVERITY = Severity.ERROR
