"""An event that does not follow the trajaudit event schema.

## What it does
Validates every event against `schemas/trajaudit-event-v1.schema.json` and reports each violation with file, line,
trajectory (when known) and the JSON path of the offending value: a missing required field for the event's kind, a
wrong type, a value out of range. Unknown fields are allowed and never reported. At most
`limits.max-findings-per-event` violations of one event are listed, then one finding says how many more.

## Why it matters
Rules can only judge what they can read: a tool result without `ok` cannot count as a failure, a tool call without
`call_id` cannot be matched with its result. An event that fails the schema is left out of its trajectory, and this
finding says so.

## Example
```
{"trajectory": "t1", "step": 4, "kind": "tool_result", "call_id": "c1", "output": "done"}
```
`$: "ok" is a required property` (a tool result must say whether the call succeeded).

## How to fix
Emit the fields the schema requires for the event's `kind` (`trajaudit schema` prints it; docs/schema.md explains each
field), or import the log with `--from` if it is in another format.
"""

from trajaudit.model import Severity

CODE = "TA002"
NAME = "schema-violation"
SEVERITY = Severity.ERROR
