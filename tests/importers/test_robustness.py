"""No importer raises on arbitrary input: bad bytes and unexpected JSON become Malformed values, never tracebacks."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trajaudit.importers import FORMATS
from trajaudit.reader import Ended, Malformed, Source

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["role", "content", "messages", "traj", "simulations", "type", "payload", "message",
                         "tool_calls", "trajectory", "history", "resourceSpans", "spans", "eval", "samples", "id"]),
        children, max_size=5),
    max_leaves=25,
)


def _drain(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "input.json"
    path.write_bytes(data)
    source = Source(str(path), path)
    for module in FORMATS:
        ids: set[str] = set()
        for item in module.convert(source):
            if module.NAME == "native":  # passes JSON through as is; the engine's schema check judges it
                continue
            if isinstance(item, Ended):  # a run's end: of a run the importer began
                assert item.trajectory in ids
                continue
            assert isinstance(item, Malformed) or (isinstance(item, tuple) and isinstance(item[1], dict))
            if isinstance(item, tuple):
                ids.add(item[1]["trajectory"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(tmp_path_factory, data: bytes):
    _drain(tmp_path_factory, data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=json_values, lines=st.booleans())
def test_arbitrary_json_never_raises(tmp_path_factory, value, lines: bool):
    text = json.dumps(value)
    _drain(tmp_path_factory, (text + "\n" + text).encode() if lines else text.encode())
