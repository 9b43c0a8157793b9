"""Generate the README's reference section from the magics' own help and the API's docstrings.

    python docs/reference.py          # rewrite README.md between the reference markers
    python docs/reference.py --check  # exit 1 when README.md is out of date (tests/test_readme.py)
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START, END = "<!-- reference:start -->", "<!-- reference:end -->"


def magic_manual() -> str:
    """The text of ``%openrouter help`` (the cell magic's generated options + the subcommands)."""
    from IPython.core.interactiveshell import InteractiveShell

    from openrouter_magic._magics.magics import OpenRouterMagics
    from openrouter_magic._magics.manual import manual
    from openrouter_magic._magics.subcommands import SUBCOMMANDS

    shell = InteractiveShell.instance()
    return manual(OpenRouterMagics(shell=shell), SUBCOMMANDS)


def _summary(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _signature(obj) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(…)"


def python_api() -> str:
    """One line per public object: signature and the first line of its docstring."""
    import openrouter_magic as om
    from openrouter_magic._core import errors as _errors
    from openrouter_magic.testing import FakeOpenRouter

    lines = ["from openrouter_magic import OpenRouter   # async client, also an async context manager", ""]
    lines.append(f"OpenRouter{_signature(om.OpenRouter)}")
    for name, member in inspect.getmembers(om.OpenRouter):
        if name.startswith("_") or not callable(member):
            continue
        lines.append(f"    .{name}{_signature(member)}  — {_summary(member)}")
    lines.append("")
    for name in ("ask", "catalog", "ledger", "compare"):
        obj = getattr(om, name)
        lines.append(f"{name}{_signature(obj)}  — {_summary(obj)}")
    lines += ["", f"FakeOpenRouter{_signature(FakeOpenRouter)}  — {_summary(FakeOpenRouter)}", ""]
    lines.append(inspect.getdoc(_errors).split("\n\n")[1])
    return "\n".join(lines)


def reference() -> str:
    """The whole generated section (between the markers)."""
    return "\n".join([
        START,
        "### Magics (`%openrouter help`)",
        "",
        "```text",
        magic_manual().rstrip(),
        "```",
        "",
        "### Python API",
        "",
        "```text",
        python_api().rstrip(),
        "```",
        END,
    ])


def updated_readme(text: str) -> str:
    """README text with the reference section replaced."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return head + reference() + tail


def main(argv: list[str]) -> int:
    current = README.read_text()
    new = updated_readme(current)
    if "--check" in argv:
        if new != current:
            print("README.md reference is out of date: run `python docs/reference.py`")
            return 1
        return 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
