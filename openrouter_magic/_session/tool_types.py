"""What the tool modules share: the error, the families of annotations a tool accepts, and reading a
callable's name, parameters and type hints. Pure: no I/O.

A parameter without an annotation takes any JSON value (schema ``{}``, value passed through unchanged):
notebooks are full of quick untyped functions, and refusing them would only make people write ``Any``.
"""

from __future__ import annotations

import enum
import functools
import inspect
import json
import re
import sys
import types
import typing
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from .._core import OpenRouterError

__all__ = ["SUPPORTED", "ToolSpecError", "UnsupportedType", "is_model", "json_type", "kind", "tool_parameters"]

SUPPORTED = (
    "str, int, float, bool, None, Any, Literal, Enum, list, tuple, set, dict[str, X], Optional/Union, "
    "Annotated or a pydantic model"
)
SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
ARRAYS = (list, tuple, set, frozenset)
# OpenAI's rule for function names; OpenRouter passes it on to every provider
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


class ToolSpecError(OpenRouterError, ValueError):
    """A callable cannot be a tool, or a model's arguments do not fit it (the tool loop sends the text back)."""


class UnsupportedType(TypeError):
    """An annotation (or a part of one) that has no JSON schema; the caller names the tool and parameter."""

    def __init__(self, annotation: Any, why: str = "") -> None:
        self.annotation, self.why = annotation, why
        super().__init__(why or type_name(annotation))


def type_name(annotation: Any) -> str:
    """A short readable name: ``bytes``, ``list[bytes]``, ``Callable[[int], str]`` (module paths dropped)."""
    if isinstance(annotation, type) and not get_args(annotation):
        return annotation.__qualname__
    return re.sub(r"\b(?:\w+\.)+(?=\w)", "", repr(annotation))


def is_model(annotation: Any) -> bool:
    """True for a pydantic model class; pydantic is never imported here (a model implies it already is)."""
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)


def kind(annotation: Any) -> str:
    """The family of an annotation: any, scalar, literal, enum, array, object, union, annotated or model."""
    if annotation is Any or annotation is inspect.Parameter.empty:
        return "any"
    if annotation is None or (isinstance(annotation, type) and annotation in SCALARS):
        return "scalar"
    origin = get_origin(annotation)
    families = {Annotated: "annotated", Literal: "literal", Union: "union", types.UnionType: "union", dict: "object"}
    if origin in families:
        return families[origin]
    if annotation in ARRAYS or origin in ARRAYS:
        return "array"
    if annotation is dict:
        return "object"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "enum"
    if is_model(annotation):
        return "model"
    raise UnsupportedType(annotation)


def json_type(value: Any) -> str:
    """The JSON schema type of a literal or enum value; other values have none."""
    for python_type, name in SCALARS.items():
        if type(value) is python_type:
            return name
    raise UnsupportedType(type(value), f"the value {value!r} is not a JSON string, number, boolean or null")


def tool_parameters(func: Any) -> tuple[str, list[inspect.Parameter], dict[str, Any]]:
    """The tool's name, its parameters and their annotations, or a ToolSpecError saying why it is no tool."""
    if isinstance(func, type):
        raise ToolSpecError(f"a tool must be a function, got the class {type_name(func)}: pass a function or method")
    if not callable(func):
        raise ToolSpecError(f"a tool must be a function, got {type_name(type(func))} {_short(func)}")
    core = _unwrap(func)
    name = getattr(core, "__name__", type(core).__name__)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ToolSpecError(f"tool name {name!r} must be 1-64 letters, digits, '_' or '-': define it with def")
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        message = f"tool {name}: its signature cannot be read; wrap it in a def with typed parameters"
        raise ToolSpecError(message) from None
    for parameter in parameters:
        _check_kind(name, parameter)
    hints = _hints(core, name)
    return name, parameters, {p.name: hints.get(p.name, Any) for p in parameters}


def describe_target(func: Any) -> Any:
    """The object whose docstring describes the tool: the function behind a partial, or the callable object."""
    return _unwrap(func)


def _unwrap(func: Any) -> Any:
    while isinstance(func, functools.partial):
        func = func.func
    return func


def _hints(core: Any, name: str) -> dict[str, Any]:
    target = core if inspect.isroutine(core) else type(core).__call__
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception as exc:  # NameError for a forward reference, TypeError for odd objects: both say the same
        raise ToolSpecError(f"tool {name}: its type hints cannot be resolved ({type(exc).__name__}: {exc})") from None


def _check_kind(name: str, parameter: inspect.Parameter) -> None:
    # the model sends one JSON object of named arguments: nothing can fill *args, **kwargs or positional-only slots
    star = {parameter.VAR_POSITIONAL: "*", parameter.VAR_KEYWORD: "**"}.get(parameter.kind)
    if star is not None:
        raise ToolSpecError(f"tool {name}: {star}{parameter.name} cannot be a tool parameter; name each parameter")
    if parameter.kind is parameter.POSITIONAL_ONLY:
        raise ToolSpecError(f"tool {name}: parameter '{parameter.name}' is positional-only; tools take named arguments")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def show(value: Any) -> str:
    """A JSON value as the model sent it, cut short for an error message."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"
