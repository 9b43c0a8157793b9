"""A Python callable as an OpenAI/OpenRouter function tool (DESIGN §10). Pure: no I/O.

    >>> def get_weather(city: str, units: Literal["c", "f"] = "c") -> str:
    ...     '''Current weather in a city.
    ...
    ...     Args:
    ...         city: The city's name.
    ...     '''
    >>> tool_spec(get_weather)["function"]["parameters"]["properties"]["units"]
    {'type': 'string', 'enum': ['c', 'f'], 'default': 'c'}

The name is ``__name__``; the description is the docstring's summary and body; parameter descriptions
come from Google, NumPy or reST docstrings (``docstring-parser``), or from ``Annotated[X, "text"]``, which
wins. The schema follows the type hints (the families are listed in ``SUPPORTED``); a parameter without a
default is required, ``Optional[X]`` only changes the type. A pydantic model is inlined with its
``$defs`` hoisted to the root of ``parameters``, where its ``#/$defs/…`` references point.
"""

from __future__ import annotations

import enum
import inspect
import json
from collections.abc import Callable
from typing import Any, get_args, get_origin

import docstring_parser

from .tool_types import (
    SCALARS, SUPPORTED, ToolSpecError, UnsupportedType, describe_target, is_model, json_type, kind,
    tool_parameters, type_name,
)

__all__ = ["ToolSpecError", "schema_of", "tool_spec"]

_NOT_JSON = object()
Schema = dict[str, Any]


def tool_spec(func: Callable[..., Any]) -> dict[str, Any]:
    """``{"type": "function", "function": {name, description, parameters}}`` for ``func``, or a ToolSpecError."""
    name, parameters, hints = tool_parameters(func)
    description, notes = _describe(inspect.getdoc(describe_target(func)))
    defs: dict[str, Schema] = {}
    properties = {p.name: _property(name, p, hints[p.name], notes.get(p.name), defs) for p in parameters}
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": [p.name for p in parameters if p.default is p.empty],
    }
    if defs:
        schema["$defs"] = defs
    function: dict[str, Any] = {"name": name}
    if description:
        function["description"] = description
    function["parameters"] = schema
    return {"type": "function", "function": function}


def schema_of(annotation: Any, defs: dict[str, Schema]) -> Schema:
    """The JSON schema of one annotation; pydantic ``$defs`` are added to ``defs`` (raises UnsupportedType)."""
    return _SCHEMAS[kind(annotation)](annotation, defs)


def _property(
    tool: str, parameter: inspect.Parameter, annotation: Any, note: str | None, defs: dict[str, Schema]
) -> Schema:
    try:
        schema = dict(schema_of(annotation, defs))
    except UnsupportedType as exc:
        raise ToolSpecError(unsupported_message(tool, parameter.name, annotation, exc)) from None
    # Annotated[X, "text"] sits next to the parameter, so it wins over the docstring, which wins over a model's own
    if note and not (kind(annotation) == "annotated" and "description" in schema):
        schema["description"] = note
    if parameter.default is not parameter.empty:
        default = _json_default(parameter.default)
        if default is not _NOT_JSON:  # a default JSON cannot carry still makes the parameter optional
            schema["default"] = default
    return schema


def unsupported_message(tool: str, parameter: str, annotation: Any, exc: UnsupportedType) -> str:
    """The one-line error for a parameter whose annotation has no JSON schema."""
    where = f"tool {tool}: parameter '{parameter}' has type {type_name(annotation)}"
    if exc.why:
        return f"{where}: {exc.why}"
    inner = "which" if exc.annotation is annotation else f"whose {type_name(exc.annotation)}"
    return f"{where}, {inner} a tool cannot take: use {SUPPORTED}"


def _describe(doc: str | None) -> tuple[str, dict[str, str]]:
    """The description (summary and body) and the parameter descriptions of a docstring in any style."""
    if not doc:
        return "", {}
    try:
        parsed = docstring_parser.parse(doc)
    except docstring_parser.ParseError:  # a docstring that only looks like a style: keep it whole
        return doc.strip(), {}
    text = "\n\n".join(part for part in (parsed.short_description, parsed.long_description) if part)
    return text, {p.arg_name: p.description for p in parsed.params if p.description}


def _any(annotation: Any, defs: dict[str, Schema]) -> Schema:
    return {}


def _scalar(annotation: Any, defs: dict[str, Schema]) -> Schema:
    return {"type": SCALARS[type(None) if annotation is None else annotation]}


def _choices(values: list[Any]) -> Schema:
    types = {json_type(value) for value in values}
    schema: Schema = {"type": types.pop()} if len(types) == 1 else {}
    schema["enum"] = values
    return schema


def _literal(annotation: Any, defs: dict[str, Schema]) -> Schema:
    return _choices([value.value if isinstance(value, enum.Enum) else value for value in get_args(annotation)])


def _enum(annotation: Any, defs: dict[str, Schema]) -> Schema:
    return _choices([member.value for member in annotation])


def _array(annotation: Any, defs: dict[str, Schema]) -> Schema:
    origin, args = get_origin(annotation) or annotation, get_args(annotation)
    schema: Schema = {"type": "array"}
    if origin is tuple and args and args[-1] is not Ellipsis:  # tuple[int, str]: one schema per position
        schema["prefixItems"] = [schema_of(arg, defs) for arg in args]
        schema["minItems"] = schema["maxItems"] = len(args)
    elif args:
        items = schema_of(args[0], defs)
        if items:
            schema["items"] = items
    if origin in (set, frozenset):
        schema["uniqueItems"] = True
    return schema


def _object(annotation: Any, defs: dict[str, Schema]) -> Schema:
    schema: Schema = {"type": "object"}
    args = get_args(annotation)
    if args:
        if args[0] is not str:
            raise UnsupportedType(annotation, f"JSON object keys are strings: use dict[str, {type_name(args[1])}]")
        values = schema_of(args[1], defs)
        if values:
            schema["additionalProperties"] = values
    return schema


def _union(annotation: Any, defs: dict[str, Schema]) -> Schema:
    return {"anyOf": [schema_of(arg, defs) for arg in get_args(annotation)]}


def _annotated(annotation: Any, defs: dict[str, Schema]) -> Schema:
    base, *metadata = get_args(annotation)
    schema = dict(schema_of(base, defs))
    for item in metadata:  # a plain string, or anything with a text .description (pydantic's Field)
        text = item if isinstance(item, str) else getattr(item, "description", None)
        if isinstance(text, str) and text:
            schema["description"] = text
            break
    return schema


def _model(annotation: Any, defs: dict[str, Schema]) -> Schema:
    schema = dict(annotation.model_json_schema())
    for name, definition in schema.pop("$defs", {}).items():
        if defs.setdefault(name, definition) != definition:
            raise UnsupportedType(annotation, f"two different models are both called {name}; rename one")
    return schema


_SCHEMAS: dict[str, Callable[[Any, dict[str, Schema]], Schema]] = {
    "any": _any,
    "scalar": _scalar,
    "literal": _literal,
    "enum": _enum,
    "array": _array,
    "object": _object,
    "union": _union,
    "annotated": _annotated,
    "model": _model,
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)  # a stable order, so the spec (and the prompt cache) stay the same
    if is_model(type(value)):
        return value.model_dump(mode="json")
    raise TypeError(f"{type_name(type(value))} is not JSON")


def _json_default(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value, default=_jsonable, allow_nan=False))
    except (TypeError, ValueError):
        return _NOT_JSON
