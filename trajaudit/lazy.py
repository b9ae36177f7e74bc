"""numpy imported on first use. Most logs carry no confidence data, and importing numpy is about 40 ms of a 150 ms
start-up; the rules and the text view that compute with confidences reach numpy through this instead."""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """A module imported when one of its attributes is first read; each attribute is then kept on this object, so
    later reads cost a plain attribute lookup."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(importlib.import_module(self._name), attribute)
        setattr(self, attribute, value)
        return value


np: Any = LazyModule("numpy")
