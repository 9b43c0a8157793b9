"""The ipywidgets: the model picker and the side-by-side comparison."""

from .._core import exports_table, lazy_exports

_EXPORTS = exports_table("""
    .compare.api  compare_models=compare compare_from_magic headless playground
    .picker.view  ModelPicker
""")
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
