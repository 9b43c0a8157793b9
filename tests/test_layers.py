"""The structure of the package (DESIGN §1, STYLE.md "Our layout"), checked on every run of the suite.

- the import-linter contracts of pyproject.toml are all KEPT — and they bite: a copy of the package with
  one wrong import breaks the contract that names it;
- an import that crosses folders names the folder package (its seam), never another folder's submodule;
- the two lowest layers are ``mypy --strict`` clean;
- no module over 300 lines, no function over 40.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "openrouter_magic"
BIN = Path(sys.executable).parent
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 300, 40


def lint_imports(cwd: Path, *, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    """``lint-imports`` with the contracts of ``cwd/pyproject.toml`` (no cache: each copy is analysed afresh)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)  # ahead of the editable install: the copy is what gets analysed
    return subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def contract_names() -> list[str]:
    """The contracts declared in pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return [c["name"] for c in tomllib.load(fh)["tool"]["importlinter"]["contracts"]]


def contract_results(output: str) -> dict[str, str]:
    """``{contract name: "KEPT" | "BROKEN" | "missing"}`` read from lint-imports' summary (which wraps lines)."""
    flat = " ".join(output.split())
    results = {}
    for name in contract_names():
        said = " ".join(name.split())
        results[name] = next((v for v in ("KEPT", "BROKEN") if f"{said} {v}" in flat), "missing")
    return results


def test_every_import_linter_contract_is_kept():
    done = lint_imports(ROOT)
    results = contract_results(done.stdout)
    assert len(results) >= 4, results  # layers, two forbidden, acyclic siblings
    assert done.returncode == 0 and set(results.values()) == {"KEPT"}, \
        f"{results}\n{done.stdout[done.stdout.find('Broken contracts'):]}"


@pytest.fixture(scope="module")
def broken_copy(tmp_path_factory) -> subprocess.CompletedProcess:
    """lint-imports over a throw-away copy of the package with two wrong imports: the core reaching up into
    the session (a layer violation) and the client importing pandas (a forbidden import)."""
    tmp = tmp_path_factory.mktemp("broken")
    shutil.copytree(PACKAGE, tmp / "openrouter_magic", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp / "pyproject.toml")
    with open(tmp / "openrouter_magic" / "_core" / "money.py", "a", encoding="utf-8") as core:
        core.write("\n\ndef _wrong() -> None:\n    from .._session import Session  # noqa: F401\n")
    with open(tmp / "openrouter_magic" / "_client" / "sse.py", "a", encoding="utf-8") as client:
        client.write("\n\ndef _wrong() -> None:\n    import pandas  # noqa: F401\n")
    return lint_imports(tmp, pythonpath=tmp)


def test_a_core_module_importing_the_session_breaks_the_layers_contract(broken_copy):
    results = contract_results(broken_copy.stdout)
    layers = next(name for name in results if name.startswith("Layers"))
    assert broken_copy.returncode != 0 and results[layers] == "BROKEN", broken_copy.stdout
    assert "openrouter_magic._core.money -> openrouter_magic._session" in broken_copy.stdout


def test_the_client_importing_pandas_breaks_the_forbidden_contract(broken_copy):
    results = contract_results(broken_copy.stdout)
    assert results["The client and the core never import IPython, pandas or ipywidgets"] == "BROKEN"
    assert "openrouter_magic._client.sse -> pandas" in broken_copy.stdout


# -- seams --------------------------------------------------------------------------------------------------

def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _folder(module: str) -> str | None:
    """The folder (``openrouter_magic._accounting``) a module belongs to; None for the top-level modules."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else None


def _is_module(module: str) -> bool:
    path = ROOT / module.replace(".", "/")
    return path.is_dir() or path.with_suffix(".py").is_file()


def _imported(path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The package modules an import statement loads (``from pkg import submodule`` loads the submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == "openrouter_magic"]
    if node.level:
        here = _module_name(path).split(".")
        package = here if path.name == "__init__.py" else here[:-1]
        target = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target.split(".")[0] != "openrouter_magic":
        return []
    return [f"{target}.{a.name}" if _is_module(f"{target}.{a.name}") else target for a in node.names]


def seam_violations() -> list[str]:
    """``file:line: importer -> target`` for every import into another folder that is not its package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        me = _module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in _imported(path, node):
                folder = _folder(target)
                if folder and folder != _folder(me) and target != folder:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {me} -> {target}")
    return found


def test_imports_across_folders_go_through_the_folder_package_never_a_submodule():
    violations = seam_violations()
    print("\n".join(violations))
    assert violations == []


def test_the_seam_check_sees_a_reach_into_another_folders_submodule(tmp_path, monkeypatch):
    fake = tmp_path / "openrouter_magic"
    for folder, source in (("_core", "VALUE = 1\n"), ("_session", "from .._core.money import usd\n")):
        (fake / folder).mkdir(parents=True)
        (fake / folder / "__init__.py").write_text("")
        (fake / folder / ("money.py" if folder == "_core" else "engine.py")).write_text(source)
    (fake / "__init__.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert seam_violations() == [
        "openrouter_magic/_session/engine.py:1: openrouter_magic._session.engine -> openrouter_magic._core.money"]


# -- types and size -----------------------------------------------------------------------------------------

def test_the_core_and_the_client_are_mypy_strict_clean():
    done = subprocess.run([str(BIN / "mypy"), "--no-incremental"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)  # files and --strict come from [tool.mypy] in pyproject.toml
    assert done.returncode == 0, done.stdout + done.stderr
    assert "openrouter_magic/_core" in (ROOT / "pyproject.toml").read_text()


def oversized() -> list[str]:
    """Modules over 300 lines and functions over 40 lines (decorators excluded, docstrings included)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{path.relative_to(ROOT)}: module of {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.name}() of {length} lines")
    return found


def test_no_module_over_300_lines_and_no_function_over_40():
    offenders = oversized()
    print("\n".join(offenders))
    assert offenders == []
