"""A model's tool-call arguments as Python values for the function it named (DESIGN §10). Pure: no I/O.

    >>> bind_arguments(get_weather, '{"city": "Oslo", "units": "c"}')
    {'city': 'Oslo', 'units': <Units.C: 'c'>}

Values are converted to the annotations: Enum members, pydantic models (``model_validate``), tuples and
sets from arrays, ``int`` from a whole JSON number and ``float`` from any number. Nothing else is coerced
(no ``"3"`` → 3): a wrong value raises a ToolSpecError whose one line tells the model what to send instead,
and the tool loop sends that line back as the call's result. Defaults are left to the function.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Callable, Mapping
from typing import Any, get_args, get_origin

from .tool_schema import unsupported_message
from .tool_types import ToolSpecError, UnsupportedType, kind, show, tool_parameters, type_name

__all__ = ["bind_arguments"]

_NOUNS = {str: "a string", int: "an integer", float: "a number", bool: "true or false", type(None): "null"}


class _BadValue(ValueError):
    """One argument does not fit its annotation; the message lacks only the tool's name."""

    def __init__(self, message: str, shape_of: str | None = None) -> None:
        super().__init__(message)
        self.shape_of = shape_of  # set when the value at this place has the wrong shape, not a wrong part


def bind_arguments(func: Callable[..., Any], raw: str | Mapping[str, Any] | None) -> dict[str, Any]:
    """The model's JSON arguments as keyword arguments for ``func``, or a ToolSpecError saying what is wrong."""
    name, parameters, hints = tool_parameters(func)
    data = _load(name, raw)
    known = [p.name for p in parameters]
    unknown = [key for key in data if key not in known]
    if unknown:
        accepted = ", ".join(known) or "none"
        raise ToolSpecError(f"{name}: unknown argument{_s(unknown)} {_quoted(unknown)}; the parameters are {accepted}")
    missing = [p.name for p in parameters if p.default is p.empty and p.name not in data]
    if missing:
        raise ToolSpecError(f"{name}: missing required argument{_s(missing)} {_quoted(missing)}")
    bound = {}
    for key, value in data.items():
        try:
            bound[key] = convert(value, hints[key], key)
        except _BadValue as exc:
            raise ToolSpecError(f"{name}: {exc}") from None
        except UnsupportedType as exc:
            raise ToolSpecError(unsupported_message(name, key, hints[key], exc)) from None
    return bound


def convert(value: Any, annotation: Any, where: str) -> Any:
    """``value`` (JSON data) as ``annotation`` says; ``where`` names it in errors (``points[2].x``)."""
    return _CONVERTERS[kind(annotation)](value, annotation, where)


def _load(name: str, raw: str | Mapping[str, Any] | None) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return dict(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):  # some models send "" for a tool without arguments
        return {}
    if not isinstance(raw, str):
        raise ToolSpecError(f"{name}: the arguments must be a JSON object, got {type_name(type(raw))}")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ToolSpecError(f"{name}: the arguments are not valid JSON ({exc}); send one JSON object") from None
    if not isinstance(data, dict):
        raise ToolSpecError(f"{name}: the arguments must be a JSON object, got {show(data)}")
    return data


def _s(items: list[str]) -> str:
    return "s" if len(items) > 1 else ""


def _quoted(items: list[str]) -> str:
    return ", ".join(f"'{item}'" for item in items)


def noun(annotation: Any) -> str:
    """What a value of ``annotation`` is, for an error message: "an integer", "one of "c", "f""."""
    family = kind(annotation)
    if family == "scalar":
        return _NOUNS[type(None) if annotation is None else annotation]
    if family in ("literal", "enum"):
        return "one of " + ", ".join(show(value) for value in _choices(annotation).values())
    if family == "union":
        return " or ".join(noun(arg) for arg in get_args(annotation))
    if family == "annotated":
        return noun(get_args(annotation)[0])
    nouns = {"any": "any value", "array": "an array", "object": "an object"}
    return nouns.get(family) or f"a {annotation.__name__} object"


def _fail(value: Any, annotation: Any, where: str) -> _BadValue:
    return _BadValue(f"argument '{where}' must be {noun(annotation)}, got {show(value)}", shape_of=where)


def _as_is(value: Any, annotation: Any, where: str) -> Any:
    return value


def _scalar(value: Any, annotation: Any, where: str) -> Any:
    expected = type(None) if annotation is None else annotation
    if type(value) is expected:
        return value
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected is float and number:
        return float(value)
    if expected is int and number and float(value).is_integer():  # JSON has one number type: 3.0 is 3
        return int(value)
    raise _fail(value, annotation, where)


def _choices(annotation: Any) -> dict[Any, Any]:
    """The choices of a Literal or an Enum: the Python value (or member) for each JSON value."""
    if kind(annotation) == "enum":
        return {member: member.value for member in annotation}
    return {choice: choice.value if isinstance(choice, enum.Enum) else choice for choice in get_args(annotation)}


def _choice(value: Any, annotation: Any, where: str) -> Any:
    for choice, json_value in _choices(annotation).items():
        # True == 1 in Python, but not in JSON schema: a bool matches only a bool
        if value == json_value and isinstance(value, bool) == isinstance(json_value, bool):
            return choice
    raise _fail(value, annotation, where)


def _array(value: Any, annotation: Any, where: str) -> Any:
    if not isinstance(value, list):
        raise _fail(value, annotation, where)
    origin, args = get_origin(annotation) or annotation, get_args(annotation)
    if origin is tuple and args and args[-1] is not Ellipsis:
        if len(value) != len(args):
            raise _BadValue(f"argument '{where}' must have {len(args)} items, got {len(value)}")
        items = [convert(item, arg, f"{where}[{i}]") for i, (item, arg) in enumerate(zip(value, args))]
    else:
        each = args[0] if args else Any
        items = [convert(item, each, f"{where}[{i}]") for i, item in enumerate(value)]
    if origin is list:
        return items
    try:
        return origin(items)
    except TypeError:  # set[list[int]]: the items cannot be hashed
        raise _BadValue(f"argument '{where}' cannot be a {origin.__name__}: its items cannot be hashed") from None


def _object(value: Any, annotation: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise _fail(value, annotation, where)
    args = get_args(annotation)
    if not args:
        return value
    return {key: convert(item, args[1], f"{where}.{key}") for key, item in value.items()}


def _union(value: Any, annotation: Any, where: str) -> Any:
    closest = None
    for arg in get_args(annotation):  # the first member that takes the value wins, as in the annotation's order
        try:
            return convert(value, arg, where)
        except _BadValue as exc:
            if exc.shape_of != where and closest is None:  # the shape fitted, a part did not: say which part
                closest = exc
    raise closest or _fail(value, annotation, where)


def _annotated(value: Any, annotation: Any, where: str) -> Any:
    return convert(value, get_args(annotation)[0], where)


def _model(value: Any, annotation: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise _fail(value, annotation, where)
    validation_error = sys.modules["pydantic"].ValidationError  # loaded: the annotation is a pydantic model
    try:
        return annotation.model_validate(value)
    except validation_error as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
        raise _BadValue(f"argument '{where}' is not a valid {annotation.__name__} ({problems})") from None


_CONVERTERS: dict[str, Callable[[Any, Any, str], Any]] = {
    "any": _as_is,
    "scalar": _scalar,
    "literal": _choice,
    "enum": _choice,
    "array": _array,
    "object": _object,
    "union": _union,
    "annotated": _annotated,
    "model": _model,
}
