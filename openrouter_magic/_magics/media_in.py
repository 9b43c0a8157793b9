"""``--file``, ``--image-out``, ``--tools``/``--web``: checked and added to the request before sending.

Every problem is one UsageError and nothing goes out: an unknown or non-callable tool name, a function
whose annotations cannot be a JSON schema, a missing, unreadable or too large file.
"""

from __future__ import annotations

import argparse
import base64
import mimetypes
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError

from .errors import one_line
from .options import split_list

__all__ = ["MAX_FILE_BYTES", "file_part", "prepare_media"]

MAX_FILE_BYTES = 20 * 1024 * 1024
PDF_ENGINES = ("pdf-text", "mistral-ocr", "native")


def file_part(ref: str) -> dict[str, Any]:
    """A ``file`` content part (base64 data URL) for a PDF or text file; UsageError when it cannot be."""
    path = Path(ref).expanduser()
    if not path.exists():
        raise UsageError(f"--file {ref}: no such file (give the path of a PDF or text file)")
    if not path.is_file():  # a folder, a pipe, a device: reading it could block or never end
        raise UsageError(f"--file {ref}: not a regular file (give the path of a PDF or text file)")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UsageError(f"--file {ref}: {size / 1024 / 1024:.1f} MB is over the 20 MB limit; send a smaller file")
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"--file {ref}: cannot read it ({one_line(error.strerror or str(error))})") from None
    mime = "application/pdf" if data.startswith(b"%PDF") else (mimetypes.guess_type(path.name)[0] or "text/plain")
    encoded = base64.b64encode(data).decode("ascii")
    return {"type": "file", "file": {"filename": path.name, "file_data": f"data:{mime};base64,{encoded}"}}


def _with_files(user: dict[str, Any], refs: list[str]) -> dict[str, Any]:
    content = user["content"]
    parts = [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
    return {**user, "content": parts + [file_part(ref) for ref in refs]}


def _tool_items(names: list[str], namespace: dict[str, Any]) -> list[Any]:
    items: list[Any] = []
    for name in names:
        if name.startswith("openrouter:"):
            items.append(name)
            continue
        if name not in namespace:
            raise UsageError(f"--tools {name}: no such name in the notebook; define a function {name} first")
        value = namespace[name]
        if not callable(value):
            raise UsageError(f"--tools {name} is a {type(value).__name__}, not a function: give function names")
        items.append(value)
    return items


def _outputs_only_images(session: Any, model: str) -> bool:
    """True when the catalog in memory or on disk says ``model`` answers with images only (no network)."""
    try:
        row = session.known_prices(model)
    except Exception:  # the catalog is a nicety here: never fail a cell over it
        return False
    outputs = tuple((row or {}).get("output_modalities") or ())
    return outputs == ("image",)


def prepare_media(request: Any, args: argparse.Namespace, namespace: dict[str, Any]) -> None:
    """Set ``request.box`` (Python tools → the tool loop), and add server tools, files, modalities."""
    from .._session import ToolSpecError, build_toolbox

    items = _tool_items(split_list(getattr(args, "tools", None)), namespace)
    if args.web and "openrouter:web_search" not in items:
        items.append("openrouter:web_search")
    try:
        box = build_toolbox(items, web_max_results=args.web_max_results, web_domains=split_list(args.web_domains) or None)
    except ToolSpecError as error:
        raise UsageError(f"--tools: {one_line(str(error))}") from None
    box.max_steps = args.max_steps
    box.approve = bool(args.approve)
    request.box = box if box.functions else None
    if box.specs and not box.functions:  # server tools only: OpenRouter runs them, no loop here
        request.params["tools"] = box.specs
    if args.image_out:
        request.params["modalities"] = ["image", "text"]
    elif _outputs_only_images(request.session, args.model or request.session.default_model):
        request.params["modalities"] = ["image"]
    if args.file:
        request.user = _with_files(request.user, args.file)
    if args.pdf_engine:
        request.params["plugins"] = [*request.params.get("plugins", []),
                                     {"id": "file-parser", "pdf": {"engine": args.pdf_engine}}]
