"""A model's tool-call arguments bound to the function (DESIGN §10): JSON values become the annotated Python
types, and bad arguments become one line the tool loop can send back to the model."""

import enum
from typing import Annotated, Any, Literal, Optional

import jsonschema
import pydantic
import pytest

from openrouter_magic._session import ToolSpecError, bind_arguments, tool_spec


class Units(enum.Enum):
    C = "c"
    F = "f"


class Flag(enum.Enum):
    ON = True
    OFF = False


class Point(pydantic.BaseModel):
    x: int
    y: int = 0


def forecast(city: str, days: int = 1, units: Units = Units.C, ratio: float = 1.0,
             spots: Optional[list[Point]] = None, pair: tuple[int, str] = (0, ""),
             tags: set[str] = frozenset(), scores: dict[str, float] = {}, note=None,  # noqa: B006 - never mutated
             mode: Literal["fast", "slow"] = "fast", weight: Annotated[float, "kg"] = 0.0) -> str:
    """A tool that takes one of everything."""


@pytest.mark.parametrize(("arguments", "expected"), [
    ({"city": "Oslo"}, {"city": "Oslo"}),
    ({"city": "Oslo", "days": 3.0}, {"city": "Oslo", "days": 3}),
    ({"city": "Oslo", "units": "f"}, {"city": "Oslo", "units": Units.F}),
    ({"city": "Oslo", "ratio": 2}, {"city": "Oslo", "ratio": 2.0}),
    ({"city": "Oslo", "spots": [{"x": 1}]}, {"city": "Oslo", "spots": [Point(x=1, y=0)]}),
    ({"city": "Oslo", "spots": None}, {"city": "Oslo", "spots": None}),
    ({"city": "Oslo", "pair": [1, "a"]}, {"city": "Oslo", "pair": (1, "a")}),
    ({"city": "Oslo", "tags": ["a", "b"]}, {"city": "Oslo", "tags": {"a", "b"}}),
    ({"city": "Oslo", "scores": {"a": 1}}, {"city": "Oslo", "scores": {"a": 1.0}}),
    ({"city": "Oslo", "note": {"any": [1]}}, {"city": "Oslo", "note": {"any": [1]}}),
    ({"city": "Oslo", "mode": "slow", "weight": 3}, {"city": "Oslo", "mode": "slow", "weight": 3.0}),
])
def test_json_arguments_become_the_annotated_python_values(arguments, expected):
    bound = bind_arguments(forecast, arguments)
    assert bound == expected
    assert [type(value) for value in bound.values()] == [type(value) for value in expected.values()]
    schema = tool_spec(forecast)["function"]["parameters"]
    jsonschema.Draft202012Validator(schema).validate(arguments)  # the spec promised the model these were fine


def test_the_arguments_may_be_a_json_string_an_empty_string_or_none():
    def ping(host: str = "localhost"): pass
    assert bind_arguments(forecast, '{"city": "Oslo", "units": "c"}') == {"city": "Oslo", "units": Units.C}
    assert bind_arguments(ping, "") == bind_arguments(ping, "  ") == bind_arguments(ping, None) == {}


def test_a_bool_never_matches_a_number_in_a_literal_or_an_enum():
    def switch(flag: Flag, level: Literal[1, 2]): pass
    assert bind_arguments(switch, {"flag": False, "level": 1.0}) == {"flag": Flag.OFF, "level": 1}
    with pytest.raises(ToolSpecError, match=r"^switch: argument 'level' must be one of 1, 2, got true$"):
        bind_arguments(switch, {"flag": True, "level": True})
    with pytest.raises(ToolSpecError, match=r"^switch: argument 'flag' must be one of true, false, got 1$"):
        bind_arguments(switch, {"flag": 1, "level": 1})


@pytest.mark.parametrize(("raw", "message"), [
    ('{"city": "Oslo",', "forecast: the arguments are not valid JSON (Expecting property name enclosed in double "
                         "quotes: line 1 column 17 (char 16)); send one JSON object"),
    ('["Oslo"]', 'forecast: the arguments must be a JSON object, got ["Oslo"]'),
    (b"{}", "forecast: the arguments must be a JSON object, got bytes"),
    ("{}", "forecast: missing required argument 'city'"),
    ('{"town": "Oslo", "day": 1}', "forecast: unknown arguments 'town', 'day'; the parameters are city, days, "
                                   "units, ratio, spots, pair, tags, scores, note, mode, weight"),
    ('{"city": 7}', "forecast: argument 'city' must be a string, got 7"),
    ('{"city": "Oslo", "days": 2.5}', "forecast: argument 'days' must be an integer, got 2.5"),
    ('{"city": "Oslo", "days": "2"}', 'forecast: argument \'days\' must be an integer, got "2"'),
    ('{"city": "Oslo", "ratio": true}', "forecast: argument 'ratio' must be a number, got true"),
    ('{"city": "Oslo", "units": "K"}', 'forecast: argument \'units\' must be one of "c", "f", got "K"'),
    ('{"city": "Oslo", "mode": null}', 'forecast: argument \'mode\' must be one of "fast", "slow", got null'),
    ('{"city": "Oslo", "pair": [1]}', "forecast: argument 'pair' must have 2 items, got 1"),
    ('{"city": "Oslo", "pair": [1, 2]}', "forecast: argument 'pair[1]' must be a string, got 2"),
    ('{"city": "Oslo", "tags": "a"}', 'forecast: argument \'tags\' must be an array, got "a"'),
    ('{"city": "Oslo", "scores": {"a": "high"}}', 'forecast: argument \'scores.a\' must be a number, got "high"'),
    ('{"city": "Oslo", "spots": {"x": 1}}', 'forecast: argument \'spots\' must be an array or null, got {"x": 1}'),
    ('{"city": "Oslo", "spots": [{"x": 1}, "p"]}', 'forecast: argument \'spots[1]\' must be a Point object, got "p"'),
    ('{"city": "Oslo", "spots": [{"x": 1}, {"y": "a"}]}',
     "forecast: argument 'spots[1]' is not a valid Point (x: Field required; y: Input should be a valid integer, "
     "unable to parse string as an integer)"),
])
def test_bad_arguments_are_one_line_the_model_can_act_on(raw, message):
    with pytest.raises(ToolSpecError) as raised:
        bind_arguments(forecast, raw)
    assert str(raised.value) == message


def test_a_long_bad_value_is_cut_short_in_the_message():
    with pytest.raises(ToolSpecError) as raised:
        bind_arguments(forecast, {"city": ["x" * 200]})
    assert str(raised.value) == f"forecast: argument 'city' must be a string, got [\"{'x' * 57}…"


def test_a_set_of_unhashable_items_is_refused_not_crashed():
    def group(items: set[Any]): pass
    with pytest.raises(ToolSpecError, match=r"^group: argument 'items' cannot be a set: its items cannot be hashed$"):
        bind_arguments(group, {"items": [[1], [2]]})


def test_binding_a_function_that_cannot_be_a_tool_says_why():
    def upload(data: bytes): pass
    with pytest.raises(ToolSpecError, match=r"^tool upload: parameter 'data' has type bytes, which a tool cannot"):
        bind_arguments(upload, {"data": "AAAA"})
