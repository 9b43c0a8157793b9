"""Showing answers: the ``Renderer`` interface with notebook, terminal and null renderers, and safe
markdown for answers (which are untrusted input)."""

from .._core import exports_table, lazy_exports

_EXPORTS = exports_table("""
    .blocks    extract_code
    .base      footer_bundle
    .media     citations_bundle image_bundle trace_bundle
    .markdown  markdown_to_html
    .select    NullRenderer footer_text make_renderer
    .progress  MapProgress preview_bundle
""")
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
