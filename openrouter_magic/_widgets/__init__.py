"""The ipywidgets: the model picker and the side-by-side comparison."""

from .._core import lazy_exports

_EXPORTS = {
    "compare_models": ".compare.api:compare",
    "compare_from_magic": ".compare.api",
    "headless": ".compare.api",
    "playground": ".compare.api",
    "ModelPicker": ".picker.view",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
