"""Running the example notebooks with nbclient: all four side by side, in four kernels, in a given environment."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NAMES = ["01-quickstart", "02-catalog", "03-compare", "04-cost"]
OUTSIDE_ENV = ("OPENROUTER_API_KEY", "OPENROUTER_BASE_URL", "OPENROUTER_HTTP_REFERER", "OPENROUTER_X_TITLE")


async def _execute(nb: nbformat.NotebookNode) -> None:
    await NotebookClient(nb, timeout=90, kernel_name="python3",
                         resources={"metadata": {"path": str(EXAMPLES)}}).async_execute()


async def _execute_all(notebooks: dict[str, nbformat.NotebookNode]) -> None:
    await asyncio.gather(*(_execute(nb) for nb in notebooks.values()))


def execute_examples(env: dict[str, str], first_cell: str | None = None,
                     last_cell: str | None = None) -> dict[str, nbformat.NotebookNode]:
    """The four notebooks after a run with ``env`` (and no other OPENROUTER_* setting from outside);
    ``first_cell``/``last_cell`` are added to each notebook. A cell that raises fails the caller."""
    notebooks = {name: nbformat.read(EXAMPLES / f"{name}.ipynb", as_version=4) for name in NAMES}
    for nb in notebooks.values():
        if first_cell is not None:
            nb.cells.insert(0, nbformat.v4.new_code_cell(first_cell))
        if last_cell is not None:
            nb.cells.append(nbformat.v4.new_code_cell(last_cell))
    with pytest.MonkeyPatch.context() as patch:
        for var in OUTSIDE_ENV:
            patch.delenv(var, raising=False)
        for var, value in env.items():
            patch.setenv(var, value)
        asyncio.run(_execute_all(notebooks))
    return notebooks


def run_example(name: str, home: Path, *, timeout: int = 120) -> nbformat.NotebookNode:
    """One example notebook (``name`` without ``.ipynb``) run top to bottom against its sandbox, with
    ``OPENROUTER_MAGIC_HOME=home`` and no key or base URL from outside. A cell that raises fails the caller."""
    nb = nbformat.read(EXAMPLES / f"{name}.ipynb", as_version=4)
    with pytest.MonkeyPatch.context() as patch:
        for var in OUTSIDE_ENV:
            patch.delenv(var, raising=False)
        patch.setenv("OPENROUTER_MAGIC_HOME", str(home))
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(EXAMPLES)}}).execute()
    return nb


def output_text(cell: nbformat.NotebookNode) -> str:
    """What a cell printed, raised and returned (its stream text, error name and value, text/plain)."""
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", "") + out.get("ename", "") + ": " + out.get("evalue", ""))
        parts.append(str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)
