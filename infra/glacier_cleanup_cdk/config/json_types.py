"""The config's JSON types, read from each field's declaration: a value of the wrong JSON type is refused,
naming the field and what it takes ("older_than_hours": true is not 1 hour; "vaults": "a" is not a list).

A config file or block is JSON and must be typed as such. Only the `-c glacier-cleanup:<key>=<value>`
overrides arrive as text (the CDK CLI has no other form): `from_text` reads those into the field's type first.
"""

from __future__ import annotations

import json
import re
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

# JSON kinds, as a value is (`kind_of`) and as a field takes them (`kinds`).
BOOLEAN, INTEGER, NUMBER, STRING, ARRAY, NULL = "boolean", "integer", "number", "string", "array", "null"


def _kinds_of_type(annotation: Any) -> frozenset[str]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kinds_of_type(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return frozenset().union(*(_kinds_of_type(arg) for arg in get_args(annotation)))
    if origin is Literal:
        return frozenset(kind_of(value) for value in get_args(annotation))
    if origin in (tuple, list) or annotation in (tuple, list):
        return frozenset({ARRAY})
    if annotation is type(None):
        return frozenset({NULL})
    if annotation is bool:
        return frozenset({BOOLEAN})
    if annotation is int:
        return frozenset({INTEGER})
    if annotation is float:
        return frozenset({INTEGER, NUMBER})  # a JSON integer is a number
    if annotation is str or annotation is re.Pattern or origin is re.Pattern:
        return frozenset({STRING})
    raise TypeError(f"no JSON kind for {annotation!r}: add it to config/json_types.py")


def kinds(field: FieldInfo) -> frozenset[str]:
    """The JSON kinds a field takes, from its declared type."""
    return _kinds_of_type(field.annotation)


def kind_of(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, list | tuple):
        return ARRAY
    return "object"


def describe(allowed: frozenset[str]) -> str:
    """`a number or null`: how an error names what a field takes."""
    shown = sorted(allowed - {INTEGER} if NUMBER in allowed else allowed)
    names = [f"a JSON {kind}" if kind != NULL else "null" for kind in shown]
    names = ["an array" if kind == ARRAY else name for kind, name in zip(shown, names, strict=True)]
    return " or ".join(names)


def check(model: type[BaseModel], values: Any) -> Any:
    """A model's `mode="before"` check: every given value has a JSON kind its field takes."""
    if not isinstance(values, dict):
        return values
    for name, value in values.items():
        field = model.model_fields.get(name)
        if field is None:
            continue  # unknown keys are the model's own error (extra="forbid")
        allowed = kinds(field)
        if kind_of(value) not in allowed:
            raise PydanticCustomError(
                "config_conflict",
                "{message}",
                {"field": name, "message": f"must be {describe(allowed)}, not a JSON {kind_of(value)}"},
            )
    return values


def from_text(field: FieldInfo | None, value: Any) -> Any:
    """A `-c key=value` override's text, read as the field's JSON type (left as text when it is not one,
    so that `check` names the field)."""
    if field is None or not isinstance(value, str):
        return value
    allowed = kinds(field)
    text = value.strip()
    if NULL in allowed and text in ("", "null"):
        return None
    if ARRAY in allowed and not (STRING in allowed and text == "all"):
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                return value
        return [item.strip() for item in text.split(",") if item.strip()]
    if BOOLEAN in allowed and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if allowed & {INTEGER, NUMBER} and STRING not in allowed:
        for parse in (int, float):
            try:
                return parse(text)
            except ValueError:
                continue
    return value
