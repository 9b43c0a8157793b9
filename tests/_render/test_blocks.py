"""Table and property tests for the pure block splitting behind the streamed notebook display."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openrouter_magic._render.blocks import (
    BlockSplitter,
    extract_code,
    fenced,
    has_reference_definitions,
    unwrap_fence,
    window,
)
from openrouter_magic._render.markdown import markdown_body


def split(text: str, chunk: int = 3, max_chars: int = 2000, mode: str = "markdown") -> list:
    """Feed ``text`` in chunks; return all pieces including the final tail."""
    splitter = BlockSplitter(mode, max_chars)
    pieces = []
    for i in range(0, len(text), chunk):
        pieces += splitter.feed(text[i : i + chunk])
    return pieces + splitter.finish()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One.\n\nTwo.\n\nThree.", ["One.\n\n", "Two.\n\n", "Three."]),
        ("A\nstill A\n\n\n\nB", ["A\nstill A\n\n\n\n", "B"]),
        ("Intro:\n```py\nx = 1\n\ny = 2\n```\nAfter.", ["Intro:\n```py\nx = 1\n\ny = 2\n```\n", "After."]),
        ("~~~\n```\n\n~~~\nEnd", ["~~~\n```\n\n~~~\n", "End"]),
        ("- a\n\n- b\n\nPara", ["- a\n\n- b\n\n", "Para"]),
        ("1. step\n\n   detail\n\n2. next\n\nDone", ["1. step\n\n   detail\n\n2. next\n\n", "Done"]),
        ("$$\nx\n\ny\n$$\n\nText", ["$$\nx\n\ny\n$$\n\n", "Text"]),
        ("\n\nLeading blanks\n\nNext", ["\n\nLeading blanks\n\n", "Next"]),
    ],
)
def test_markdown_blocks_end_only_where_rendering_is_unchanged(text, expected):
    assert [piece.text for piece in split(text)] == expected
    assert not any(piece.joined for piece in split(text))


def test_a_blank_line_inside_an_open_fence_keeps_the_block_open_while_streaming():
    splitter = BlockSplitter()
    assert splitter.feed("```python\ndef f():\n\n    return 1\n\n") == []
    assert splitter.tail.text.startswith("```python")
    finished = splitter.feed("```\n\nNext paragraph here, long enough to classify.")
    assert [piece.text for piece in finished] == ["```python\ndef f():\n\n    return 1\n\n```\n\n"]


def test_an_oversized_block_is_cut_at_a_line_end_and_marked_joined():
    text = "".join(f"line {i} of one long paragraph\n" for i in range(100))
    pieces = split(text, chunk=7, max_chars=300)
    assert "".join(piece.text for piece in pieces) == text
    assert all(len(piece.text) <= 300 for piece in pieces)
    assert [piece.joined for piece in pieces] == [False] + [True] * (len(pieces) - 1)
    assert all(piece.text.endswith("\n") for piece in pieces[:-1])


def test_a_piece_cut_inside_a_fence_carries_the_fence_opener_for_display():
    text = "```js\n" + "".join(f"let v{i} = {i};\n" for i in range(60)) + "```\n"
    pieces = split(text, chunk=11, max_chars=200)
    assert pieces[0].prefix == ""
    assert all(piece.prefix == "```js\n" for piece in pieces[1:])


def test_a_giant_line_without_newlines_is_cut_anyway():
    text = "x" * 5000
    pieces = split(text, chunk=100, max_chars=1000)
    assert "".join(piece.text for piece in pieces) == text
    assert max(len(piece.text) for piece in pieces) <= 1000


def test_text_mode_cuts_at_line_ends_without_joining():
    text = "".join(f"row {i}\n" for i in range(200))
    pieces = split(text, chunk=5, max_chars=100, mode="text")
    assert "".join(piece.text for piece in pieces) == text
    assert not any(piece.joined for piece in pieces)
    assert len(pieces) > 10


_BLOCKS = st.sampled_from(
    [
        "A plain paragraph with *emphasis*.",
        "Two lines\nin one paragraph.",
        "# A heading",
        "- one\n- two",
        "- loose one\n\n- loose two",
        "1. first\n\n   continued\n2. second",
        "```python\nx = 1\n\n\ny = 2\n```",
        "~~~\nraw\n\n~~~",
        "> quoted\n> more",
        "    indented code\n\n    more code",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "---",
        "Text then\n```\nfence\n```\ndirectly after",
        "- item\n```\nfence\n\n```\nafter fence",
        "Paragraph\n- interrupted by a list",
        "Inline $x^2$ math and $5 or $10.",
        "$$\n\\frac{a}{b}\n\n= c\n$$",
        "See <https://example.org> and [a link](https://example.org/a_b).",
        "<img src=x onerror=alert(1)> raw html\n<script>x()</script>",
    ]
)


@settings(max_examples=150, deadline=None)
@given(blocks=st.lists(_BLOCKS, min_size=1, max_size=8), seps=st.lists(st.sampled_from(["\n\n", "\n\n\n"]),
       min_size=8, max_size=8), chunk=st.integers(1, 9))
def test_rendering_the_pieces_one_by_one_equals_rendering_the_whole_text(blocks, seps, chunk):
    text = "".join(block + sep for block, sep in zip(blocks, seps))
    pieces = split(text, chunk=chunk)
    assert "".join(piece.text for piece in pieces) == text
    assert "".join(markdown_body(piece.text) for piece in pieces) == markdown_body(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```python\nprint(1)\n```", ("print(1)", "python")),
        ("Here you go:\n```js\nf()\n```\nEnjoy.", ("f()", "js")),
        ("```\nno language\n```", ("no language", None)),
        ("x = 1\ny = 2\n", ("x = 1\ny = 2", None)),
        ("```py\nunclosed\nstill", ("unclosed\nstill", "py")),
    ],
)
def test_extract_code_takes_the_first_fenced_block_or_the_whole_text(text, expected):
    assert extract_code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('```json\n{"a": 1}\n```\n', ('{"a": 1}', "json")),
        ('{"a": 1}', ('{"a": 1}', None)),
        ("Text\n```\ncode\n```", ("Text\n```\ncode\n```", None)),
    ],
)
def test_unwrap_fence_only_unwraps_a_text_that_is_one_fence(text, expected):
    assert unwrap_fence(text) == expected


def test_fenced_uses_a_fence_longer_than_any_backtick_run_inside():
    assert fenced("a ``` b", "md") == "````md\na ``` b\n````"


def test_window_keeps_the_last_lines_and_says_how_many_are_hidden():
    text = "".join(f"line {i}\n" for i in range(100))
    shown = window(text, 50)
    assert shown.startswith("… (")
    assert shown.endswith("line 99\n")
    assert len(shown) < 80


def test_reference_definitions_are_detected():
    assert has_reference_definitions("See [the docs][d].\n\n[d]: https://example.org")
    assert not has_reference_definitions("A [link](https://example.org) inline.")
