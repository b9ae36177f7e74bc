"""mapping / array: the typed readers of optional sub-objects that importers use instead of inline isinstance checks."""

import pytest

from trajaudit.importers._common import array, mapping


def test_mapping_returns_the_object_itself():
    value = {"output_tokens": 3}
    assert mapping(value) is value


@pytest.mark.parametrize("value", [None, [], ["a"], "usage", 0, 1.5, True])
def test_mapping_of_anything_else_is_empty(value):
    assert mapping(value) == {}


def test_mapping_fallbacks_are_not_shared():
    first = mapping(None)
    first["error"] = "x"  # tau-bench's importer adds keys to the dict it gets back
    assert mapping(None) == {}


def test_array_returns_the_list_itself():
    value = [{"path": "a.py"}]
    assert array(value) is value


@pytest.mark.parametrize("value", [None, {}, {"a": 1}, "changes", 0, (1, 2)])
def test_array_of_anything_else_is_empty(value):
    assert array(value) == []


def test_chat_messages_are_the_events_emitter_event_builds():
    """`Chat.message` builds its events inline (it runs once per message); they must be exactly, key order
    included, what `Emitter.event` makes of the same fields."""
    from pathlib import Path

    from trajaudit.importers._common import Chat, Emitter
    from trajaudit.reader import Source

    source = Source("run.jsonl", Path("run.jsonl"))
    chat = Chat(Emitter(source, "openai"), "t1")
    reference = Emitter(source, "openai")
    logprobs = {"content": [{"token": "a", "logprob": -0.5, "top_logprobs": [{"logprob": -0.5}]}]}
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "critic", "content": [{"type": "text", "text": "hm"}]},
        {"role": "assistant", "content": "looking", "reasoning_content": "think", "logprobs": logprobs,
         "tool_calls": [{"id": "c1", "function": {"name": "grep", "arguments": '{"q": 1}'}}, {"function": {}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "Error: no such thing\nmore"},
        {"role": "tool", "content": "fine"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c3", "function": {"name": "ls"}}],
         "logprobs": logprobs},
    ]
    got = [item for index, message in enumerate(messages) for item in chat.message(message, index, line=7)]
    expected = [
        reference.event("t1", "message", line=7, role="system", text="be brief"),
        reference.event("t1", "message", line=7, role="user", text="hm", meta={"source_role": "critic"}),
        reference.event("t1", "reasoning", line=7, text="think"),
        reference.event("t1", "message", line=7, role="assistant", text="looking", logprobs=[-0.5],
                        top_logprobs=[[-0.5]]),
        reference.event("t1", "tool_call", line=7, call_id="c1", tool="grep", arguments={"q": 1}),
        reference.event("t1", "tool_call", line=7, call_id="call_2_1", tool="unknown", arguments={}),
        reference.event("t1", "tool_result", line=7, call_id="c1", tool="grep", ok=False,
                        output="Error: no such thing\nmore", error="Error: no such thing"),
        reference.event("t1", "tool_result", line=7, call_id="call_2_1", tool="unknown", ok=True, output="fine"),
        reference.event("t1", "tool_call", line=7, call_id="c3", tool="ls", arguments={}, logprobs=[-0.5],
                        top_logprobs=[[-0.5]]),
    ]
    assert [(line, list(event.items())) for line, event in got] == [
        (line, list(event.items())) for line, event in expected
    ]
