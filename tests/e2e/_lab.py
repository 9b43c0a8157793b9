"""A thin driver for the JupyterLab page and its kernels, as measured in TESTING-NOTES (d)."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

IDLE = "Python 3 (ipykernel) | Idle"
CELLS = "document.querySelectorAll('.jp-Notebook .jp-Cell')"


@dataclass
class Lab:
    """The running server: where notebooks go, how to open and run them, how to reach their kernels."""

    base: str
    root: Path
    runtime_dir: Path
    screenshots: Path
    fake: Any

    def write_notebook(self, name: str, cells: list[str]) -> str:
        """Save a notebook of code cells into the server's root; returns its name."""
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                     "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
        nbformat.write(nb, self.root / name)
        return name

    def open(self, page, name: str) -> None:
        """Open a notebook in its own fresh workspace and wait until its kernel is really idle.

        The toolbar's idle indicator shows before the kernel connects (running then pops a "Select
        Kernel" dialog), so the wait is on the status bar's text. A workspace per notebook keeps Lab
        from restoring (and restarting kernels for) the notebooks of earlier scenarios.
        """
        workspace = name.replace(".ipynb", "").replace("/", "-")
        page.goto(f"{self.base}/lab/workspaces/{workspace}/tree/{name}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
        self.wait_idle(page)

    def wait_idle(self, page, timeout: float = 60.0) -> None:
        """Wait for the status bar to say the kernel is idle."""
        page.get_by_text(IDLE).wait_for(timeout=timeout * 1000)

    def run_all(self, page) -> None:
        """Run > Run All Cells, through the menu as a user would."""
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        item = page.locator(".lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel",
                            has_text="Run All Cells").first
        item.wait_for(state="visible")
        item.click()

    def run_cell(self, page, index: int) -> None:
        """Click into the index-th cell's editor and press Shift+Enter."""
        page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")

    def output(self, page, index: int):
        """The output area of the index-th cell (0-based)."""
        return page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea")

    def shot(self, target, name: str) -> Path:
        """Save a screenshot of a page or a locator under build/e2e/."""
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / f"{name}.png"
        target.screenshot(path=str(path))
        return path

    # -- kernels ----------------------------------------------------------------------------------

    def _rest(self, method: str, path: str) -> Any:
        req = urllib.request.Request(f"{self.base}{path}", method=method)
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def kernel_id(self, name: str) -> str:
        """The id of the kernel behind the notebook ``name``."""
        for session in self._rest("GET", "/api/sessions"):
            if session["path"] == name:
                return session["kernel"]["id"]
        raise LookupError(f"no session for {name}")

    def execute(self, name: str, code: str, timeout: float = 10.0) -> str:
        """Run ``code`` in the notebook's kernel out of band (not through the page); return its stdout."""
        from jupyter_client import BlockingKernelClient

        client = BlockingKernelClient(
            connection_file=str(self.runtime_dir / f"kernel-{self.kernel_id(name)}.json"))
        client.load_connection_file()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=timeout)
            chunks: list[str] = []

            def collect(msg):
                if msg["msg_type"] == "stream":
                    chunks.append(msg["content"]["text"])
                elif msg["msg_type"] == "error":
                    chunks.append("\n".join(msg["content"]["traceback"]))

            client.execute_interactive(code, timeout=timeout, output_hook=collect)
            return "".join(chunks)
        finally:
            client.stop_channels()

    def shutdown_kernels(self) -> None:
        """Delete every session (and its kernel), so the next scenario has the CPU to itself."""
        for session in self._rest("GET", "/api/sessions"):
            self._rest("DELETE", f"/api/sessions/{session['id']}")


def record(page, snapshot_js: str) -> None:
    """Record every distinct value of ``snapshot_js`` (a JS arrow function) as the DOM changes.

    A MutationObserver in the page samples at each DOM change, so a fast stream is seen exactly as
    the browser showed it, without polling over the Playwright connection. Read with :func:`recorded`.
    """
    page.evaluate(f"""() => {{
        const snap = {snapshot_js};
        const seen = window.__ormSeen = [];
        let last = null;
        const sample = () => {{
            let value;
            try {{ value = JSON.stringify(snap()); }} catch (e) {{ value = JSON.stringify(String(e)); }}
            if (value !== last) {{ last = value; seen.push([performance.now(), JSON.parse(value)]); }}
        }};
        if (window.__ormObserver) window.__ormObserver.disconnect();
        window.__ormObserver = new MutationObserver(sample);
        window.__ormObserver.observe(document.body, {{subtree: true, childList: true, characterData: true}});
        sample();
    }}""")


def recorded(page, *, stamped: bool = False) -> list:
    """The distinct snapshots seen since :func:`record`, oldest first (as ``[ms, value]`` if ``stamped``)."""
    seen = page.evaluate("() => window.__ormSeen || []")
    return seen if stamped else [value for _, value in seen]


def now_ms(page) -> float:
    """The page's clock (``performance.now()``), to compare with stamped snapshots."""
    return page.evaluate("() => performance.now()")
