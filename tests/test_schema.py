"""The published schema: documented field by field, and valid/invalid example folders that become tests."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import jsonschema
import pytest

from trajaudit import schema

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "events"


def lines(folder: str) -> list[tuple[str, dict]]:
    out = []
    for path in sorted((EXAMPLES / folder).glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                out.append((f"{path.name}:{number}", json.loads(line)))
    return out


def test_schema_is_valid_2020_12():
    jsonschema.Draft202012Validator.check_schema(schema.schema())


def test_every_field_has_a_description_and_an_example():
    for name, prop in schema.schema()["properties"].items():
        assert prop.get("description"), name
        assert prop.get("examples"), name


def test_docs_page_is_generated_from_the_schema():
    spec = importlib.util.spec_from_file_location("gen", ROOT / "docs" / "generate_schema_md.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "schema.md").read_text(encoding="utf-8") == module.render(), (
        "run docs/generate_schema_md.py"
    )
    for name in schema.schema()["properties"]:
        assert f"`{name}`" in module.render(), f"docs/schema.md does not document {name}"


@pytest.mark.parametrize(("where", "event"), lines("valid"), ids=lambda x: x if isinstance(x, str) else "")
def test_valid_examples_pass(where, event):
    assert schema.errors(event) == []


@pytest.mark.parametrize(("where", "event"), lines("invalid"), ids=lambda x: x if isinstance(x, str) else "")
def test_invalid_examples_fail_with_the_expected_path(where, event):
    expected = event.pop("_expect_path")
    found = schema.errors(event)
    assert found, where
    assert expected in [e.path for e in found], (where, found)


def test_fast_and_detailed_validators_agree_on_examples():
    for _, event in lines("valid") + lines("invalid"):
        event.pop("_expect_path", None)
        assert schema.validator().is_valid(event) == (schema.errors(event) == [])
