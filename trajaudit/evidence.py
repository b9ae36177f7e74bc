"""What a trajectory's tool calls show: attempts and their results, which claimed action a call performs, test runs
and their outcomes, code changes, destructive actions and later checks. The claim rules (TA102–TA105) set claims
against this evidence. Pure functions over events; regular expressions compiled once.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable, NamedTuple, Sequence

from trajaudit.claims import action_nouns, verb_lemma
from trajaudit.context import events_by_kind, judgements, per_trajectory
from trajaudit.failure import UNKNOWN_NO_RESULT, Judgement, judge
from trajaudit.lazy import regex
from trajaudit.model import Event, Trajectory
from trajaudit.records import dataclass


class Attempt(NamedTuple):
    """One tool call with its result (None when the log has none).

    A tuple, as Event is: one is built for every tool call of a trajectory with claims, and a tuple is built several
    times faster than a frozen dataclass."""

    call: Event
    result: Event | None
    tool: str
    command: str  # the shell command for shell-like tools, else ""
    arguments: str  # the arguments flattened to text (for target matching)
    step: int  # the call's step, a field because rules ask for it in loops over all calls
    failure: Judgement  # why the call counts as failed or succeeded, with the evidence (`failure.judge` of the result)

    @property
    def ok(self) -> bool | None:
        """True/False as `failure.judge` reads the result (flags first, then the shapes failures print); None
        without a result."""
        return self.failure.ok

    @property
    def output(self) -> str:
        if self.result is None:
            return ""
        parts = [self.result.get("output"), self.result.get("error")]
        return "\n".join(p for p in parts if isinstance(p, str))

    def describe(self) -> str:
        if self.command:
            command = " ".join(self.command.split())
            return f"{self.tool}: {command[:100]}{'…' if len(command) > 100 else ''}"
        return self.tool


_SHELL_TOOLS = regex(
    r"^(?:bash|sh|zsh|shell|terminal|cmd|powershell|run|exec|execute|execute_bash|execute_command|run_command|"
    r"run_shell_command|shell_command|local_shell|container\.exec|run_terminal_cmd|command|bash_tool|computer)$",
    re.I,
)
_COMMAND_KEYS = ("command", "cmd", "script", "commands", "code", "input", "sql")  # sql: a query tool's statement
_COMMAND_KEY_SET = frozenset(_COMMAND_KEYS)


def _flatten(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list, tuple)):
        items = value.values() if isinstance(value, dict) else value
        # text items (most arguments) are taken as they are, without a call each
        return " ".join([v if type(v) is str else _flatten(v) for v in items])
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _command(tool: str, arguments: Any) -> str:
    if isinstance(arguments, str):
        return arguments if _is_shell(tool) else ""
    if not isinstance(arguments, dict) or _COMMAND_KEY_SET.isdisjoint(arguments):
        return ""
    shell = _is_shell(tool)
    for key in _COMMAND_KEYS:
        value = arguments.get(key)
        if value is None:
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = " ".join(value)
        if isinstance(value, str) and (shell or (key != "command" or " " in value.strip())):
            if shell or key in ("cmd", "script", "commands", "sql"):
                return value
            if key == "command" and not _EDIT_TOOL_COMMAND.match(value.strip()):
                return value
    return ""


@lru_cache(maxsize=1024)
def _is_shell(tool: str) -> bool:
    return bool(_SHELL_TOOLS.match(tool))


_EDIT_TOOL_COMMAND = regex(r"^(?:view|create|str_replace|insert|undo_edit|write|append)$")


@per_trajectory
def attempts(trajectory: Trajectory) -> tuple[Attempt, ...]:
    """Every tool call, in order, paired with its result by call id. A call id used again after its result arrived
    is a new call (tau-bench logs reuse ids): each call takes the first result with its id that is not already
    another call's, preferring one after it."""
    groups = events_by_kind(trajectory)
    results: dict[Any, list[Event]] = {}
    for event in groups["tool_result"]:
        call_id = event[2].get("call_id")
        if call_id is not None:
            results.setdefault(call_id, []).append(event)
    found = []
    judged = judgements(trajectory)  # shared with TA201, which judges every result
    for event in groups["tool_call"]:
        data = event[2]
        tool = str(data.get("tool") or "")
        arguments = data.get("arguments")
        result = _take_result(results.get(data.get("call_id")), event)
        failure = UNKNOWN_NO_RESULT if result is None else judged.get(id(result)) or judge(result)
        found.append(Attempt(event, result, tool, _command(tool, arguments), _flatten(arguments), event[5], failure))
    return tuple(found)


def _take_result(candidates: list[Event] | None, call: Event) -> Event | None:
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]  # the common case; a lone result also answers a later call reusing its id
    for index, result in enumerate(candidates):
        if (result[5], result[3]) > (call[5], call[3]):
            return candidates.pop(index)
    return candidates[0]


# --------------------------------------------------------------------------------------------------------------
# Which calls perform a claimed action: tool-name stems and, for shell tools, command patterns.

_EDIT_COMMANDS = (
    r"\bsed\s+(?:-\w+\s+)*-i|\bperl\s+-\w*i|\bpatch\b|\bgit\s+apply\b|\bgit\s+am\b|\bcat\s*>|"
    r"\bcat\s+<<-?\s*['\"]?\w+['\"]?\s*>|"
    r"\btee\b|>\s*[\w./-]+\.\w+|\bpython[\d.]*\s+-\s*<<|\bed\s+-s\b|\bapply_patch\b|\bmv\b|\bcp\b"
)
_TOOL_STEMS: dict[str, tuple[str, ...]] = {
    "cancel": ("cancel", "void", "revoke"),
    "refund": ("refund", "return", "cancel", "exchange", "modify", "update", "reimburs", "credit"),
    "return": ("return", "refund"),
    "exchange": ("exchange", "swap", "modify", "update", "replace"),
    "book": ("book", "reserv", "schedul", "create", "order", "purchase", "buy"),
    "update": (
        "update", "modify", "change", "edit", "set", "patch", "put", "upgrade", "downgrade", "replace", "write",
        "rename", "move", "str_replace", "apply", "switch", "adjust", "insert", "multiedit", "save",
    ),
    # an edit of a source file removes as readily as it adds ("the unused import has been removed")
    "delete": ("delete", "remove", "rm", "drop", "del", "unlink", "purge", "destroy", "erase", "uninstall", "cancel",
               "edit", "str_replace", "multiedit"),
    "create": ("create", "add", "new", "make", "write", "insert", "post", "book", "generate", "save", "upload", "edit",
               "str_replace", "apply", "touch", "mkdir", "put", "update", "modify"),
    "send": ("send", "email", "mail", "notify", "message", "post", "reply", "comment", "certificate"),
    "issue": ("issue", "send", "certificate", "compensat", "credit", "grant", "voucher"),
    "fix": ("edit", "write", "str_replace", "apply", "patch", "replace", "insert", "update", "create", "multiedit",
            "save", "modify"),
    "merge": ("merge",),
    "deploy": ("deploy", "release", "publish", "rollout", "ship"),
    "restart": ("restart", "reboot", "relaunch", "bounce", "rollout", "cycle"),
    "install": ("install", "add_package", "add_dependency"),
    "commit": ("commit",),
    "push": ("push",),
    "pay": ("pay", "charge", "bill", "book", "modify", "update", "exchange", "purchase", "checkout", "order"),
    # the service-API verbs of the claims taxonomy: a tool named for the verb or its synonyms performs it
    "grant": ("grant", "authoriz", "authoris", "assign"),
    "revoke": ("revoke", "rescind"),
    "lock": ("lock",),
    "unlock": ("unlock",),
    "attach": ("attach",),
    "export": ("export",),
    "terminate": ("terminate", "offboard"),
    "enroll": ("enrol", "onboard"),
    "reroute": ("reroute", "redirect", "divert"),
    "extend": ("extend", "prolong"),
    "sign": ("sign",),
    "arm": ("arm",),
}
# A cloud CLI's subcommand verb, after its command groups: "gcloud compute firewall-rules create allow-ssh",
# "gcloud projects add-iam-policy-binding", "aws iam delete-user" (bounded gap, within one command).
_CLOUD_CLI = r"\b(?:aws|gcloud|az)\s[^\n;|&]{0,120}?(?<=\s)"
_COMMAND_PATTERNS: dict[str, str] = {
    "delete": _CLOUD_CLI + r"(?:delete|remove)(?:-[a-z]+)*\b|"
    r"\b(?:rm|rmdir|unlink|shred)\s|\bgit\s+rm\b|\bdrop\s+(?:table|database|schema|index)\b|"
    r"\bdelete\s+from\b|\bkubectl\s+delete\b|\bdocker\s+(?:rm|rmi)\b|"
    r"\b(?:pip|npm|apt|apt-get)\s+(?:uninstall|remove)\b",
    "create": r"\btouch\s|\bmkdir\s|\bgit\s+(?:init|checkout\s+-b|branch)\b|\bgh\s+(?:pr|issue)\s+create\b|"
    r"\binsert\s+into\b|" + _CLOUD_CLI + r"(?:create|add)(?:-[a-z]+)*\b|" + _EDIT_COMMANDS,
    "update": _EDIT_COMMANDS + r"|\bgit\s+(?:mv|checkout|restore|revert)\b",
    "fix": _EDIT_COMMANDS,
    "install": r"\b(?:pip[\d.]*|uv\s+pip|uv|npm|yarn|pnpm|apt|apt-get|brew|cargo|go|gem|conda|poetry)\s+"
    r"(?:install|add|i|get)\b|"
    r"\bsetup\.py\s+(?:install|develop)\b",
    "commit": r"\bgit\s+commit\b",
    "push": r"\bgit\s+push\b",
    "merge": r"\bgit\s+merge\b|\bgh\s+pr\s+merge\b",
    "deploy": r"\bdeploy\b|\bkubectl\s+(?:apply|rollout)\b|\bhelm\s+(?:install|upgrade)\b|\bterraform\s+apply\b|"
    r"\bdocker\s+push\b|\btwine\s+upload\b|\bnpm\s+publish\b|\bcargo\s+publish\b|\bgh\s+release\s+create\b",
    "send": r"\b(?:mail|sendmail|mutt|msmtp|swaks)\b|\bcurl\b.*\s-X\s*POST\b|\bgh\s+(?:pr|issue)\s+comment\b",
    # bounded gaps: "systemctl restart nginx", "docker compose restart web", "kubectl rollout restart deploy/api"
    "restart": r"\b(?:systemctl|service|docker|docker-compose|podman|pm2|supervisorctl|brew\s+services|"
    r"kubectl\s+rollout)\b[^\n;|&]{0,80}\brestart\b|\b(?:reboot|shutdown\s+-r)\b",
}
_COMPILED_COMMANDS = {action: regex(pattern, re.I, lookahead=True) for action, pattern in _COMMAND_PATTERNS.items()}


_CAMEL_CASE = regex(r"([a-z])([A-Z])")
_NON_LETTERS = regex(r"[^a-zA-Z]+")


@lru_cache(maxsize=1024)
def _tokens(tool: str) -> tuple[str, ...]:
    spaced = _CAMEL_CASE.sub(r"\1 \2", tool)
    return tuple(t for t in _NON_LETTERS.split(spaced.lower()) if t)


def performs(attempt: Attempt, action: str) -> bool:
    """Whether this call performs the (normalised) action: its tool name has a matching stem or a word that the
    claims' action taxonomy reads as that action (send_email, rebootInstance), or its shell command matches the
    action's command pattern. A tool whose name starts with a verb of looking (get_, find_, list_, search_, …) performs
    no action: find_user_id_by_email sends nothing."""
    command = attempt.command or _cli_command(attempt)
    if command:
        pattern = _COMPILED_COMMANDS.get(action)
        if pattern and pattern.search(command):
            return True
        if _is_shell(attempt.tool):
            return False
    return _tool_performs(attempt.tool, action)


# Tools named after a command-line program take its arguments: kubectl({"args": "rollout restart deploy/api"}).
_CLI_TOOLS = frozenset(
    "kubectl docker git gh helm terraform systemctl service npm pip yarn cargo make psql mysql aws gcloud az "
    "logrotate certbot".split()
)


def _cli_command(attempt: Attempt) -> str:
    tool = attempt.tool.lower()
    return f"{tool} {attempt.arguments}" if tool in _CLI_TOOLS else ""


# The answers about a tool name are cached: logs use a few tools thousands of times.
@lru_cache(maxsize=4096)
def _tool_performs(tool: str, action: str) -> bool:
    stems = _TOOL_STEMS.get(action, (action,))
    name = tool.lower()
    if any(stem in ("str_replace", "multiedit") and stem in name for stem in stems):
        return True
    tokens = _tokens(tool)
    if tokens and tokens[0] in _INSPECT_TOOL:
        return False
    if any(token.startswith(stem) for token in tokens for stem in stems):
        return True
    return any(verb_lemma(token) == action for token in tokens)


def knows_action(action: str | None) -> bool:
    return action in _TOOL_STEMS


# What a declared tool's description says it does: "Cancel an order and email the customer a receipt." The verbs are
# read where a description puts them: its first word and the first word of each sentence ("Cancels …", "Send …"), a
# verb after "and"/"then"/"also" ("… and notifies the customer"), a participle after "is"/"are"/"be" ("the
# customer is notified by email") or after a comma ("…, restarting every replica"). Elsewhere a word is a noun:
# "refund status", "Returns the order details".
_DESCRIPTION_WORDS = regex(r"[a-z]+|[.;:,\n]")
_DESCRIPTION_VERB_AFTER = frozenset({"and", "then", "also", "or", "automatically", "will", "to"})
_DESCRIPTION_PARTICIPLE_AFTER = frozenset({"is", "are", "be", "been", "gets", "get"})
_DESCRIPTION_NOT_EFFECTS = frozenset({"return"})  # "Returns the order details": what a function gives back
_DESCRIPTION_LIMIT = 2000  # characters of a description read


@lru_cache(maxsize=1024)
def description_effects(description: str) -> frozenset[str]:
    """The action lemmas a tool description says the tool performs. Cached: the runs of a benchmark declare the
    same tools, whose descriptions would otherwise be read again for every run with a claim."""
    words = _DESCRIPTION_WORDS.findall(description[:_DESCRIPTION_LIMIT].lower())
    effects = set()
    before = "."
    for word in words:
        if before == "," and not word.endswith("ing"):
            before = word
            continue  # after a comma only a participle is a verb: "…, restarting every replica"; "…, refund status"
        if before in ".;:,\n" or before in _DESCRIPTION_VERB_AFTER or before in _DESCRIPTION_PARTICIPLE_AFTER:
            lemma = verb_lemma(word)
            if lemma and lemma in _TOOL_STEMS and lemma not in _DESCRIPTION_NOT_EFFECTS:
                effects.add(lemma)
        before = word
    return frozenset(effects)


@per_trajectory
def declared_effects(trajectory: Trajectory) -> dict[str, frozenset[str]]:
    """For each tool the trajectory's task declares with a description, the actions the description says it performs."""
    task = trajectory.task
    tools = task.get("tools") if task is not None else None
    effects: dict[str, frozenset[str]] = {}
    for tool in tools if isinstance(tools, list) else ():
        if not isinstance(tool, dict):
            continue
        function: dict[str, Any] = tool["function"] if isinstance(tool.get("function"), dict) else tool
        name, description = function.get("name"), function.get("description")
        if isinstance(name, str) and isinstance(description, str):
            effects[name] = description_effects(description)
    return effects


def performs_as_declared(attempt: Attempt, action: str, effects: dict[str, frozenset[str]]) -> bool:
    """Whether a successful call performed the action as a documented side effect of its tool (`effects` from
    declared_effects): cancel_order whose description says it emails a receipt performs send."""
    return action in effects.get(attempt.tool, ()) and attempt.ok is True


def side_effect(
    claim_text: str, action: str, before: Sequence[Attempt], effects: dict[str, frozenset[str]]
) -> Attempt | None:
    """The successful call before a claim that performed its action as a side effect, or None: a call whose tool's
    description documents the action (performs_as_declared), or, for an update, a call that performed the action a
    noun of the claim names ("marked for return" after return_delivered_order_items: that tool set the status)."""
    for attempt in reversed(before):
        if performs_as_declared(attempt, action, effects):
            return attempt
    if action == "update":
        others = action_nouns(claim_text) - {"update"}
        for attempt in reversed(before):
            if attempt.ok is True and any(performs(attempt, other) for other in others):
                return attempt
    return None


_NOT_IN_TARGET = regex(r"[^a-z0-9./_-]")
_NOT_IN_HAYSTACK = regex(r"[^a-z0-9./_ -]")


def mentions(attempt: Attempt, target: str | None) -> bool:
    """Whether the call's arguments name the target (ids compared without '#' and case)."""
    if not target:
        return False
    key = _NOT_IN_TARGET.sub("", target.lower())
    haystack = _NOT_IN_HAYSTACK.sub("", attempt.arguments.lower() + " " + attempt.command.lower())
    return bool(key) and key in haystack


# --------------------------------------------------------------------------------------------------------------
# Test runs and code changes.

_TEST_COMMAND = regex(
    r"\b(?:py\.?test|python[\d.]*\s+-m\s+(?:pytest|unittest|nose2?|tox)|tox|nox|go\s+test|cargo\s+(?:test|nextest)|"
    r"(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test|npx\s+(?:jest|vitest|mocha)|jest|vitest|mocha|rspec|phpunit|"
    r"(?:mvn|gradle|gradlew)\s+\S*test|ctest|make\s+(?:test|check)|dotnet\s+test|mix\s+test|"
    r"runtests\.py|run_tests?\b|manage\.py\s+test|bin/test\b|unittest\b|deno\s+test|swift\s+test)",
    re.I,
    lookahead=True,
)
_TEST_TOOL = regex(r"^(?:run_?tests?|test|pytest|execute_tests?)$", re.I)
# `\d\d*`, not `\d+`: a pattern that starts with a character set is scanned for it in C, twice as fast on long output
_PYTEST_COUNTS = regex(r"(\d\d*)\s+(passed|failed|errors?|error)\b", re.I)
_FAIL_MARKERS = regex(
    r"^FAILED\b|^FAIL\b|^--- FAIL|\bFAILED \((?:failures|errors)=|^ERROR:|test result: FAILED|"
    r"\bTests:\s+.*\b\d+ failed|\b\d+ failing\b|^Traceback \(most recent call last\)|"
    r"^E\s{3}|\bcommands failed\b|\bno tests ran\b|\bcollected 0 items\b",
    re.M,
)
_PASS_MARKERS = regex(
    r"^OK\b|^ok\s+\S+|test result: ok\.|\bTests:\s+\d+ passed|\b\d+ passing\b|\ball tests passed\b|"
    r"congratulations :\)|^PASS\b",
    re.M | re.I,
)


@dataclass(frozen=True, slots=True)
class TestRun:
    attempt: Attempt
    passed: bool | None  # None: outcome unknown
    summary: str


def is_test_run(attempt: Attempt) -> bool:
    if attempt.command:
        return bool(_TEST_COMMAND.search(attempt.command))
    return bool(_TEST_TOOL.match(attempt.tool))


def test_outcome(attempt: Attempt) -> tuple[bool | None, str]:
    """Passed / failed / unknown from the output (counts, runner markers), else the exit code or `ok`."""
    output = attempt.output
    counts: dict[str, int] = {}
    for number, word in _PYTEST_COUNTS.findall(output):
        key = "failed" if word.lower().startswith(("fail", "error")) else "passed"
        counts[key] = max(counts.get(key, 0), int(number))
    if counts.get("failed"):
        return False, f"{counts['failed']} failed" + (f", {counts['passed']} passed" if counts.get("passed") else "")
    fail = _FAIL_MARKERS.search(output)
    if fail:
        return False, fail.group().strip()[:80]
    if counts.get("passed"):
        return True, f"{counts['passed']} passed"
    passed = _PASS_MARKERS.search(output)
    if passed:
        return True, passed.group().strip()[:80]
    judgement = attempt.failure
    if judgement.failed:
        code = attempt.result.get("exit_code") if attempt.result else None
        if code is not None:
            return False, f"exit code {code}"
        return False, judgement.gist(80) if judgement.evidence else "the tool reported an error"
    code = attempt.result.get("exit_code") if attempt.result else None
    if code == 0:
        return True, "exit code 0"
    return None, "outcome not recognised"


def last_test_run(items: Sequence[Attempt]) -> TestRun | None:
    """The last test run among the attempts (None without one), reading only that run's output."""
    attempt = next((a for a in reversed(items) if is_test_run(a)), None)
    if attempt is None:
        return None
    passed, summary = test_outcome(attempt)
    return TestRun(attempt, passed, summary)


_EDIT_TOOLS = regex(
    r"(?:^|_|\b)(?:edit|write|str_replace|apply_patch|patch|create_file|insert|replace|multiedit|notebookedit|"
    r"save_file|update_file|modify_file|append_file|write_file|edit_file|str_replace_editor|str_replace_based_edit_tool)"
    r"(?:$|_|\b)",
    re.I,
)
_COMMIT_MESSAGE = regex(r"\bgit\s+(?:commit|tag)\b.*", re.S)  # a commit message heredoc writes no file
_SHELL_EDIT = regex(_EDIT_COMMANDS.replace(r"|\bmv\b|\bcp\b", ""), re.I, lookahead=True)
_SCRATCH = regex(r"(?:^|/)(?:reproduce\w*|repro\w*|debug\w*|scratch\w*|tmp\w*|check_\w*|verify\w*)\.\w+|/tmp/")


def is_code_change(attempt: Attempt) -> bool:
    """Whether the call edits files: an edit tool (not a view), or a shell command that writes files (sed -i, cat >,
    tee, patch, git apply, a heredoc into python...)."""
    if attempt.command:
        command = _COMMIT_MESSAGE.sub("", attempt.command)
        return bool(_SHELL_EDIT.search(command))
    if not _EDIT_TOOLS.search(attempt.tool):
        return False
    arguments = attempt.call.get("arguments")
    if isinstance(arguments, dict) and str(arguments.get("command", "")).strip() == "view":
        return False
    return True


# --------------------------------------------------------------------------------------------------------------
# Destructive actions and later checks.

_DESTRUCTIVE_COMMAND = regex(
    r"\brm\s+(?:-\w*[rR]\w*|-\w*f\w*\s+-\w*[rR]\w*|--recursive)\b|\bgit\s+push\b[^\n;&|]*(?:--force|\s-f\b)|"
    r"\bgit\s+reset\s+--hard\b|\bgit\s+clean\s+-\w*f|\bdrop\s+(?:table|database|schema)\b|\btruncate\s+table\b|"
    r"\bdelete\s+from\b|\bkubectl\s+delete\b|\bterraform\s+destroy\b|\bmkfs\b|\bdd\s+if=|\bgit\s+branch\s+-D\b",
    re.I,
    lookahead=True,
)
_DESTRUCTIVE_TOOL = ("delete", "remove", "drop", "destroy", "purge", "cancel", "wipe", "truncate", "revoke",
                     "terminate", "erase")
# Tool outputs can be long, and a case-insensitive pattern gets no fast scan for its first characters (see lazy.py).
_CONFIRMED_STATE = regex(
    r"\b(?:cancel+ed|deleted|removed|dropped|destroyed|purged|revoked|terminated|erased)\b", re.I, lookahead=True
)
_INSPECT_TOOL = ("get", "list", "find", "read", "view", "search", "show", "describe", "check", "status", "verify",
                 "fetch", "lookup", "query", "inspect", "ls", "glob", "grep", "cat", "stat")
_INSPECT_COMMAND = regex(
    r"(?:^|[;&|]\s*)\s*(?:ls|find|stat|test|\[|cat|head|tail|grep|rg|tree|wc|du|file|git\s+(?:status|log|diff|show|"
    r"branch)|kubectl\s+get|docker\s+ps|psql|sqlite3|mysql|curl)\b",
    re.I,
)


def is_destructive(attempt: Attempt) -> bool:
    if attempt.command:
        return bool(_DESTRUCTIVE_COMMAND.search(attempt.command))
    return _destructive_tool(attempt.tool)


@lru_cache(maxsize=1024)
def _destructive_tool(tool: str) -> bool:
    return any(token in _DESTRUCTIVE_TOOL for token in _tokens(tool))


def confirms_itself(attempt: Attempt) -> bool:
    """A destructive call whose own successful result reports the new state ("status": "cancelled")."""
    return attempt.ok is True and bool(_CONFIRMED_STATE.search(attempt.output))


def is_inspection(attempt: Attempt) -> bool:
    if attempt.command:
        return bool(_INSPECT_COMMAND.search(attempt.command)) or is_test_run(attempt)
    return _inspection_tool(attempt.tool)


@lru_cache(maxsize=1024)
def _inspection_tool(tool: str) -> bool:
    return any(token in _INSPECT_TOOL for token in _tokens(tool)[:1]) or bool(_TEST_TOOL.match(tool))  # is_test_run


def primary(attempt: Attempt, action: str) -> bool:
    """Whether the call performs the action by its own verb (cancel_order for cancel), not only a synonym."""
    if attempt.command:
        return performs(attempt, action)
    return _tool_primary(attempt.tool, action)


@lru_cache(maxsize=4096)
def _tool_primary(tool: str, action: str) -> bool:
    stems = _TOOL_STEMS.get(action, (action,))[:1]
    return any(token.startswith(stem) for token in _tokens(tool) for stem in stems)


_SUBMIT = regex(r"COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT|MINI_SWE_AGENT_FINAL_OUTPUT")
_SUBMIT_TOOLS = regex(r"^(?:submit|finish|final_answer|complete_task|task_complete|attempt_completion)$", re.I)


def is_submission(attempt: Attempt) -> bool:
    text = attempt.command or attempt.arguments
    # both sentinels end in _FINAL_OUTPUT: a plain substring test rules most texts out faster than the pattern
    return ("_FINAL_OUTPUT" in text and bool(_SUBMIT.search(text))) or _submission_tool(attempt.tool)


@lru_cache(maxsize=1024)
def _submission_tool(tool: str) -> bool:
    return bool(_SUBMIT_TOOLS.match(tool))


_PATHS = regex(r"[\w./-]+\.\w+|/tmp/\S*")


def is_scratch_edit(attempt: Attempt) -> bool:
    """An edit to a throwaway file (reproduce.py, debug_x.py, /tmp/...), not to the code under test."""
    paths = _PATHS.findall(attempt.command or attempt.arguments)
    return bool(paths) and all(_SCRATCH.search(p) for p in paths)


_WRITTEN_PATH = regex(
    r"(?:>>?|\btee\s+(?:-a\s+)?|\btouch\s+|\bmkdir\s+(?:-p\s+)?)\s*['\"]?([\w./-]+)", lookahead=True
)
_RM_TARGETS = regex(r"\brm\s+((?:-\w+\s+)*)([^;&|\n]+)", lookahead=True)


_WRITE_OR_CREATE = regex(r"write|create", re.I)


def created_paths(items: Iterable[Attempt]) -> set[str]:
    """Paths the agent itself wrote or created (redirections, tee, touch, mkdir, editor `create`), by base name."""
    found: set[str] = set()
    for attempt in items:
        if attempt.command:
            for path in _WRITTEN_PATH.findall(attempt.command):
                found.update(part for part in path.split("/") if part not in ("", ".", ".."))
        arguments = attempt.call.get("arguments")
        if isinstance(arguments, dict) and str(arguments.get("command", "")) == "create":
            path = arguments.get("path") or arguments.get("file_path")
            if isinstance(path, str):
                found.add(path.rstrip("/").rsplit("/", 1)[-1])
        if not attempt.command and _EDIT_TOOLS.search(attempt.tool) and _WRITE_OR_CREATE.search(attempt.tool):
            path = arguments.get("path") or arguments.get("file_path") if isinstance(arguments, dict) else None
            if isinstance(path, str):
                found.add(path.rstrip("/").rsplit("/", 1)[-1])
    return found


_RM = regex(r"\brm\s", lookahead=True)
_NOT_CLEANUP = regex(r"git\s+(?:push|reset|clean|branch)|drop\s|delete\s+from|kubectl|terraform", re.I)


def is_cleanup(attempt: Attempt, earlier: Iterable[Attempt]) -> bool:
    """An `rm` that only removes files and folders the agent created itself earlier (its scratch work)."""
    if not attempt.command or not _RM.search(attempt.command):
        return False
    if _NOT_CLEANUP.search(attempt.command):
        return False
    targets = [t for _, args in _RM_TARGETS.findall(attempt.command) for t in args.split()]
    if not targets:
        return False
    created = created_paths(earlier)
    return all(t.rstrip("/").rsplit("/", 1)[-1] in created or _SCRATCH.search(t) for t in targets)
