"""One-line descriptions of events for human-readable views (text, markdown): what happened at a step."""

from __future__ import annotations

import orjson

from trajaudit.model import Event
from trajaudit.report.safe import one_line


def gist(event: Event, limit: int = 100) -> str:
    """`tool(args)`, `role: text`, `ok: output` / `error: …`, as one safe line of at most `limit` characters."""
    data = event.data
    kind = data["kind"]
    if kind == "message":
        text = f"{data.get('role')}: {data.get('text', '')}"
    elif kind == "reasoning":
        text = f"thinking: {data.get('text', '')}"
    elif kind == "tool_call":
        arguments = data.get("arguments", {})
        if isinstance(arguments, dict):
            try:
                arguments = orjson.dumps(arguments).decode()
            except (TypeError, orjson.JSONEncodeError):
                arguments = str(arguments)
        text = f"{data.get('tool')}({arguments})"
    elif kind == "tool_result":
        status = "ok" if data.get("ok") else "error"
        if data.get("exit_code") is not None:
            status += f" (exit {data['exit_code']})"
        body = data.get("output") or "" if data.get("ok") else data.get("error") or data.get("output") or ""
        text = f"{status}: {body}" if body else status
    elif kind == "outcome":
        verdict = "success" if data.get("success") else "failure"
        extras = [f"reward {data['reward']}" for _ in (0,) if data.get("reward") is not None]
        if data.get("source"):
            extras.append(str(data["source"]))
        text = f"{verdict} ({', '.join(extras)})" if extras else verdict
    elif kind == "task":
        task_id = data.get("task_id")
        text = f"{task_id}: {data.get('goal', '')}" if task_id else str(data.get("goal", ""))
    elif kind == "claim":
        claim = data.get("claim") or {}
        parts = [claim.get("type"), claim.get("action"), claim.get("target")]
        text = "claims " + " ".join(str(p) for p in parts if p)
        if data.get("text"):
            text += f": {data['text']}"
    else:
        text = kind
    return one_line(str(text), limit)
