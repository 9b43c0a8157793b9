"""The result of a row map: typed schema columns, the status columns, input order and index kept.

    schema = RowSchema.of(Label)                   # a pydantic model class or a JSON-schema dict
    values, problem = schema.parse(text)          # {"label": "positive", "score": 3} or (None, why)
    frame = result_frame(index, columns, schema=schema, out="answer")

Columns: the answer (``out``) — or one column per top-level schema field, with its dtype (string,
Int64, float64, boolean, category for enums/Literal, object otherwise) — then ``_status``
(``ok|error|cached|refused|cancelled``), ``_error``, ``_cost``, ``_model``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["STATUSES", "MapColumns", "RowSchema", "result_frame"]

STATUSES = ("ok", "error", "cached", "refused", "cancelled")
_FENCE = re.compile(r"^```[\w-]*\s*\n(.*?)\n?```\s*$", re.DOTALL)
_DTYPES = {"string": "string", "integer": "Int64", "number": "float64", "boolean": "boolean"}


@dataclass
class MapColumns:
    """One model's results, one entry per row (plain lists: a 20,000-row run stays small)."""

    size: int
    text: list[str | None] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    error: list[str | None] = field(default_factory=list)
    cost: list[float | None] = field(default_factory=list)
    model: list[str | None] = field(default_factory=list)
    latency: list[float | None] = field(default_factory=list)
    parsed: list[dict[str, Any] | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = self.size
        self.text, self.status, self.error = [None] * n, ["cancelled"] * n, [None] * n
        self.cost, self.model, self.latency, self.parsed = [None] * n, [None] * n, [None] * n, [None] * n


@dataclass(frozen=True)
class RowSchema:
    """Structured output for every row: the JSON schema, its top-level fields and their dtypes."""

    name: str
    schema: dict[str, Any]
    model_class: Any = None

    @classmethod
    def of(cls, value: Any, name: str | None = None) -> RowSchema:
        """From a pydantic model class or a JSON-schema dict (``ValueError`` for anything else)."""
        if isinstance(value, type) and callable(getattr(value, "model_json_schema", None)):
            return cls(name or value.__name__, value.model_json_schema(), value)
        if isinstance(value, dict) and isinstance(value.get("properties"), dict):
            return cls(name or str(value.get("title") or "schema"), value)
        raise ValueError(f"schema must be a pydantic model class or a JSON-schema dict with \"properties\", "
                         f"not a {type(value).__name__}")

    def response_format(self) -> dict[str, Any]:
        """The ``response_format`` body field."""
        spec: dict[str, Any] = {"name": self.name, "schema": self.schema}
        if self.schema.get("additionalProperties") is False:
            spec["strict"] = True
        return {"type": "json_schema", "json_schema": spec}

    def dtypes(self) -> dict[str, Any]:
        """Each top-level field → its pandas dtype."""
        import pandas as pd

        found: dict[str, Any] = {}
        for name, spec in self.schema["properties"].items():
            spec = self._resolve(spec)
            enum = spec.get("enum") or ([spec["const"]] if "const" in spec else None)
            if enum:
                found[name] = pd.CategoricalDtype(enum)
            else:
                found[name] = _DTYPES.get(spec.get("type") if isinstance(spec.get("type"), str) else "", "object")
        return found

    def _resolve(self, spec: Any) -> dict[str, Any]:
        if isinstance(spec, dict) and isinstance(spec.get("$ref"), str):
            target: Any = self.schema
            for part in spec["$ref"].lstrip("#/").split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            return target if isinstance(target, dict) else {}
        return spec if isinstance(spec, dict) else {}

    def parse(self, text: str) -> tuple[dict[str, Any] | None, str | None]:
        """(field values, None) or (None, why the answer does not fit)."""
        stripped = text.strip()
        fence = _FENCE.match(stripped)
        try:
            value = json.loads(fence.group(1) if fence else stripped)
            if self.model_class is not None:
                value = self.model_class.model_validate(value).model_dump(mode="json")
        except ValueError as error:  # JSONDecodeError and pydantic's ValidationError are ValueErrors
            return None, str(error).splitlines()[0]
        if not isinstance(value, dict):
            return None, f"expected a JSON object, got {type(value).__name__}"
        return value, None


def _typed(values: list[Any], dtype: Any) -> Any:
    import pandas as pd

    try:
        return pd.array(values, dtype=dtype)
    except (TypeError, ValueError):  # a value the dtype cannot hold (a float in an integer field…)
        return pd.array(values, dtype="object")


def _answer_columns(columns: MapColumns, schema: RowSchema | None, out: str) -> dict[str, Any]:
    if schema is None:
        return {out: columns.text}
    return {name: _typed([None if row is None else row.get(name) for row in columns.parsed], dtype)
            for name, dtype in schema.dtypes().items()}


def result_frame(index: Any, by_model: dict[str, MapColumns], *, schema: RowSchema | None,
                 out: str = "answer") -> pandas.DataFrame:
    """The result frame (see the module docstring); several models: one answer column per model (its id),
    ``_status`` the worst of the row, ``_cost`` the sum, ``_error`` and ``_model`` joined."""
    import pandas as pd

    models = list(by_model)
    if len(models) == 1:
        columns = by_model[models[0]]
        data = {**_answer_columns(columns, schema, out), "_status": columns.status, "_error": columns.error,
                "_cost": columns.cost, "_model": columns.model}
    else:
        data = {model: (by_model[model].text if schema is None else [_json(p) for p in by_model[model].parsed])
                for model in models}
        data.update(_joined(by_model))
    frame = pd.DataFrame(data, index=index, copy=False)
    frame["_status"] = pd.Categorical(frame["_status"], categories=STATUSES)
    frame["_cost"] = frame["_cost"].astype("float64")
    return frame


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _joined(by_model: dict[str, MapColumns]) -> dict[str, list[Any]]:
    size = next(iter(by_model.values())).size
    order = {status: rank for rank, status in enumerate(("ok", "cached", "refused", "cancelled", "error"))}
    status, error, cost = [], [], []
    for row in range(size):
        statuses = [columns.status[row] for columns in by_model.values()]
        status.append(max(statuses, key=order.__getitem__))
        errors = [f"{model}: {columns.error[row]}" for model, columns in by_model.items() if columns.error[row]]
        error.append("; ".join(errors) or None)
        costs = [columns.cost[row] for columns in by_model.values() if columns.cost[row] is not None]
        cost.append(sum(costs) if costs else None)
    return {"_status": status, "_error": error, "_cost": cost, "_model": [",".join(by_model)] * size}
