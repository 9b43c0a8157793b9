"""``make demo``: the newcomer's first run (``python tools/demo.py``; not part of the installed package).

1. streams one short answer from the embedded emulator to the terminal, with its usage and cost;
2. executes the example notebooks headless (against the sandbox, or real OpenRouter when
   ``OPENROUTER_API_KEY`` is set) and writes them, executed, to ``build/demo/``;
3. exports each to HTML whose widgets render offline: the widget renderer and require.js are fetched
   once with ``npm pack`` into ``build/npm/`` and referenced by relative paths (no CDN);
4. prints where the files are and a summary (models in the catalog, answers streamed, total cost).

``--lab`` opens JupyterLab on ``examples/`` instead (``make lab``). It needs the package installed
(``make`` does it: ``pip install -e '.[dev]'``) and the repository around it (``examples/``, ``build/``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

from openrouter_magic._core import usd  # the one money formatter

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BUILD = ROOT / "build"
# The renderer for ipywidgets 8 saved state, and the AMD loader it needs: packed from npm, not a CDN.
NPM_PACKAGES = {"html-manager": "@jupyter-widgets/html-manager@1", "requirejs": "requirejs@2"}
RENDERER_FILES = {"html-manager": "dist/embed-amd.js", "requirejs": "require.js"}
DEMO_MODEL = "openai/gpt-4o-mini"


def _say(text: str = "") -> None:
    print(text, flush=True)


# -- 1. one streamed answer in the terminal ---------------------------------------------------------

async def _stream_one(prompt: str) -> Any:
    """Stream an answer from a fresh emulator, printing text as it arrives; returns the ChatResponse."""
    from openrouter_magic import Done, OpenRouter, TextDelta
    from openrouter_magic.testing import FakeOpenRouter

    with FakeOpenRouter(chunk_delay=0.01) as fake:
        async with OpenRouter(api_key="demo-key-not-a-secret", base_url=fake.base_url) as client:
            response = None
            async for event in client.stream(prompt, model=DEMO_MODEL, max_tokens=60):
                if isinstance(event, TextDelta):
                    print(event.text, end="", flush=True)
                elif isinstance(event, Done):
                    response = event.response
    _say()
    return response


def stream_demo() -> None:
    """Step 1 (issue 2's demo): proves the client against the local emulator."""
    _say(f"▶ 1/3  streaming one answer from the embedded emulator ({DEMO_MODEL}):\n")
    response = asyncio.run(_stream_one("Explain server-sent events in two sentences."))
    usage = response.usage
    cost = usd(response.cost)
    _say(f"\n   {usage.prompt_tokens} in / {usage.completion_tokens} out tokens · first token "
         f"{response.ttft_s or 0:.2f} s · total {response.elapsed_s or 0:.2f} s · cost {cost} (emulator)\n")


# -- 2. the notebooks ------------------------------------------------------------------------------

class NotebookFailed(Exception):
    """An example notebook raised: which one, which cell, what."""


async def _execute_one(path: Path, out_dir: Path, timeout: int) -> Path:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])  # no transport warnings
    try:
        await client.async_execute()
    except CellExecutionError as error:
        failed = [i for i, c in enumerate(nb.cells, 1) for o in c.get("outputs", []) if o.output_type == "error"]
        where = f" (cell {failed[0]})" if failed else ""
        lines = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip().splitlines()
        raise NotebookFailed(f"{path.name}{where}: {lines[-1] if lines else type(error).__name__}") from None
    finally:
        nbformat.write(nb, out_dir / path.name)
    return out_dir / path.name


async def _execute_all(paths: list[Path], out_dir: Path, timeout: int) -> list[Path]:
    # The kernels mostly wait on (emulated) streams, so running them side by side is what keeps this fast.
    results = await asyncio.gather(*(_execute_one(p, out_dir, timeout) for p in paths), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        raise NotebookFailed("; ".join(str(f) for f in failures))
    return list(results)


def run_notebooks(paths: list[Path], out_dir: Path, timeout: int = 120) -> list[Path]:
    """Execute the notebooks in parallel kernels; the executed copies go to ``out_dir``."""
    mode = "real OpenRouter (OPENROUTER_API_KEY is set)" if os.environ.get("OPENROUTER_API_KEY") \
        else "the embedded sandbox (no key)"
    _say(f"▶ 2/3  executing {len(paths)} example notebooks against {mode}…")
    started = time.monotonic()
    executed = asyncio.run(_execute_all(paths, out_dir, timeout))
    _say(f"   done in {time.monotonic() - started:.1f} s")
    return executed


# -- 3. HTML with offline widgets ------------------------------------------------------------------

def renderer_paths(npm_dir: Path) -> dict[str, Path] | None:
    """The unpacked renderer files under ``npm_dir``, or None when they are not all there."""
    paths = {name: npm_dir / name / rel for name, rel in RENDERER_FILES.items()}
    return paths if all(p.is_file() for p in paths.values()) else None


def fetch_renderer(npm_dir: Path) -> dict[str, Path] | None:
    """``npm pack`` the renderer and require.js into ``npm_dir`` once and unpack them; None on failure."""
    found = renderer_paths(npm_dir)
    if found or not shutil.which("npm"):
        return found
    npm_dir.mkdir(parents=True, exist_ok=True)
    for name, spec in NPM_PACKAGES.items():
        try:
            done = subprocess.run(["npm", "pack", spec, "--silent"], cwd=npm_dir, capture_output=True,
                                  text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired):
            return None
        tgz = npm_dir / (done.stdout.strip().splitlines() or [""])[-1]
        if done.returncode != 0 or not tgz.is_file():
            return None
        _unpack(tgz, npm_dir / name)
    return renderer_paths(npm_dir)


def _unpack(tgz: Path, target: Path) -> None:
    """Unpack an npm tarball's ``package/`` into ``target`` (nothing outside it)."""
    shutil.rmtree(target, ignore_errors=True)
    with tarfile.open(tgz) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("package/") and (m.isfile() or m.isdir())]
        for member in members:
            member.name = member.name[len("package/"):]
        tar.extractall(target, members=[m for m in members if m.name], filter="data")


def write_html(executed: list[Path], out_dir: Path, renderer: dict[str, Path] | None) -> list[Path]:
    """One HTML page per executed notebook; widgets use ``renderer`` by paths relative to the page."""
    import nbformat
    from nbconvert import HTMLExporter

    options = {}
    if renderer:
        options = {"widget_renderer_url": os.path.relpath(renderer["html-manager"], out_dir),
                   "require_js_url": os.path.relpath(renderer["requirejs"], out_dir)}
    exporter = HTMLExporter(template_name="lab", **options)
    pages = []
    for path in executed:
        body, _ = exporter.from_notebook_node(nbformat.read(path, as_version=4))
        page = path.with_suffix(".html")
        page.write_text(body, encoding="utf-8")
        pages.append(page)
    return pages


# -- 4. summary ------------------------------------------------------------------------------------

def summary(executed: list[Path]) -> dict:
    """Models in the catalog, answers streamed and total cost, read from the executed notebooks.

    Each example ends with ``%openrouter cost`` ("this session: $X over N calls"); the sandbox keeps its
    ledger in memory (fake costs never reach the disk ledger), so the saved outputs are the record.
    """
    import nbformat

    models, calls, refused, cost = None, 0, 0, 0.0
    for path in executed:
        tally = None
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                text = str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
                found = re.search(r"(\d+) models in the catalog", text)
                models = int(found.group(1)) if found else models
                tally = re.search(r"this session: \$([\d.]+) over (\d+) call", text) or tally
                refused += text.count("UsageError: refused")
        if tally:
            cost, calls = cost + float(tally.group(1)), calls + int(tally.group(2))
    return {"models": models, "answers": calls - refused, "cost": cost}


def _prepare_env(out_dir: Path) -> Path:
    os.environ["OPENROUTER_MAGIC_HEADLESS"] = "1"  # comparisons wait for their final panes (see _compare.py)
    if os.environ.get("OPENROUTER_MAGIC_HOME"):
        return Path(os.environ["OPENROUTER_MAGIC_HOME"])
    home = out_dir / "home"  # kept between runs: with a real key it holds the ledger and the catalog cache
    home.mkdir(parents=True, exist_ok=True)
    os.environ["OPENROUTER_MAGIC_HOME"] = str(home)
    return home


def demo(args: argparse.Namespace) -> int:
    """Steps 1–4; 0 on success, 1 when a notebook failed."""
    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    _prepare_env(out_dir)
    stream_demo()
    examples = Path(args.examples)
    paths = sorted(examples.glob("[0-9]*.ipynb"))
    paths = [p for p in paths if not args.only or any(p.name.startswith(o) for o in args.only)]
    if not paths:
        _say(f"no example notebooks found in {examples}")
        return 1
    try:
        executed = run_notebooks(paths, out_dir)
    except NotebookFailed as failure:
        _say(f"✗ an example notebook failed: {failure}\n  (the executed copies are in {out_dir})")
        return 1
    _say("▶ 3/3  writing HTML (widgets rendered offline from saved state)…")
    npm_dir = Path(args.npm_dir).resolve()
    renderer = renderer_paths(npm_dir) if args.no_npm else fetch_renderer(npm_dir)
    pages = write_html(executed, out_dir, renderer)
    _report(pages, renderer, npm_dir, summary(executed))
    return 0


def _report(pages: list[Path], renderer: dict | None, npm_dir: Path, facts: dict) -> None:
    _say()
    for page in pages:
        _say(f"   {page}")
    if not renderer:
        _say(f"   (widgets need the renderer: npm was not available, so `npm pack {' '.join(NPM_PACKAGES.values())}`"
             f" into {npm_dir} and unpack each into html-manager/ and requirejs/, or re-run with npm)")
    models = "?" if facts["models"] is None else facts["models"]
    _say(f"\n✓ demo done: {models} models in the catalog · {facts['answers']} answers streamed · "
         f"total cost {usd(facts['cost'])}")
    _say("  open the HTML files above in a browser, or run `make lab` to try the notebooks live.")


def lab(extra: list[str]) -> int:
    """JupyterLab on ``examples/`` (the notebooks turn the sandbox on themselves when there is no key)."""
    if not os.environ.get("OPENROUTER_API_KEY"):
        _say("no OPENROUTER_API_KEY: the example notebooks will use the embedded sandbox")
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={EXAMPLES}", *extra]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")  # containers and fresh VMs often run as root; Jupyter refuses it otherwise
    _say("starting JupyterLab: open the URL it prints below (Ctrl-C to stop)")
    sys.stdout.flush()
    # Become the server (no child left behind when this process is stopped or killed).
    os.execv(sys.executable, command)
    return 0  # pragma: no cover - execv does not return


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python tools/demo.py", description=__doc__.splitlines()[0])
    parser.add_argument("--lab", action="store_true", help="open JupyterLab on examples/ instead")
    parser.add_argument("--out", default=str(BUILD / "demo"), help="where executed notebooks and HTML go")
    parser.add_argument("--npm-dir", default=str(BUILD / "npm"), help="where the widget renderer is unpacked")
    parser.add_argument("--no-npm", action="store_true", help="never run npm (use the renderer if already there)")
    parser.add_argument("--examples", default=str(EXAMPLES), help="the folder of notebooks to run")
    parser.add_argument("--only", action="append", default=[], help="only notebooks whose name starts with this")
    args, extra = parser.parse_known_args(argv)
    if args.lab:
        return lab(extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return demo(args)


if __name__ == "__main__":
    sys.exit(main())
