"""DeepConf multi-trace answer files (a facebookresearch/deepconf analysis export): one JSON document per question,
`{completed: [trace], truncated: [trace], ground_truth}`, trace = `{extracted_answer, answer_token_conf: [{index, token,
confidence}]}` where `confidence` is DeepConf's token confidence C = −mean of the top-20 logprobs.

The question id comes from the nearest path component that carries `qid<Q>`: the file name in the flat layout
(`deepconf_qid<Q>_rid0_…__answer_token_conf_budget<B>.json`), else the nearest directory, as DeepConf's own analysis
tree lays it out (`deepconf_qid<Q>_rid0_budget<B>_<time>-prompt-1/answer_token_conf_budget<B>.json`, where every file
has the same name); with no `qid<Q>` anywhere on the path, the file's stem. Each trace becomes a trajectory
`<qid>:<completed|truncated>:<i>`: a task event (task_id = the question id), one assistant message (text = the
extracted answer) carrying the per-token confidences in `token_confidence` with `confidence_k` = 20, and an outcome
{success: extracted answer == ground truth after light normalisation, answer, source "deepconf ground truth"}.
Only the answer's tokens have confidences (not the reasoning), so windows and token counts are answer tokens.
The `conf_exp` vote files of the same export are not traces and are refused with a clear message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from trajaudit.importers._common import Emitter, has_key, load_document, starts_with, stem
from trajaudit.reader import Malformed, Source

NAME = "deepconf"
DESCRIPTION = "DeepConf answer-token confidence files: {completed: [trace], truncated: [trace], ground_truth}"
SOURCE = "deepconf ground truth"
TOP_K = 20  # vLLM `logprobs=20` in the runs that produced these files
KINDS = ("completed", "truncated")
_QID = re.compile(r"(?<![A-Za-z])qid(\d+)")


def sniff(source: Source, head: bytes) -> bool:
    """A JSON object with `answer_token_conf` traces under `completed` or `truncated`."""
    return (starts_with(head, b"{") and has_key(head, "answer_token_conf")
            and (has_key(head, "completed") or has_key(head, "truncated")))


def question_id(name: str) -> str:
    """The `<Q>` of the nearest path component (file name first, then its directories upwards) carrying `qid<Q>`."""
    parts = PurePath(name).parts
    for part in (stem(name, (".json", ".json.gz")), *reversed(parts[:-1])):
        match = _QID.search(part)
        if match:
            return match.group(1)
    return stem(name, (".json.gz", ".json"))


def normalize(answer: str) -> str:
    """Light normalisation of a LaTeX answer: no $ or spaces, \\dfrac/\\tfrac → \\frac, \\text{x} → x, no \\left/
    \\right or spacing commands, no trailing period. Not a math-equivalence check (1/2 ≠ 0.5)."""
    text = answer.strip().strip("$")
    text = re.sub(r"\\text\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\[dt]frac", r"\\frac", text)
    text = re.sub(r"\\left|\\right", "", text)
    text = re.sub(r"\\[,;:! ]", "", text)
    text = re.sub(r"\s+", "", text)
    return text.rstrip(".")


def _confidences(raw: Any) -> list[float] | None:
    if not isinstance(raw, list):
        return None
    out = []
    for item in raw:
        value = item.get("confidence") if isinstance(item, dict) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        out.append(float(value))
    return out


def convert(source: Source) -> Iterator[tuple[int | None, dict] | Malformed]:
    emit = Emitter(source, NAME)
    doc = load_document(source, emit, "a deepconf answer_token_conf file", DESCRIPTION,
                        lambda d: isinstance(d, dict) and any(isinstance(d.get(k), list) for k in KINDS))
    if isinstance(doc, Malformed):
        yield doc
        return
    qid = question_id(source.name)
    truth = doc.get("ground_truth")
    truth = str(truth) if truth is not None else None
    for kind in KINDS:
        traces = doc.get(kind)
        if traces is None:
            continue
        if not isinstance(traces, list):
            yield emit.malformed(f"$.{kind}: expected a list of traces, found {type(traces).__name__}")
            continue
        for index, trace in enumerate(traces):
            where = f"$.{kind}[{index}]"
            confs = _confidences(trace.get("answer_token_conf")) if isinstance(trace, dict) else None
            if confs is None:
                yield emit.malformed(f"{where}: expected {{extracted_answer, answer_token_conf: [{{confidence}}]}}")
                continue
            trajectory = f"{qid}:{kind}:{index}"
            answer = trace.get("extracted_answer")
            answer = answer if isinstance(answer, str) and answer.strip() else None
            tokens = [item.get("token") for item in trace["answer_token_conf"]]
            yield emit.event(trajectory, "task", path=where, task_id=qid, meta={"finish": kind})
            yield emit.event(
                trajectory, "message", path=f"{where}.answer_token_conf", role="assistant", text=answer or "",
                token_confidence=confs, confidence_k=TOP_K,
                meta={"answer_tokens": tokens} if any(isinstance(t, str) for t in tokens) else None,
            )
            success = answer is not None and truth is not None and normalize(answer) == normalize(truth)
            yield emit.event(trajectory, "outcome", path=where, success=success, answer=answer, source=SOURCE,
                             meta={"ground_truth": truth} if truth is not None else None)
