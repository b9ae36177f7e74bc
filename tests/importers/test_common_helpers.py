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
