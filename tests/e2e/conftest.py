"""The browser suite's shared machinery: one slowed emulator, one JupyterLab server, one Chromium.

Everything is package-scoped so the four scenarios pay for one server start (~4 s) and one browser
launch (~1 s); each scenario only pays for its own notebook's kernel. Not session-scoped: while it is
alive, Playwright's sync API leaves an event loop registered as running in the main thread, and every
pytest-asyncio test collected after tests/e2e/ would then fail with "cannot be called from a running
event loop". The emulator runs in the pytest
process, so a scenario can reconfigure it (delays, injected errors) while the kernels talk to it.
Recipes and pitfalls: ../shared/TESTING-NOTES.md (d).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ._lab import Lab

PROJECT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT / "build" / "e2e"
CHROMIUM = "/usr/bin/chromium"
TEST_KEY = "sk-or-v1-e2e-test-key-0000000000000000"
BASE_KNOBS = {"chunk_delay": 0.03}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str) -> None:
    """Skip outside CI; in CI a missing browser is a failure, never a silent pass."""
    if os.environ.get("CI"):
        pytest.fail(f"browser suite cannot run in CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="package")
def lab_fake():
    """The slowed emulator every kernel of the lab server talks to (any bearer key accepted)."""
    from openrouter_magic.testing import FakeOpenRouter

    with FakeOpenRouter(**BASE_KNOBS) as fake:
        yield fake


def _restore(fake) -> None:
    """Back to the suite's knobs: no per-model overrides, no queued errors, no recorded requests."""
    from openrouter_magic.testing._scenario import DEFAULT_KNOBS

    per_model = {model: None for model in fake.knobs_snapshot()["per_model"]}
    fake.reset()
    fake.configure(**{**DEFAULT_KNOBS, **BASE_KNOBS}, per_model=per_model)


@pytest.fixture(scope="package")
def lab_server(tmp_path_factory, lab_fake):
    """JupyterLab on 127.0.0.1 with isolated JUPYTER_* dirs, no token, no xsrf, no announcements."""
    work = tmp_path_factory.mktemp("e2e")
    root = work / "root"
    root.mkdir()
    env = _lab_environment(work, lab_fake.base_url)
    port = _free_port()
    log = open(work / "lab.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}", "--ServerApp.port_retries=0", "--IdentityProvider.token=",
         "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root}",
         "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc, work / "lab.log")
        yield Lab(base=base, root=root, runtime_dir=Path(env["JUPYTER_RUNTIME_DIR"]),
                  screenshots=SCREENSHOTS, fake=lab_fake)
    finally:
        _stop(proc)
        log.close()


def _lab_environment(work: Path, base_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENROUTER_", "JUPYTER_"))}
    for name in ("jcfg/labconfig", "jrt", "jdata", "magic-home"):
        (work / name).mkdir(parents=True, exist_ok=True)
    (work / "jcfg/labconfig/page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    env.update(JUPYTER_CONFIG_DIR=str(work / "jcfg"), JUPYTER_RUNTIME_DIR=str(work / "jrt"),
               JUPYTER_DATA_DIR=str(work / "jdata"), JUPYTER_PLATFORM_DIRS="1",
               OPENROUTER_BASE_URL=base_url, OPENROUTER_API_KEY=TEST_KEY,
               OPENROUTER_MAGIC_HOME=str(work / "magic-home"))
    return env


def _wait_ready(base: str, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/status", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    """TERM the server's own process group (it stops its kernels), KILL it if it lingers."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="package")
def browser_context(tmp_path_factory):
    """One headless Debian Chromium (never `playwright install`) shared by every scenario."""
    if not (shutil.which("chromium") or os.path.exists(CHROMIUM)):
        _unavailable("Debian's chromium is not installed (apt-get install chromium, or `make chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path_factory.mktemp("chromium")), executable_path=CHROMIUM,
            headless=True, args=ARGS, viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(30_000)
        try:
            yield ctx
        finally:
            ctx.close()


@pytest.fixture
def emulator(lab_fake):
    """The suite's emulator with its knobs, queued errors and records reset before and after."""
    _restore(lab_fake)
    yield lab_fake
    _restore(lab_fake)


@pytest.fixture
def lab(lab_server, emulator):
    """The lab server; its emulator (``lab.fake``) is reset before and after the scenario."""
    return lab_server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


@pytest.fixture
def page(request, browser_context, lab_server):
    """A fresh browser tab; its notebook's kernel is shut down afterwards to keep the 2 cores free.

    A failing scenario leaves build/e2e/FAILED-<test>.png behind: what the page showed at the end.
    """
    tab = browser_context.new_page()
    try:
        yield tab
    finally:
        if getattr(request.node, "e2e_failed", False):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(SCREENSHOTS / f"FAILED-{request.node.name}.png"))
        tab.close()
        lab_server.shutdown_kernels()
