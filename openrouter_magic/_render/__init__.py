"""Showing answers: the ``Renderer`` interface with notebook, terminal and null renderers, and safe
markdown for answers (which are untrusted input)."""

from .._core import lazy_exports

_EXPORTS = {
    "extract_code": ".blocks",
    "footer_bundle": ".base",
    "citations_bundle": ".media",
    "image_bundle": ".media",
    "trace_bundle": ".media",
    "markdown_to_html": ".markdown",
    "NullRenderer": ".select",
    "footer_text": ".select",
    "make_renderer": ".select",
    "MapProgress": ".progress",
    "preview_bundle": ".progress",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
