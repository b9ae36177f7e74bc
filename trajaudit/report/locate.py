"""Line numbers for findings in whole-document logs (τ-bench, τ²-bench, SWE-agent, Inspect JSON).

Events imported from a JSON document carry the JSON path of their element (`$.simulations[2].messages[4]`), not a
line. Code scanning and workflow annotations need a line, so the formats that feed them (SARIF, `github`) look up
where each element starts: the document is scanned once per batch of paths, token by token (strings, brackets,
scalars; never parsed into objects), so memory stays small whatever its size. A path the document lacks gets the
line of its nearest ancestor; a file that cannot be read again (stdin, a zip member) or one over `max_bytes` gives
no line, as before.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Iterable

from trajaudit.reader import STDIN_NAMES, open_named

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')
_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[(\"(?:[^\"\\]|\\.)*\")\]|\['((?:[^'\\]|\\.)*)'\]")
MAX_BYTES = 512 * 1024 * 1024

Key = tuple[str | int, ...]


def parse_path(path: str) -> Key | None:
    """`$.a[3]['b c']` → ('a', 3, 'b c'); None for anything else."""
    if not path.startswith("$"):
        return None
    parts: list[str | int] = []
    at = 1
    while at < len(path):
        match = _STEP.match(path, at)
        if match is None:
            return None
        name, index, quoted, single = match.groups()
        if name is not None:
            parts.append(name)
        elif index is not None:
            parts.append(int(index))
        elif quoted is not None:
            parts.append(json.loads(quoted))
        else:
            parts.append(single.replace("\\'", "'"))
        at = match.end()
    return tuple(parts)


def element_lines(text: str, wanted: set[Key]) -> dict[Key, int]:
    """The 1-based line where each wanted element of the JSON document `text` starts."""
    found: dict[Key, int] = {}
    if not wanted:
        return found
    deepest = max(map(len, wanted))
    path: list[str | int | None] = []
    in_object: list[bool] = []
    expect_value, expect_key = True, False
    line, last = 1, 0

    def record(pos: int) -> None:
        nonlocal line, last
        if len(path) <= deepest:
            key = tuple(path)
            if key in wanted and key not in found:
                line += text.count("\n", last, pos)
                last = pos
                found[key] = line  # type: ignore[index]

    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == "{" or first == "[":
            if expect_value:
                record(match.start())
            in_object.append(first == "{")
            path.append(None if first == "{" else 0)
            expect_value, expect_key = first == "[", first == "{"
        elif first == "}" or first == "]":
            if in_object:
                in_object.pop()
                path.pop()
            expect_value = expect_key = False
            if len(found) == len(wanted):
                break
        elif first == ",":
            if in_object and in_object[-1]:
                expect_key = True
            elif in_object:
                path[-1] += 1  # type: ignore[operator]
                expect_value = True
        elif first == ":":
            expect_value = True
        elif expect_key:
            try:
                path[-1] = json.loads(token)
            except ValueError:
                return found
            expect_key = False
        elif expect_value:
            record(match.start())
            expect_value = False
    return found


def lines_in(file: str, paths: Iterable[str], max_bytes: int = MAX_BYTES) -> dict[str, int]:
    """The line of each JSON path's element in `file` (paths not found are left out)."""
    keys = {path: parse_path(path) for path in set(paths)}
    # every ancestor too: a path to a member the document lacks (an exit record placed at `$.info.exit_status`)
    # gets the line of the nearest element it does have
    wanted = {key[:n] for key in keys.values() if key is not None for n in range(len(key) + 1)}
    if not wanted or file in STDIN_NAMES or not file.endswith((".json", ".json.gz", ".traj")):
        return {}
    try:
        with open_named(file) as handle:
            data = handle.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error):
        return {}
    if len(data) > max_bytes:
        return {}
    found = element_lines(data.decode("utf-8", errors="replace"), wanted)
    lines = {}
    for path, key in keys.items():
        nearest = next((key[:n] for n in range(len(key), -1, -1) if key[:n] in found), None) if key else None
        if nearest is not None:
            lines[path] = found[nearest]
    return lines
