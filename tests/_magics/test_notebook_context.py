"""The notebook as context (issue 17, DESIGN §11) in a real InteractiveShell against the emulator: ``{df}`` as a
compact table, ``{In[n]}``/``{Out[n]}``/``{_}``, ``--context [N]``, the size check before sending, and
``%openrouter fix`` putting the corrected code in the next cell."""

from __future__ import annotations

import pytest

from _magic_shell import MODEL, run, shell  # noqa: F401  (the shell fixture)

pd = pytest.importorskip("pandas")


def _prompt(fake) -> str:
    return fake.chat_requests[-1].json["messages"][-1]["content"]


def _ask(shell, line: str, prompt: str):
    ran = run(shell, f"%%openrouter -m {MODEL} -q {line}\n{prompt}")
    assert ran.error is None, ran.everything()
    return ran


def test_a_10000_row_frame_sends_under_2kb_with_shape_dtypes_and_head(shell, fake):
    run(shell, "import pandas as pd, numpy as np\n"
               "df = pd.DataFrame({'city': ['Lyon', 'Oslo'] * 5000, 'temp': np.arange(10000) / 7,"
               " 'note': ['a long free-text note that goes on and on ' * 3] * 10000})")
    _ask(shell, "", "Describe {df}")
    prompt = _prompt(fake)
    table = prompt[len("Describe "):]
    assert len(table.encode()) <= 2048
    assert "DataFrame 10,000 rows × 3 columns" in table
    assert "city: " in table and "temp: float64" in table  # dtypes
    assert "| 0 | Lyon | 0.0 |" in table and "| 4 | Lyon |" in table and "| 5 |" not in table  # the head only
    assert "9,995 more rows" in table
    assert "dtype:" not in table and "[10000 rows x 3 columns]" not in table  # not the repr


def test_a_small_frame_and_a_series_are_sent_whole(shell, fake):
    run(shell, "import pandas as pd\nsmall = pd.DataFrame({'a': range(20), 'b': list('abcdefghijklmnopqrst')})\n"
               "s = pd.Series([3, 1], name='n', index=['x', 'y'])")
    _ask(shell, "", "{small} and {s}")
    prompt = _prompt(fake)
    assert "DataFrame 20 rows × 2 columns" in prompt and "| 19 | 19 | t |" in prompt and "dtypes" not in prompt
    assert "Series 2 rows × 1 column" in prompt and "| y | 1 |" in prompt


def test_in_out_and_underscore_are_names_like_any_other(shell, fake):
    run(shell, "6 * 7")
    number = shell.execution_count - 1
    _ask(shell, "", f"{{In[{number}]}} gave {{Out[{number}]}}; last {{_}}")
    assert _prompt(fake).startswith("6 * 7 gave 42; last 42")


def test_context_adds_the_last_cells_and_the_last_traceback(shell, fake):
    for source in ("a = 1", "b = 2", "c = 3", "import math", "x = {'k': 0}['missing']"):
        run(shell, source)
    _ask(shell, "--context 2", "Why did it fail?")
    prompt = _prompt(fake)
    assert prompt.startswith("Why did it fail?")
    assert "```python\nimport math\n```" in prompt and "x = {'k': 0}['missing']" in prompt
    assert "b = 2" not in prompt  # only the last two
    assert "KeyError: 'missing'" in prompt and "interactiveshell.py" not in prompt  # IPython's frames left out


def test_context_without_a_number_sends_five_cells(shell, fake):
    for n in range(7):
        run(shell, f"v{n} = {n}")
    _ask(shell, "--context", "hi")
    prompt = _prompt(fake)
    assert "v2 = 2" in prompt and "v6 = 6" in prompt and "v1 = 1" not in prompt


def test_a_prompt_over_the_context_length_is_refused_before_sending(shell, fake):
    run(shell, "big = 'word ' * 100_000")
    ran = run(shell, "%%openrouter -m microsoft/phi-4\nSummarize {big}")
    assert type(ran.error).__name__ == "UsageError"
    text = str(ran.error)
    assert "about 125,003 tokens" in text and "at most 16,384" in text and "\n" not in text
    assert fake.chat_requests == []


def test_fix_sends_the_failing_cell_and_puts_the_corrected_code_in_the_next_cell(shell, fake):
    fake.configure(answer="The list is empty, so len() is 0.\n\n```python\nvalues = []\n"
                          "mean = sum(values) / max(len(values), 1)\n```\n")
    run(shell, "values = []\nmean = sum(values) / len(values)")
    ran = run(shell, f"%openrouter fix -m {MODEL}")
    assert ran.error is None, ran.everything()
    prompt = _prompt(fake)
    assert "mean = sum(values) / len(values)" in prompt and "ZeroDivisionError: division by zero" in prompt
    assert "The list is empty" in ran.final_text()  # the explanation is shown
    assert shell.rl_next_input == "values = []\nmean = sum(values) / max(len(values), 1)"


def test_fix_with_nothing_failed_says_so_and_sends_nothing(shell, fake):
    ran = run(shell, "%openrouter fix")
    assert type(ran.error).__name__ == "UsageError" and "nothing to fix" in str(ran.error)
    assert fake.chat_requests == []
