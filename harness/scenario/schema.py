"""The JSON Schema of a scenario file (checked before the per-step argument checks)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator

STEP_ID = r"^[A-Za-z_][A-Za-z0-9_]*$"

SCENARIO_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "m365lab scenario",
    "type": "object",
    "required": ["name", "steps"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "world": {
            "type": "object",
            "properties": {
                "seed": {"type": "integer"},
                "microsoft": {"type": "object"},
                "jumpcloud": {"type": "object"},
            },
            "additionalProperties": False,
        },
        "vars": {"type": "object", "propertyNames": {"pattern": STEP_ID}},
        "steps": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/step"}},
    },
    "$defs": {
        "step": {
            "type": ["object", "string"],
            "minProperties": 1,
            "properties": {"id": {"type": "string", "pattern": STEP_ID}},
        }
    },
}

_VALIDATOR = Draft202012Validator(SCENARIO_SCHEMA)


def schema_errors(document: Any) -> Iterator[tuple[tuple, str]]:
    """(path inside the document, message) for every schema violation, in document order."""
    errors = sorted(_VALIDATOR.iter_errors(document), key=lambda e: [str(p) for p in e.path])
    for error in errors:
        path = tuple(error.absolute_path)
        yield path, _message(error, path)


def _message(error, path: tuple) -> str:
    where = ".".join(str(p) for p in path)
    if error.validator == "additionalProperties" and not path:
        allowed = ", ".join(SCENARIO_SCHEMA["properties"])
        return f"{error.message} (allowed keys: {allowed})"
    if error.validator == "pattern" and path and path[-1] == "id":
        return f"step id {error.instance!r} must be a name (letters, digits, _)"
    return f"{where}: {error.message}" if where else error.message
