"""A Python callable as a function tool (DESIGN §10): the schema of every supported annotation, the three
docstring styles, pydantic models, and the one-line errors for what a tool cannot take. Every generated
schema is checked as a Draft 2020-12 schema, and sample arguments are validated against it."""

import enum
import functools
import typing
from typing import Annotated, Any, Callable, Literal, Optional, Union

import jsonschema
import pydantic
import pytest
from openai.types.chat import ChatCompletionFunctionToolParam

from openrouter_magic._core import OpenRouterError
from openrouter_magic._session import ToolSpecError, bind_arguments, tool_spec

NO = object()  # "not given", since None is a real annotation and a real default


class Units(enum.Enum):
    C = "c"
    F = "f"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mixed(enum.Enum):
    ONE = 1
    TWO = "two"


class Point(pydantic.BaseModel):
    """A point on the plane."""

    x: int
    y: int = 0


class Path(pydantic.BaseModel):
    points: list[Point]


class Node(pydantic.BaseModel):
    name: str
    children: list["Node"] = []


def tool_with(annotation: Any = NO, default: Any = NO) -> Callable[..., Any]:
    """A tool with one parameter ``x`` of the given annotation and default."""
    def tool(x):
        """A tool."""
    if annotation is not NO:
        tool.__annotations__ = {"x": annotation}
    if default is not NO:
        tool.__defaults__ = (default,)
    return tool


def parameters(func: Callable[..., Any]) -> dict[str, Any]:
    """The parameters schema of ``func``, checked as a Draft 2020-12 schema and as an OpenAI tool."""
    spec = tool_spec(func)
    jsonschema.Draft202012Validator.check_schema(spec["function"]["parameters"])
    pydantic.TypeAdapter(ChatCompletionFunctionToolParam).validate_python(spec)
    return spec["function"]["parameters"]


def accepts(schema: dict[str, Any], arguments: dict[str, Any]) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(arguments)


# (annotation, the schema of x, a value the schema accepts, a value it refuses (NO: none is refused))
ANNOTATIONS = [
    (str, {"type": "string"}, "Oslo", 3),
    (int, {"type": "integer"}, 3, 2.5),
    (float, {"type": "number"}, 2.5, "2.5"),
    (bool, {"type": "boolean"}, True, 1),
    (None, {"type": "null"}, None, 0),
    (Any, {}, {"any": ["thing"]}, NO),
    (NO, {}, [1, "two"], NO),
    (Literal["c", "f"], {"type": "string", "enum": ["c", "f"]}, "f", "k"),
    (Literal[1, "one"], {"enum": [1, "one"]}, "one", 2),
    (Literal[True], {"type": "boolean", "enum": [True]}, True, False),
    (Literal[Units.C], {"type": "string", "enum": ["c"]}, "c", "f"),
    (Units, {"type": "string", "enum": ["c", "f"]}, "c", "C"),
    (Level, {"type": "integer", "enum": [1, 2]}, 2, 3),
    (Mixed, {"enum": [1, "two"]}, 1, "one"),
    (list, {"type": "array"}, [1, "a"], {"a": 1}),
    (list[int], {"type": "array", "items": {"type": "integer"}}, [1, 2], ["1"]),
    (typing.List[str], {"type": "array", "items": {"type": "string"}}, ["a"], [1]),
    (list[Any], {"type": "array"}, [None], "a"),
    (tuple[float, ...], {"type": "array", "items": {"type": "number"}}, [1.5, 2], [True]),
    (tuple[int, str], {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}],
                       "minItems": 2, "maxItems": 2}, [1, "a"], [1, "a", "b"]),
    (set[str], {"type": "array", "items": {"type": "string"}, "uniqueItems": True}, ["a", "b"], ["a", "a"]),
    (frozenset[int], {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}, [1], [1, 1]),
    (dict, {"type": "object"}, {"a": [1]}, [1]),
    (dict[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}, {"a": 1}, {"a": "1"}),
    (dict[str, Any], {"type": "object"}, {"a": None}, "a"),
    (Optional[int], {"anyOf": [{"type": "integer"}, {"type": "null"}]}, None, "1"),
    (int | None, {"anyOf": [{"type": "integer"}, {"type": "null"}]}, 4, 4.5),
    (Union[int, str], {"anyOf": [{"type": "integer"}, {"type": "string"}]}, "a", None),
    (Annotated[int, "how many"], {"type": "integer", "description": "how many"}, 1, "1"),
    (Annotated[str, pydantic.Field(description="the city")], {"type": "string", "description": "the city"}, "a", 1),
    (list[Annotated[int | None, "a day"]],
     {"type": "array", "items": {"anyOf": [{"type": "integer"}, {"type": "null"}], "description": "a day"}},
     [1, None], [1.5]),
    (dict[str, list[Literal["a", "b"]]],
     {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}},
     {"k": ["a"]}, {"k": ["c"]}),
]


@pytest.mark.parametrize(("annotation", "schema", "good", "bad"), ANNOTATIONS, ids=lambda v: repr(v)[:40])
def test_each_supported_annotation_has_its_json_schema(annotation, schema, good, bad):
    expected = {"type": "object", "properties": {"x": schema}, "required": ["x"]}
    assert parameters(tool_with(annotation)) == expected
    assert accepts(expected, {"x": good})
    assert bad is NO or not accepts(expected, {"x": bad})


@pytest.mark.parametrize(("annotation", "schema", "good", "bad"), ANNOTATIONS, ids=lambda v: repr(v)[:40])
def test_every_value_the_schema_accepts_binds_and_every_value_it_refuses_is_refused(annotation, schema, good, bad):
    tool = tool_with(annotation)
    assert set(bind_arguments(tool, {"x": good})) == {"x"}
    if bad is not NO and not (annotation in (set[str], frozenset[int])):  # a repeated item just collapses
        with pytest.raises(ToolSpecError, match="^tool: argument 'x"):
            bind_arguments(tool, {"x": bad})


@pytest.mark.parametrize(("annotation", "default", "schema"), [
    (int, 3, {"type": "integer", "default": 3}),
    (int | None, None, {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None}),
    (Units, Units.F, {"type": "string", "enum": ["c", "f"], "default": "f"}),
    (tuple[int, int], (1, 2), {"type": "array", "prefixItems": [{"type": "integer"}] * 2, "minItems": 2,
                               "maxItems": 2, "default": [1, 2]}),
    (set[str], frozenset({"b", "a"}), {"type": "array", "items": {"type": "string"}, "uniqueItems": True,
                                       "default": ["a", "b"]}),
    (NO, object(), {}),  # a default JSON cannot carry is left out, and the parameter stays optional
    (float, float("nan"), {"type": "number"}),
])
def test_a_parameter_with_a_default_is_optional_and_its_default_is_json(annotation, default, schema):
    assert parameters(tool_with(annotation, default)) == {"type": "object", "properties": {"x": schema},
                                                          "required": []}


def google(city: str, days: int = 1) -> str:
    """Weather for a city.

    The forecast comes from the national service.

    Args:
        city: The city's name.
        days (int): How many days
            to forecast.

    Returns:
        The forecast.
    """


def numpy(city: str, days: int = 1) -> str:
    """Weather for a city.

    The forecast comes from the national service.

    Parameters
    ----------
    city : str
        The city's name.
    days : int, optional
        How many days
        to forecast.
    """


def rest(city: str, days: int = 1) -> str:
    """Weather for a city.

    The forecast comes from the national service.

    :param city: The city's name.
    :param int days: How many days
        to forecast.
    :returns: The forecast.
    """


@pytest.mark.parametrize("func", [google, numpy, rest])
def test_the_docstring_gives_the_description_in_each_style(func):
    assert tool_spec(func) == {"type": "function", "function": {
        "name": func.__name__,
        "description": "Weather for a city.\n\nThe forecast comes from the national service.",
        "parameters": {"type": "object", "required": ["city"], "properties": {
            "city": {"type": "string", "description": "The city's name."},
            "days": {"type": "integer", "default": 1, "description": "How many days\nto forecast."},
        }},
    }}


def test_a_function_without_docstring_has_no_description():
    def ping(): pass
    assert tool_spec(ping) == {"type": "function", "function": {
        "name": "ping", "parameters": {"type": "object", "properties": {}, "required": []}}}


def test_annotated_text_wins_over_the_docstring():
    def count(n: Annotated[int, "from Annotated"]):
        """Count.

        Args:
            n: from the docstring
        """
    assert parameters(count)["properties"]["n"] == {"type": "integer", "description": "from Annotated"}


def test_a_pydantic_model_is_inlined_with_its_defs_at_the_root():
    def draw(path: Path, start: Point | None = None):
        """Draw a path."""
    schema = parameters(draw)
    point = Point.model_json_schema()
    assert schema == {"type": "object", "required": ["path"], "$defs": {"Point": point}, "properties": {
        "path": {"type": "object", "title": "Path", "required": ["points"], "properties": {
            "points": {"type": "array", "title": "Points", "items": {"$ref": "#/$defs/Point"}}}},
        "start": {"anyOf": [point, {"type": "null"}], "default": None},
    }}
    assert accepts(schema, {"path": {"points": [{"x": 1}, {"x": 2, "y": 3}]}, "start": {"x": 0}})
    assert not accepts(schema, {"path": {"points": [{"y": 1}]}})


def test_a_recursive_pydantic_model_refers_to_itself_through_the_root_defs():
    def plant(tree: Node): pass
    schema = parameters(plant)
    assert schema["properties"]["tree"] == {"$ref": "#/$defs/Node"}
    assert accepts(schema, {"tree": {"name": "a", "children": [{"name": "b"}]}})
    assert not accepts(schema, {"tree": {"name": "a", "children": [{"children": []}]}})


def test_two_different_models_with_one_name_are_an_error():
    other = pydantic.create_model("Point", z=(str, ...))
    holder = pydantic.create_model("Holder", p=(other, ...))

    def both(path: Path, holder: holder): pass
    with pytest.raises(ToolSpecError, match="^tool both: parameter 'holder' has type Holder: two different models "
                                            "are both called Point; rename one$"):
        tool_spec(both)


def test_methods_partials_callable_objects_and_async_functions_are_tools():
    class Greeter:
        """Says hello."""

        def hello(self, name: str) -> str:
            """Greet someone."""

        def __call__(self, name: str) -> str: ...

    async def fetch(url: str, timeout: float = 5.0): """Fetch a page."""
    names = {"name": {"type": "string"}}
    assert parameters(Greeter().hello)["properties"] == names
    assert tool_spec(Greeter())["function"]["description"] == "Says hello."
    assert tool_spec(Greeter())["function"]["name"] == "Greeter"
    assert parameters(functools.partial(fetch, timeout=1.0))["properties"]["timeout"]["default"] == 1.0
    assert tool_spec(fetch)["function"]["name"] == "fetch"


class Custom:
    pass


SUPPORTED = ("use str, int, float, bool, None, Any, Literal, Enum, list, tuple, set, dict[str, X], "
             "Optional/Union, Annotated or a pydantic model")


def star(*args: int): pass
def double_star(**kwargs: int): pass
def positional(x: int, /): pass
def forward(x: "Missing"): pass  # noqa: F821 - the name is missing on purpose


@pytest.mark.parametrize(("func", "message"), [
    (tool_with(bytes), f"tool tool: parameter 'x' has type bytes, which a tool cannot take: {SUPPORTED}"),
    (tool_with(Custom), f"tool tool: parameter 'x' has type Custom, which a tool cannot take: {SUPPORTED}"),
    (tool_with(Callable[[int], str]),
     f"tool tool: parameter 'x' has type Callable[[int], str], which a tool cannot take: {SUPPORTED}"),
    (tool_with(list[bytes]),
     f"tool tool: parameter 'x' has type list[bytes], whose bytes a tool cannot take: {SUPPORTED}"),
    (tool_with(dict[int, str]),
     "tool tool: parameter 'x' has type dict[int, str]: JSON object keys are strings: use dict[str, str]"),
    (tool_with(Literal[b"raw"]),
     "tool tool: parameter 'x' has type Literal[b'raw']: the value b'raw' is not a JSON string, number, "
     "boolean or null"),
    (star, "tool star: *args cannot be a tool parameter; name each parameter"),
    (double_star, "tool double_star: **kwargs cannot be a tool parameter; name each parameter"),
    (positional, "tool positional: parameter 'x' is positional-only; tools take named arguments"),
    (forward, "tool forward: its type hints cannot be resolved (NameError: name 'Missing' is not defined)"),
    (lambda x: x, "tool name '<lambda>' must be 1-64 letters, digits, '_' or '-': define it with def"),
    (3, "a tool must be a function, got int 3"),
    (Units, "a tool must be a function, got the class Units: pass a function or method"),
])
def test_what_a_tool_cannot_take_is_a_one_line_error(func, message):
    with pytest.raises(ToolSpecError) as raised:
        tool_spec(func)
    assert str(raised.value) == message
    assert "\n" not in message


def test_tool_spec_error_is_a_value_error_in_the_one_error_tree():
    assert issubclass(ToolSpecError, ValueError) and issubclass(ToolSpecError, OpenRouterError)
