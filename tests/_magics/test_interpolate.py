"""Table tests for {name} interpolation: only lookups that exist are replaced, every other brace stays."""

from __future__ import annotations

import types

import pytest

from openrouter_magic._magics.interpolate import interpolate


class Exploding:
    """Its attributes and items raise: the field must be left alone, not crash the prompt."""

    @property
    def value(self):
        raise RuntimeError("boom")

    def __getitem__(self, key):
        raise RuntimeError("boom")


NAMESPACE = {
    "name": "Ada",
    "n": 3,
    "a": 1,
    "b": 2,
    "x": "X",
    "items": ["zero", "one", "two"],
    "cfg": {"model": "gpt", "nested": {"k": [10, 20]}},
    "df": types.SimpleNamespace(shape=(4, 5), columns=["c1", "c2"]),
    "boom": Exploding(),
    "données": "unicode ok",
}


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("Hello {name}", "Hello Ada"),
        ("{n} items, {n}!", "3 items, 3!"),
        ("{items[0]} and {items[-1]}", "zero and two"),
        ("{cfg['model']} / {cfg[\"model\"]}", "gpt / gpt"),
        ("{cfg['nested']['k'][1]}", "20"),
        ("{df.shape[0]} rows, {df.columns[1]}", "4 rows, c2"),
        ("{name}s and {données}", "Adas and unicode ok"),
        ("multi\nline {name}\n", "multi\nline Ada\n"),
        ("#{x} in ruby, ${x} in bash", "#X in ruby, $X in bash"),
    ],
)
def test_existing_names_attributes_and_indexes_are_replaced(prompt, expected):
    assert interpolate(prompt, NAMESPACE) == expected


@pytest.mark.parametrize(
    "prompt",
    [
        "{undefined}",
        "{name.missing}",
        "{items[7]}",
        "{cfg['absent']}",
        "{cfg[model]}",  # an unquoted key is not an index literal
        "{boom.value} {boom[0]}",
        "{n.__class__} {cfg.__class__.__mro__}",
        "{name()}",
        "{n + 1} {n:>5} {n!r} {items[n]}",
        "{ name }",
        "{}",
        "{{name}} and {{ n }}",
        "{{name}",
        "{k: v for k, v in cfg.items()}",
        '{"a": 1, "b": [1, 2]}',
        "{'a': {x}}",  # "}}" right after a field reads as an escaped brace: left alone
        "\\frac{a}{b} and \\sqrt{n} and x^{n} and x_{a}",
        "\\begin{x} \\mathbb{R}",
        "print(f\"{name} has {n}\")",
        "s = f'{x}'",
        "def f():\n    return {}",
        "${HOME} and ${PATH}",
    ],
)
def test_every_other_brace_is_left_untouched(prompt):
    assert interpolate(prompt, NAMESPACE) == prompt


def test_an_f_string_on_one_line_does_not_protect_fields_on_the_next():
    assert interpolate("code: f'{x}'\nnow {x}", NAMESPACE) == "code: f'{x}'\nnow X"


def test_a_closed_f_string_does_not_protect_fields_after_it():
    assert interpolate("f'{x}' then {x}", NAMESPACE) == "f'{x}' then X"


def test_values_are_inserted_with_str_not_repr():
    assert interpolate("{v}", {"v": ["a", 1]}) == "['a', 1]"
    assert interpolate("{v}", {"v": None}) == "None"


def test_nothing_is_evaluated():
    calls = []

    class Spy:
        def __call__(self):
            calls.append(1)
            return "called"

    assert interpolate("{spy()} {spy.__call__}", {"spy": Spy()}) == "{spy()} {spy.__call__}"
    assert calls == []
