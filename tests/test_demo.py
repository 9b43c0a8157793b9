"""``make demo`` and ``make lab`` (``python tools/demo.py``), run as a user would, in subprocesses.

The demo runs once per module into a temporary folder, never with npm (no network in tests): its renderer
folder holds stand-in files, which is enough to check that the pages point at them by relative paths and at
no CDN. Whether the real renderer draws the widgets is looked at with chromium by whoever runs ``make demo``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "tools" / "demo.py"  # a script of the repository, not a module of the package
_spec = importlib.util.spec_from_file_location("demo_tool", DEMO)
demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(demo)

pytestmark = pytest.mark.kernel

NAMES = ["01-quickstart", "02-catalog", "03-compare", "04-cost"]
CDN_RENDERER = ("unpkg.com", "cdn.jsdelivr.net", "require.js/2.1.10")


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER")}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp / "jupyter-runtime")
    return env


def run_demo(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    """``python tools/demo.py ARGS`` with no key and no home of the user's."""
    return subprocess.run([sys.executable, str(DEMO), "--no-npm", *args], env=_env(tmp),
                          capture_output=True, text=True, timeout=180)


def stand_in_renderer(npm_dir: Path) -> None:
    """Files where ``npm pack`` would have unpacked the renderer and require.js."""
    for name, rel in demo.RENDERER_FILES.items():
        path = npm_dir / name / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("// stand-in\n")


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """One demo run with a renderer present: (the finished process, its output folder)."""
    tmp = tmp_path_factory.mktemp("demo")
    stand_in_renderer(tmp / "npm")
    done = run_demo(tmp, "--out", str(tmp / "out"), "--npm-dir", str(tmp / "npm"))
    return done, tmp / "out"


def test_the_demo_exits_0_and_prints_the_streamed_answer_with_usage_and_cost(ran):
    done, _ = ran
    assert done.returncode == 0, done.stdout + done.stderr
    first_step = done.stdout.split("▶ 2/3")[0]
    assert "streaming one answer from the embedded emulator" in first_step
    assert re.search(r"\w+ \w+ \w+", first_step.split("):", 1)[1])  # the answer text itself
    assert re.search(r"\d+ in / \d+ out tokens · first token \d\.\d\d s · total \d\.\d\d s · cost \$0\.\d+",
                     first_step)


def test_the_demo_prints_where_the_pages_are_and_a_summary(ran):
    done, out = ran
    for name in NAMES:
        assert str(out / f"{name}.html") in done.stdout
    found = re.search(r"✓ demo done: (\d+) models in the catalog · (\d+) answers streamed · total cost \$(\S+)",
                      done.stdout)
    assert found, done.stdout
    models, answers, cost = int(found.group(1)), int(found.group(2)), float(found.group(3))
    assert models >= 30 and answers >= 15 and cost > 0
    assert "widgets need the renderer" not in done.stdout


def test_the_pages_contain_the_answers_and_the_saved_widgets(ran):
    _, out = ran
    quickstart = (out / "01-quickstart.html").read_text()
    assert "openai/gpt-4o-mini via" in quickstart and "tok/s" in quickstart
    executed = nbformat.read(out / "01-quickstart.ipynb", as_version=4)
    first_answer = next(o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
                        if o.get("data", {}).get("text/html", "").startswith('<div class="orm-answer'))
    assert first_answer["data"]["text/html"][:200] in quickstart
    compare = (out / "03-compare.html").read_text()
    assert 'type="application/vnd.jupyter.widget-state+json"' in compare
    assert "3 of 3 answered" in compare


def test_the_pages_load_the_widget_renderer_from_local_files_by_relative_paths(ran):
    _, out = ran
    pages = [(out / f"{name}.html").read_text() for name in NAMES]
    with_widgets = [page for page in pages if "application/vnd.jupyter.widget-state+json" in page]
    assert len(with_widgets) == 3  # catalog (picker), compare, cost (a comparison)
    for page in with_widgets:
        assert "widgetRendererSrc = '../npm/html-manager/dist/embed-amd.js'" in page
        assert '<script src="../npm/requirejs/require.js"></script>' in page
    for page in pages:
        assert not [cdn for cdn in CDN_RENDERER if cdn in page]


def test_without_a_renderer_the_pages_are_still_written_and_the_demo_says_what_is_missing(tmp_path):
    notebook = tmp_path / "examples" / "01-tiny.ipynb"
    notebook.parent.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("print('hello from the tiny example')")]), notebook)
    done = run_demo(tmp_path, "--examples", str(notebook.parent), "--out", str(tmp_path / "out"),
                    "--npm-dir", str(tmp_path / "no-npm-here"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "hello from the tiny example" in (tmp_path / "out" / "01-tiny.html").read_text()
    assert "widgets need the renderer" in done.stdout and "npm pack @jupyter-widgets/html-manager@1" in done.stdout


def test_a_failing_notebook_makes_the_demo_exit_non_zero_naming_the_notebook_and_the_error(tmp_path):
    examples = tmp_path / "examples"
    examples.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("1 / 0")]), examples / "01-broken.ipynb")
    done = run_demo(tmp_path, "--examples", str(examples), "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    expected = r"✗ an example notebook failed: 01-broken\.ipynb \(cell 2\): ZeroDivisionError: division by zero"
    assert re.search(expected, done.stdout), done.stdout
    assert (tmp_path / "out" / "01-broken.ipynb").exists()  # the executed copy shows where it stopped
    assert "✓ demo done" not in done.stdout


def test_fetching_the_renderer_without_npm_gives_none_and_leaves_no_files(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert demo.fetch_renderer(tmp_path / "npm") is None
    assert not (tmp_path / "npm").exists()


def test_lab_serves_the_example_notebooks_and_prints_the_url(tmp_path):
    port = _free_port()
    lab = subprocess.Popen([sys.executable, str(DEMO), "--lab", "--no-browser",
                            f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.token=t0ken"],
                           env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        contents = _wait_for_json(f"http://127.0.0.1:{port}/api/contents?token=t0ken", timeout=60)
        assert {f"{name}.ipynb" for name in NAMES} <= {item["name"] for item in contents["content"]}
    finally:
        lab.terminate()
        printed = lab.communicate(timeout=30)[0]
    assert "no OPENROUTER_API_KEY: the example notebooks will use the embedded sandbox" in printed
    assert f"http://127.0.0.1:{port}/lab" in printed


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_json(url: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)
