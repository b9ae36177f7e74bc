"""Generate a large, deterministic synthetic corpus of native trajaudit events (JSONL) for benchmarks.

    python bench/generate.py bench/out/corpus.jsonl --mb 200 --seed 1 [--bad-rate 0.001] [--check]
    python bench/generate.py bench/out/corpus.jsonl --check-only

What it writes: trajectories from three made-up domains (retail support, a coding agent, travel booking). Each one
starts with a `task` event declaring its tools (with parameter schemas), then user and assistant messages,
reasoning (some with `top_logprobs` or `logprobs`), `tool_call`/`tool_result` pairs (about 8 % of results fail and
are recovered: retried or reported to the user), sometimes `claim`s, `tokens` and `confidence`, and always ends
with its `outcome` event. 4 to 8 trajectories are open at a time and their events interleave. Text mixes ASCII,
accented Latin, Greek, CJK and emoji; about 0.5 % of tool results are long (10-80 KB), so the average line is
~1 KB with a long tail.

A small rate of realistic problems makes `audit` find something: ignored tool errors, repeated identical calls,
calls to undeclared tools, arguments that break the declared schema, a success claimed after a failed action.
Every line is valid against schemas/trajaudit-event-v1.schema.json unless `--bad-rate` > 0, which inserts extra
broken lines (truncated JSON, invalid UTF-8, non-object JSON, schema violations) at that rate per line.

Output depends only on --mb, --seed and --bad-rate (not on PYTHONHASHSEED or the machine). MB = 10^6 bytes.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import orjson

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "trajaudit-event-v1.schema.json"
FLUSH_BYTES = 8 << 20
DUMPS_OPT = orjson.OPT_APPEND_NEWLINE
BASE_TIME = 1_762_078_530.0  # 2025-11-02T10:15:30Z

# ---------------------------------------------------------------------------------------------------------------
# Vocabulary and text pools (built once per run from the seeded RNG)

# Word lists as text (split once at import): 90 % ASCII, 6 % accented Latin/Greek/Cyrillic, 3 % CJK, 1 % emoji.
# No words that acknowledge a failure (error, sorry, cannot, not, failed, ...): TA201 reads the agent's text to decide
# whether an error was reported, so such words are only put where the story needs them.
_ASCII_TEXT = """
the order customer refund cancel item shipping address payment card account please thanks sure let me check
your request status pending delivered processed return exchange policy within days receipt email number
confirm confirmed update updated okay great done would should will is are was were have has
had this that these those with without for from into onto about after before while because since until and or
but only also then now here there file function test tests passing green module import
class method value values list dict string integer returns raise raised assert expected actual line column
build install dependency version config setting path directory repository branch commit patch diff fix bug
flight hotel booking seat passenger passengers date departure arrival airport city weather forecast price
total amount currency fare baggage upgrade itinerary reservation a an of to in on at by it we you they I
"""
_ACCENTED_TEXT = """
café naïve résumé façade déjà vu über straße Zürich São Paulo año niño crème brûlée Kraków Malmö señor
coöperate fiancée piñata Ærøskøbing Ελληνικά καλημέρα Привет спасибо заказ Ünïcödé
"""
_CJK_TEXT = "注文 キャンセル 返金 配送状況 確認しました 테스트 데이터 주문 测试通过 文件 错误 你好 ありがとう 東京 北京"
_EMOJI_TEXT = "✅ ❌ 🚀 🤔 📦 🔥 👍🏽 ⚠️ 🙏 😅 🧪 💳 ✈️ 🌧️ 👩\u200d💻"
ASCII_WORDS = _ASCII_TEXT.split()
ACCENTED_WORDS = _ACCENTED_TEXT.split()
CJK_WORDS = _CJK_TEXT.split()
EMOJI_WORDS = _EMOJI_TEXT.split()

CODE_LINES = (
    "def handle_request(self, payload):",
    "    if not payload.get('id'):",
    "        raise ValueError('missing id')",
    "    return self._store.lookup(payload['id'])",
    "class OrderService:",
    "    timeout = 30  # seconds",
    "import os, sys, json",
    "from typing import Any, Mapping",
    "tests/test_orders.py::test_cancel_pending PASSED",
    "tests/test_orders.py::test_refund_partial FAILED",
    "E       AssertionError: assert 41 == 42",
    "Traceback (most recent call last):",
    '  File "src/app/models.py", line 118, in save',
    "KeyError: 'customer_id'",
    "==================== 12 passed, 1 failed in 3.41s ====================",
    "diff --git a/src/app/models.py b/src/app/models.py",
    "@@ -110,7 +110,8 @@ class Order(models.Model):",
    "-        self.total = sum(i.price for i in self.items)",
    "+        self.total = sum(i.price * i.qty for i in self.items)",
    "    # TODO: handle the café/naïve encoding edge case — 文字化け",
)

MODELS = ("gpt-4.1", "claude-sonnet-4", "qwen3-32b", "llama-3.3-70b", "o4-mini")


def _param(ptype: str, **extra) -> dict:
    return {"type": ptype, **extra}


def _tool(name: str, description: str, required: list[str], props: dict) -> dict:
    return {
        "name": name,
        "description": description,
        "parameters": {"type": "object", "required": required, "properties": props, "additionalProperties": False},
    }


DOMAINS: dict[str, list[dict]] = {
    "retail": [
        _tool("find_user_id_by_email", "Find a user id from an email address.", ["email"],
              {"email": _param("string")}),
        _tool("get_order_details", "Get the status and items of an order.", ["order_id"],
              {"order_id": _param("string", pattern="^#W[0-9]+$")}),
        _tool("cancel_pending_order", "Cancel an order that is still pending.", ["order_id", "reason"],
              {"order_id": _param("string"),
               "reason": _param("string", enum=["no longer needed", "ordered by mistake"])}),
        _tool("refund_order", "Refund part or all of an order.", ["order_id", "amount"],
              {"order_id": _param("string"), "amount": _param("number", minimum=0)}),
        _tool("list_products", "List products of a category.", ["category"],
              {"category": _param("string"), "limit": _param("integer", minimum=1, maximum=100)}),
        _tool("transfer_to_human_agents", "Hand the conversation to a human.", ["summary"],
              {"summary": _param("string")}),
    ],
    "swe": [
        _tool("bash", "Run a shell command in the repository.", ["command"],
              {"command": _param("string"), "timeout": _param("integer", minimum=1)}),
        _tool("read_file", "Read a file, optionally a line range.", ["path"],
              {"path": _param("string"), "start": _param("integer", minimum=1), "end": _param("integer", minimum=1)}),
        _tool("edit_file", "Replace text in a file.", ["path", "old", "new"],
              {"path": _param("string"), "old": _param("string"), "new": _param("string")}),
        _tool("run_tests", "Run the test suite or a selection.", [],
              {"selector": _param("string")}),
        _tool("search_code", "Search the repository.", ["query"],
              {"query": _param("string"), "glob": _param("string")}),
    ],
    "travel": [
        _tool("search_flights", "Search flights.", ["origin", "destination", "date"],
              {"origin": _param("string", minLength=3, maxLength=3), "destination": _param("string", minLength=3,
               maxLength=3), "date": _param("string", format="date")}),
        _tool("book_flight", "Book a flight for passengers.", ["flight_id", "passengers"],
              {"flight_id": _param("string"), "passengers": _param("integer", minimum=1, maximum=9)}),
        _tool("get_weather", "Weather forecast for a city.", ["city"], {"city": _param("string")}),
        _tool("send_email", "Send an email.", ["to", "subject", "body"],
              {"to": _param("string"), "subject": _param("string"), "body": _param("string")}),
    ],
}
UNKNOWN_TOOLS = ("delete_database", "web_search", "python", "issue_refund_v2", "browser.open")
FAIL_ERRORS = {
    "retail": ("order is not pending", "order not found", "payment gateway timeout", "user not found"),
    "swe": ("command exited with status 1", "No such file or directory", "old text not found in file",
            "tests failed"),
    "travel": ("no seats available", "invalid date", "rate limited, retry later", "SMTP connection refused"),
}
AIRPORTS = ("SFO", "JFK", "CDG", "NRT", "GRU", "ZRH", "KRK", "PEK", "LHR", "MUC")
CITIES = ("Zürich", "São Paulo", "東京", "Kraków", "Paris", "New York", "北京", "Malmö")


class Pools:
    """Pre-generated text and number pools, so that per-event work is a few slices and index picks."""

    def __init__(self, rng: random.Random) -> None:
        words = ASCII_WORDS + ACCENTED_WORDS + CJK_WORDS + EMOJI_WORDS
        weights = (
            [90 / len(ASCII_WORDS)] * len(ASCII_WORDS)
            + [6 / len(ACCENTED_WORDS)] * len(ACCENTED_WORDS)
            + [3 / len(CJK_WORDS)] * len(CJK_WORDS)
            + [1 / len(EMOJI_WORDS)] * len(EMOJI_WORDS)
        )
        picked = rng.choices(words, weights, k=300_000)
        for i in range(0, len(picked), 17):  # sentences
            picked[i] = picked[i] + "."
        self.prose = " ".join(picked)
        self.code = "\n".join(rng.choices(CODE_LINES, k=60_000))
        rows = []
        for _ in range(4096):
            top = -rng.expovariate(8.0)
            rest = sorted((top - rng.expovariate(0.4) for _ in range(4)), reverse=True)
            rows.append([round(top, 4)] + [round(x, 4) for x in rest])
        self.top_rows = rows
        self.logprobs = [round(-rng.expovariate(5.0), 4) for _ in range(50_000)]

    def text(self, rng: random.Random, lo: int, hi: int, code: bool = False) -> str:
        blob = self.code if code else self.prose
        n = rng.randint(lo, hi)
        start = rng.randrange(len(blob) - n)
        return blob[start:start + n]

    def top_logprobs(self, rng: random.Random, n: int) -> list:
        rows, k = self.top_rows, len(self.top_rows)
        start = rng.randrange(k - n) if n < k else 0
        return rows[start:start + n]

    def chosen_logprobs(self, rng: random.Random, n: int) -> list:
        start = rng.randrange(len(self.logprobs) - n)
        return self.logprobs[start:start + n]


# ---------------------------------------------------------------------------------------------------------------
# One trajectory


class Trajectory:
    """Builds the event list of one trajectory: steps +1 per event, timestamps increasing, outcome last."""

    def __init__(self, number: int, rng: random.Random, pools: Pools) -> None:
        self.rng, self.pools = rng, pools
        self.domain = ("retail", "swe", "travel")[number % 3]
        task_number, trial = divmod(number, 4)
        self.task_id = f"{self.domain}-{task_number}"
        self.id = f"{self.task_id}:{trial}"
        self.tools = DOMAINS[self.domain]
        self.model = MODELS[number % len(MODELS)]
        self.iso = number % 2 == 0
        self.t = BASE_TIME + number * 41.25
        self.events: list[dict] = []
        self.calls = 0
        self.failed_actions: list[tuple[str, dict]] = []

    # -- plumbing
    def emit(self, kind: str, **fields) -> dict:
        self.t += self.rng.uniform(0.05, 6.0)
        if self.iso:
            stamp = datetime.fromtimestamp(round(self.t, 3), UTC).isoformat(timespec="milliseconds")
            ts: str | float = stamp.replace("+00:00", "Z")
        else:
            ts = round(self.t, 3)
        event = {"trajectory": self.id, "step": len(self.events), "kind": kind, "timestamp": ts}
        event.update(fields)
        self.events.append(event)
        return event

    def tokens(self, out_lo: int, out_hi: int, reasoning: bool = False) -> dict:
        rng = self.rng
        out = rng.randint(out_lo, out_hi)
        tok = {"input": rng.randint(800, 24_000), "output": out}
        if reasoning:
            tok["reasoning"] = rng.randint(0, out)
        return tok

    def args_for(self, tool: dict) -> dict:
        rng, pools = self.rng, self.pools
        name = tool["name"]
        if name == "find_user_id_by_email":
            return {"email": f"user{rng.randrange(10_000)}@example.com"}
        if name in ("get_order_details",):
            return {"order_id": f"#W{rng.randrange(1_000_000)}"}
        if name == "cancel_pending_order":
            return {"order_id": f"#W{rng.randrange(1_000_000)}",
                    "reason": rng.choice(("no longer needed", "ordered by mistake"))}
        if name == "refund_order":
            return {"order_id": f"#W{rng.randrange(1_000_000)}", "amount": round(rng.uniform(1, 900), 2)}
        if name == "list_products":
            return {"category": rng.choice(("shoes", "lamps", "ボード", "café")), "limit": rng.randint(1, 50)}
        if name == "transfer_to_human_agents":
            return {"summary": pools.text(rng, 40, 200)}
        if name == "bash":
            return {"command": rng.choice(("ls -la src", "git diff", "grep -rn 'total' src", "python -m pytest -x",
                                            "cat setup.cfg", "pip install -e .")), "timeout": 120}
        if name == "read_file":
            start = rng.randint(1, 400)
            return {"path": f"src/app/module_{rng.randrange(40)}.py", "start": start, "end": start + 60}
        if name == "edit_file":
            return {"path": f"src/app/module_{rng.randrange(40)}.py", "old": pools.text(rng, 20, 300, code=True),
                    "new": pools.text(rng, 20, 300, code=True)}
        if name == "run_tests":
            return {"selector": f"tests/test_module_{rng.randrange(40)}.py"}
        if name == "search_code":
            return {"query": rng.choice(("def total", "class Order", "TODO", "encoding", "文字化け")), "glob": "*.py"}
        if name == "search_flights":
            o, d = rng.sample(AIRPORTS, 2)
            return {"origin": o, "destination": d, "date": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
        if name == "book_flight":
            return {"flight_id": f"{rng.choice(('LX', 'AF', 'JL', 'UA'))}{rng.randint(10, 9999)}",
                    "passengers": rng.randint(1, 4)}
        if name == "get_weather":
            return {"city": rng.choice(CITIES)}
        if name == "send_email":
            return {"to": f"user{rng.randrange(10_000)}@example.com", "subject": self.pools.text(rng, 10, 60),
                    "body": pools.text(rng, 100, 900)}
        return {}

    def output_for(self, tool: str, long: bool) -> str:
        rng, pools = self.rng, self.pools
        code = self.domain == "swe"
        if long:
            return pools.text(rng, 10_000, 80_000, code=code)
        return pools.text(rng, 40, 2200, code=code)

    # -- building blocks
    def reasoning(self) -> None:
        rng, pools = self.rng, self.pools
        fields: dict = {"text": pools.text(rng, 80, 1200)}
        r = rng.random()
        if r < 0.2:
            fields["top_logprobs"] = pools.top_logprobs(rng, rng.randint(10, 120))
        elif r < 0.35:
            fields["logprobs"] = pools.chosen_logprobs(rng, rng.randint(20, 200))
        if rng.random() < 0.5:
            fields["tokens"] = self.tokens(40, 900, reasoning=True)
        if rng.random() < 0.1:
            fields["confidence"] = round(rng.random(), 3)
        self.emit("reasoning", **fields)

    def say(self, role: str, lo: int, hi: int, prefix: str = "") -> None:
        fields: dict = {"role": role, "text": prefix + self.pools.text(self.rng, lo, hi)}
        if role == "assistant" and self.rng.random() < 0.6:
            fields["tokens"] = self.tokens(20, 400)
        self.emit("message", **fields)

    def call(self, tool: str, arguments: dict | str, ok: bool = True, long: bool = False, error: str = "") -> None:
        self.calls += 1
        call_id = f"call_{self.calls}"
        fields: dict = {"call_id": call_id, "tool": tool, "arguments": arguments}
        if self.rng.random() < 0.5:
            fields["tokens"] = self.tokens(10, 120)
        self.emit("tool_call", **fields)
        result: dict = {"call_id": call_id, "tool": tool, "ok": ok}
        if ok:
            result["output"] = self.output_for(tool, long)
            if tool == "bash":
                result["exit_code"] = 0
        else:
            result["error"] = error or self.rng.choice(FAIL_ERRORS[self.domain])
            result["output"] = "Error: " + result["error"]
            if tool == "bash":
                result["exit_code"] = self.rng.choice((1, 2, 127))
            if isinstance(arguments, dict):
                self.failed_actions.append((tool, arguments))
        self.emit("tool_result", **result)

    # -- the whole run
    def build(self) -> list[dict]:
        rng, pools = self.rng, self.pools
        goal = pools.text(rng, 60, 400)
        self.emit("task", task_id=self.task_id, goal=goal, tools=self.tools,
                  meta={"model": self.model, "domain": self.domain, "generator": "trajaudit-bench"})
        if rng.random() < 0.3:
            self.emit("message", role="system", text="You are a helpful agent. " + pools.text(rng, 100, 600))
        self.say("user", 40, 600)

        # at most one injected problem per trajectory, ~12 % of trajectories in all
        p = rng.random()
        problem = ("ignored_error" if p < 0.04 else "repeat" if p < 0.07 else "unknown_tool" if p < 0.09
                   else "bad_args" if p < 0.11 else "false_claim" if p < 0.12 else "")
        turns = rng.randint(2, 12)
        # an error is only "ignored" if nothing later retries, works around or mentions it: put those last
        problem_at = turns - 1 if problem in ("ignored_error", "false_claim") else rng.randrange(turns)
        for turn in range(turns):
            if rng.random() < 0.7:
                self.reasoning()
            tool = rng.choice(self.tools)
            args = self.args_for(tool)
            if turn == problem_at and problem:
                self.inject(problem, tool, args)
                continue
            long = rng.random() < 0.006
            if rng.random() < 0.08:  # a failure the agent recovers from
                self.call(tool["name"], args, ok=False)
                if rng.random() < 0.6:
                    if rng.random() < 0.5:
                        self.reasoning()
                    self.call(tool["name"], self.args_for(tool), long=long)  # retried
                else:
                    self.say("assistant", 40, 300, prefix="Sorry, the tool failed with an error; I could not do that. ")
            else:
                self.call(tool["name"], args, long=long)
            if rng.random() < 0.25:
                self.say("assistant", 30, 800)

        success = rng.random() < 0.7
        self.say("assistant", 60, 900)
        if problem == "false_claim" and self.failed_actions:
            tool, args = self.failed_actions[-1]
            self.emit("claim", text="Done: " + pools.text(rng, 20, 120),
                      claim={"type": "action_succeeded", "action": tool.split("_")[0],
                             "target": str(next(iter(args.values()), ""))})
            success = False
        elif rng.random() < 0.35:
            self.emit("claim", text=pools.text(rng, 20, 200), claim={"type": rng.choice(
                ("task_complete", "tests_pass" if self.domain == "swe" else "task_complete"))})
        outcome: dict = {"success": success, "reward": 1.0 if success else 0.0,
                         "source": {"retail": "tau-bench reward", "swe": "swe-bench harness",
                                    "travel": "judge"}[self.domain]}
        if rng.random() < 0.3:
            outcome["answer"] = str(rng.randint(0, 9))
        self.emit("outcome", **outcome)
        return self.events

    def inject(self, problem: str, tool: dict, args: dict) -> None:
        rng = self.rng
        if problem == "ignored_error":
            # the last call fails; the agent wraps up as if it had worked and never mentions it
            self.call(tool["name"], args, ok=False)
            if rng.random() < 0.5:
                self.reasoning()
        elif problem == "repeat":
            for _ in range(rng.randint(4, 7)):
                self.call(tool["name"], args)
        elif problem == "unknown_tool":
            name = rng.choice(UNKNOWN_TOOLS)
            self.call(name, {"query": self.pools.text(rng, 10, 60)}, ok=rng.random() < 0.5,
                      error=f"unknown tool {name}")
        elif problem == "bad_args":
            if rng.random() < 0.5:
                self.call(tool["name"], "{" + self.pools.text(rng, 10, 60), ok=False, error="arguments are not JSON")
            else:
                self.call(tool["name"], {"unexpected_argument": 42}, ok=False, error="invalid arguments")
        elif problem == "false_claim":
            self.call(tool["name"], args, ok=False)
            self.say("assistant", 30, 200)


# ---------------------------------------------------------------------------------------------------------------
# Writing


def bad_line(rng: random.Random, n: int, good: bytes) -> bytes:
    kind = rng.randrange(5)
    if kind == 0:  # truncated JSON
        return good[: max(1, len(good) // 2)].rstrip(b"\n") + b"\n"
    if kind == 1:  # invalid UTF-8 inside a string
        return b'{"trajectory": "bad-' + str(n).encode() + b'", "step": 0, "kind": "message", "role": "user", ' \
               b'"text": "caf\xc3\x28 \xff\xfe"}\n'
    if kind == 2:  # valid JSON, not an object
        return b'[1, 2, 3]\n'
    if kind == 3:  # missing required field for its kind
        event = {"trajectory": f"bad-{n}", "step": 0, "kind": "tool_call", "tool": "bash"}
        return orjson.dumps(event, option=DUMPS_OPT)
    return orjson.dumps({"trajectory": f"bad-{n}", "step": -1, "kind": "telepathy"}, option=DUMPS_OPT)


def generate(out: Path, mb: float, seed: int, bad_rate: float = 0.0, quiet: bool = False) -> dict:
    """Write the corpus; returns counts. Streams: memory is bounded by the open trajectories and one flush buffer."""
    rng = random.Random(seed)
    pools = Pools(rng)
    target = int(mb * 1_000_000)
    dumps = orjson.dumps
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    written = lines = trajectories = bad = 0
    active: list[list] = []  # [events, next index]
    want_open = rng.randint(4, 8)
    buf: list[bytes] = []
    buffered = 0
    started = time.perf_counter()
    with open(tmp, "wb") as fh:
        while True:
            while len(active) < want_open and written + buffered < target:
                active.append([Trajectory(trajectories, rng, pools).build(), 0])
                trajectories += 1
            if not active:
                break
            slot = active[rng.randrange(len(active))]
            events, i = slot
            line = dumps(events[i], option=DUMPS_OPT)
            if bad_rate and rng.random() < bad_rate:
                junk = bad_line(rng, bad, line)
                buf.append(junk)
                buffered += len(junk)
                bad += 1
                lines += 1
            buf.append(line)
            buffered += len(line)
            lines += 1
            i += 1
            if i == len(events):
                active.remove(slot)
                want_open = rng.randint(4, 8)
            else:
                slot[1] = i
            if buffered >= FLUSH_BYTES:
                fh.write(b"".join(buf))
                written += buffered
                buf.clear()
                buffered = 0
        fh.write(b"".join(buf))
        written += buffered
    tmp.replace(out)
    stats = {"path": str(out), "bytes": written, "lines": lines, "trajectories": trajectories, "bad_lines": bad,
             "seconds": round(time.perf_counter() - started, 2)}
    if not quiet:
        print(f"wrote {out}: {written / 1e6:.1f} MB, {lines} lines ({written / max(lines, 1):.0f} B avg), "
              f"{trajectories} trajectories, {bad} bad lines in {stats['seconds']} s", flush=True)
    return stats


# ---------------------------------------------------------------------------------------------------------------
# Checking


# ---------------------------------------------------------------------------------------------------------------
# Other formats, from the same runs: an OpenAI-chat JSONL log and a directory of SWE-agent .traj files


def openai_record(events: list[dict], scored: bool = False) -> dict:
    """One run as an OpenAI chat record `{"id", "messages", "tools"}` (fine-tuning / eval shape): the task's goal as the
    user message, reasoning folded into the next assistant message (`reasoning_content`), each tool call its own
    assistant message with `tool_calls`, each result a `tool` message (a failed one says `Error: ...`, as tau-bench's
    tools do), claims as assistant text; with `scored`, the outcome as the record's `reward` and `success`. Unscored
    by default, as most chat logs are: then no outcome event closes the run, only the end of its line."""
    record: dict = {"id": events[0]["trajectory"]}
    messages: list[dict] = []
    reasoning: list[str] = []
    for event in events:
        kind = event["kind"]
        if kind == "task":
            record["tools"] = [{"type": "function", "function": tool} for tool in event["tools"]]
            record["task_id"] = event["task_id"]
        elif kind == "message" or kind == "claim":
            message = {"role": event.get("role", "assistant"), "content": event["text"]}
            if reasoning and message["role"] == "assistant":
                message["reasoning_content"] = "\n".join(reasoning)
                reasoning.clear()
            messages.append(message)
        elif kind == "reasoning":
            reasoning.append(event["text"])
        elif kind == "tool_call":
            arguments = event["arguments"]
            raw = arguments if isinstance(arguments, str) else orjson.dumps(arguments).decode()
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": event["call_id"], "type": "function", "function": {"name": event["tool"], "arguments": raw}},
            ]}
            if reasoning:
                message["reasoning_content"] = "\n".join(reasoning)
                reasoning.clear()
            messages.append(message)
        elif kind == "tool_result":
            messages.append({"role": "tool", "tool_call_id": event["call_id"], "content": event["output"]})
        elif kind == "outcome" and scored:
            record["reward"] = event["reward"]
            record["success"] = event["success"]
    record["messages"] = messages
    return record


def swe_agent_document(events: list[dict]) -> dict:
    """One run as a SWE-agent .traj document: each tool call a step (thought = the reasoning or assistant text before
    it, action = the command line, observation = the result), the goal as the issue in `history`, the outcome's
    verdict as the exit status."""
    steps: list[dict] = []
    thought: list[str] = []
    goal = ""
    last_text = ""
    for event in events:
        kind = event["kind"]
        if kind == "task":
            goal = event["goal"]
        elif kind in ("reasoning", "message", "claim") and event.get("role", "assistant") == "assistant":
            thought.append(event["text"])
            last_text = event["text"]
        elif kind == "tool_call":
            arguments = event["arguments"]
            words = " ".join(str(v) for v in arguments.values()) if isinstance(arguments, dict) else arguments
            steps.append({"action": f"{event['tool']} {words}"[:400] + "\n", "thought": "\n".join(thought),
                          "response": "", "observation": "", "state": "{}"})
            thought.clear()
        elif kind == "tool_result" and steps:
            steps[-1]["observation"] = event["output"]
    steps.append({"action": "submit\n", "thought": last_text, "response": "", "observation": "diff --git a/x b/x",
                  "state": "{}"})
    history = [{"role": "system", "content": "SETTING: you are an autonomous programmer.", "agent": "primary"},
               {"role": "user", "content": f"ISSUE:\n{goal}\n\nINSTRUCTIONS:\nSolve it.", "agent": "primary"}]
    return {"environment": "swe_main", "trajectory": steps, "history": history,
            "info": {"exit_status": "submitted", "submission": "diff --git a/x b/x"}}


def generate_openai(out: Path, mb: float, seed: int, quiet: bool = False) -> dict:
    """An OpenAI-chat JSONL log of the same runs as `generate`: one run per line (~10 % of tool results fail)."""
    rng = random.Random(seed)
    pools = Pools(rng)
    target = int(mb * 1_000_000)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    written = runs = 0
    started = time.perf_counter()
    with open(tmp, "wb", buffering=FLUSH_BYTES) as fh:
        while written < target:
            line = orjson.dumps(openai_record(Trajectory(runs, rng, pools).build()), option=DUMPS_OPT)
            fh.write(line)
            written += len(line)
            runs += 1
    tmp.replace(out)
    stats = {"path": str(out), "bytes": written, "lines": runs, "trajectories": runs,
             "seconds": round(time.perf_counter() - started, 2)}
    if not quiet:
        print(f"wrote {out}: {written / 1e6:.1f} MB, {runs} OpenAI chat runs in {stats['seconds']} s", flush=True)
    return stats


RUNS_PER_TRAJ = 6


def generate_traj_dir(out: Path, files: int, seed: int, quiet: bool = False) -> dict:
    """A directory of `files` SWE-agent .traj documents, one run each (~40 steps, ~100 KB: the turns of
    RUNS_PER_TRAJ generated runs chained)."""
    rng = random.Random(seed)
    pools = Pools(rng)
    tmp = out.with_name(out.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    written = 0
    for index in range(files):
        # SWE-agent runs are long (tens of steps): one file chains the turns of RUNS_PER_TRAJ generated runs
        events = [event for k in range(RUNS_PER_TRAJ) for event in Trajectory(index * RUNS_PER_TRAJ + k, rng, pools)
                  .build() if k == 0 or event["kind"] != "task"]
        data = orjson.dumps(swe_agent_document(events), option=orjson.OPT_INDENT_2)
        (tmp / f"bench__run-{index:05d}.traj").write_bytes(data)
        written += len(data)
    tmp.replace(out)
    if not quiet:
        print(f"wrote {out}: {files} .traj files, {written / 1e6:.1f} MB", flush=True)
    return {"path": str(out), "bytes": written, "files": files}


def generate_native_dir(
    out: Path, files: int, mb: float, seed: int, quiet: bool = False, scored: bool = True
) -> dict:
    """A directory of `files` native JSONL logs, `mb` MB in all: the native corpus of the same seed, each trajectory
    whole in one file (file k holds the k-th share of them, in the order they start; their lines interleave as in the
    corpus), so that every file closes the runs it opens, as one-run-per-file rollout folders do. Unless `scored`,
    without the `outcome` events, as logs whose verdicts are kept apart are: then every run stays open to the end of
    input, since a later file might continue it."""
    with _native_corpus_cut(out, mb, seed, quiet) as (tmp, whole, stats):
        per = -(-stats["trajectories"] // files)
        rank: dict[str, int] = {}
        shares: dict[int, BinaryIO] = {}
        with open(whole, "rb") as fh:
            for line in fh:
                event = orjson.loads(line)
                if not scored and event["kind"] == "outcome":
                    continue
                tid = event["trajectory"]
                index = rank.setdefault(tid, len(rank)) // per
                handle = shares.get(index)
                if handle is None:
                    handle = shares[index] = open(tmp / f"run-{index:05d}.jsonl", "wb")  # noqa: SIM115 - closed below
                handle.write(line)
        for handle in shares.values():
            handle.close()
        stats["files"] = len(shares)
    return {"path": str(out), "bytes": stats["bytes"], "files": len(shares)}


def generate_native_shards(out: Path, files: int, mb: float, seed: int, quiet: bool = False) -> dict:
    """A directory of `files` native JSONL logs, `mb` MB in all: the native corpus of the same seed cut into files of
    about equal lines, as `split -l` cuts a log, so that the runs open at each cut go on in the next file."""
    with _native_corpus_cut(out, mb, seed, quiet) as (tmp, whole, stats):
        per = -(-stats["lines"] // files)
        written = 0
        with open(whole, "rb") as fh:
            while lines := list(itertools.islice(fh, per)):
                (tmp / f"shard-{written:05d}.jsonl").write_bytes(b"".join(lines))
                written += 1
        stats["files"] = written
    return {"path": str(out), "bytes": stats["bytes"], "files": written}


@contextmanager
def _native_corpus_cut(out: Path, mb: float, seed: int, quiet: bool) -> Iterator[tuple[Path, Path, dict]]:
    """The native corpus of `seed`, generated into a folder beside `out` that becomes `out` once the caller has cut
    the corpus into files there (and set `stats["files"]`); the corpus itself is then removed."""
    tmp = out.with_name(out.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    whole = tmp / "corpus.jsonl"
    stats = generate(whole, mb, seed, quiet=True)
    yield tmp, whole, stats
    whole.unlink()
    tmp.replace(out)
    if not quiet:
        print(f"wrote {out}: {stats['files']} native files, {stats['bytes'] / 1e6:.1f} MB, {stats['trajectories']} "
              "trajectories", flush=True)


def check(path: Path, every: int = 1, schema_path: Path = SCHEMA) -> bool:
    """Validate every `every`-th line with jsonschema_rs and check the stream's structure. True when all is well."""
    import jsonschema_rs

    validator = jsonschema_rs.validator_for(orjson.loads(schema_path.read_bytes()))
    loads = orjson.loads
    open_steps: dict[str, int] = {}
    closed: set[str] = set()
    kinds: dict[str, int] = {}
    problems: list[str] = []
    n = size = longest = over_10k = non_ascii = validated = invalid = unparsable = max_open = 0
    started = time.perf_counter()
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            size += len(raw)
            longest = max(longest, len(raw))
            over_10k += len(raw) > 10_000
            non_ascii += not raw.isascii()
            try:
                event = loads(raw)
            except orjson.JSONDecodeError:
                unparsable += 1
                continue
            if n % every == 0:
                validated += 1
                if not validator.is_valid(event):
                    invalid += 1
                    if len(problems) < 5:
                        err = next(iter(validator.iter_errors(event)))
                        problems.append(f"line {n}: schema: {err.message}")
                    continue
            if not isinstance(event, dict) or not isinstance(event.get("trajectory"), str):
                continue
            tid, step, kind = event["trajectory"], event.get("step"), event.get("kind")
            if tid.startswith("bad-"):
                continue
            kinds[kind] = kinds.get(kind, 0) + 1
            if tid in closed:
                problems.append(f"line {n}: event after the outcome of {tid}")
            expected = open_steps.get(tid, 0)
            if step != expected and len(problems) < 10:
                problems.append(f"line {n}: {tid} step {step}, expected {expected}")
            open_steps[tid] = expected + 1
            max_open = max(max_open, len(open_steps))
            if kind == "outcome":
                del open_steps[tid]
                closed.add(tid)
    if open_steps:
        problems.append(f"{len(open_steps)} trajectories never got an outcome")
    seconds = time.perf_counter() - started
    print(f"checked {path}: {n} lines, {size / 1e6:.1f} MB, avg {size / max(n, 1):.0f} B, longest {longest} B, "
          f"{over_10k} lines > 10 kB, {non_ascii} non-ASCII lines ({100 * non_ascii / max(n, 1):.0f} %), "
          f"{len(closed)} trajectories, at most {max_open} open, {seconds:.1f} s")
    print("kinds: " + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items())))
    print(f"schema: {validated} lines validated, {invalid} invalid; {unparsable} not JSON")
    for p in problems:
        print("  " + p)
    return not problems and not invalid and not unparsable


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", type=Path, help="output JSONL file")
    ap.add_argument("--mb", type=float, default=200, help="approximate size in MB (10^6 bytes), default 200")
    ap.add_argument("--seed", type=int, default=1, help="random seed, default 1")
    ap.add_argument("--bad-rate", type=float, default=0.0,
                    help="per-line probability of inserting a broken line (default 0: every line valid)")
    ap.add_argument("--check", action="store_true", help="after writing, validate lines with jsonschema_rs "
                    "and check steps/outcomes (exit 1 on problems)")
    ap.add_argument("--check-only", action="store_true", help="check an existing file, do not generate")
    ap.add_argument("--check-every", type=int, default=1, metavar="N",
                    help="schema-validate every N-th line when checking (default 1: all)")
    ap.add_argument("--format", default="native",
                    choices=("native", "openai", "swe-agent", "native-files", "native-files-unscored", "native-shards"),
                    help="native JSONL events (default), OpenAI chat JSONL (one run per line), a directory of "
                    "SWE-agent .traj files, a directory of native logs each holding whole runs, with or without "
                    "their outcome events, or the native corpus cut into files of equal lines (for the last four "
                    "OUT is the directory; --files sets how many)")
    ap.add_argument("--files", type=int, default=500, help="with a directory format: number of files")
    args = ap.parse_args(argv)
    if args.format == "openai":
        generate_openai(args.out, args.mb, args.seed)
        return 0
    if args.format == "swe-agent":
        generate_traj_dir(args.out, args.files, args.seed)
        return 0
    if args.format in ("native-files", "native-files-unscored"):
        generate_native_dir(args.out, args.files, args.mb, args.seed, scored=args.format == "native-files")
        return 0
    if args.format == "native-shards":
        generate_native_shards(args.out, args.files, args.mb, args.seed)
        return 0
    if not args.check_only:
        generate(args.out, args.mb, args.seed, args.bad_rate)
    if args.check or args.check_only:
        ok = check(args.out, max(1, args.check_every))
        if args.bad_rate == 0 and not ok:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
