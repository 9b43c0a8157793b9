"""The catalog's disk cache: one JSON file per base URL under ``magic_home()``, fresh for an hour.

The file holds the fetch time, the base URL and the catalog already normalized, column by column,
so reading it back is cheaper than converting a payload (json.loads of a small file + typing).
When the network fails, the stale copy is served with a one-line note; with no copy at all the
error says what to do. Writes go to a temporary file that replaces the old one atomically, so a
crash or a second kernel never leaves half a file behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .columns_extra import EXTRA_FLOATS
from .frame import COLUMNS, build_frame, models_to_columns
from .._core import DEFAULT_BASE_URL, magic_home
from .._core import APIError, OpenRouterError

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["FRESH_FOR_S", "CatalogResult", "CatalogStore"]

FRESH_FOR_S = 3600.0
_FORMAT = 2  # bump when the stored columns change: older files are then ignored and refetched
_FLOATS = ("prompt_usd_per_m", "completion_usd_per_m", "request_usd", "image_usd", *EXTRA_FLOATS)
_TUPLES = ("input_modalities", "output_modalities", "supported_parameters", "reasoning_efforts")


@dataclass(frozen=True)
class CatalogResult:
    """A catalog frame with where it came from: ``stale`` copy, ``note`` to show, ``added``/``removed`` ids."""

    frame: pandas.DataFrame
    fetched_at: float
    stale: bool = False
    note: str | None = None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    from_cache: bool = False


def _age(seconds: float) -> str:
    if seconds < 90:
        return "just now"
    if seconds < 5400:
        return f"{round(seconds / 60)} min ago"
    if seconds < 172800:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} days ago"


def _ids_note(verb: str, ids: tuple[str, ...], shown: int = 5) -> str:
    listed = ", ".join(ids[:shown]) + (f", … {len(ids) - shown} more" if len(ids) > shown else "")
    return f"{len(ids)} {verb} ({listed})" if ids else f"0 {verb}"


def _jsonable(cols: dict[str, list]) -> dict[str, list]:
    """NaN prices → null, so the file stays standard JSON."""
    out = dict(cols)
    for name in _FLOATS:
        out[name] = [None if v is None or math.isnan(v) else v for v in cols[name]]
    return out


class CatalogStore:
    """The disk cache of ``GET /models`` for one base URL (``output_modalities`` variants kept apart)."""

    def __init__(self, home: str | Path | None = None, base_url: str | None = None,
                 *, max_age_s: float = FRESH_FOR_S) -> None:
        self.home = Path(home) if home is not None else None
        self.base_url = base_url
        self.max_age_s = max_age_s

    def __repr__(self) -> str:
        return f"CatalogStore(home={str(self.home) if self.home else None!r}, base_url={self.base_url!r})"

    def _url(self, client: Any = None) -> str:
        return (self.base_url or getattr(client, "base_url", None) or DEFAULT_BASE_URL).rstrip("/")

    def path(self, base_url: str | None = None, output_modalities: str | None = None) -> Path:
        """Where the cache for this base URL (and modality selection) lives."""
        url = (base_url or self._url()).rstrip("/")
        digest = hashlib.sha256(f"{url}|{output_modalities or 'text'}".encode()).hexdigest()[:16]
        return (self.home or magic_home()) / f"catalog-{digest}.json"

    def cached(self, base_url: str | None = None, output_modalities: str | None = None) -> CatalogResult | None:
        """The copy on disk (fresh or not), or None when there is none or it cannot be read."""
        url = (base_url or self._url()).rstrip("/")
        try:
            raw = json.loads(self.path(url, output_modalities).read_bytes())
            if raw.get("format") != _FORMAT or raw.get("base_url") != url:
                return None
            cols = raw["columns"]
            if any(len(cols[name]) != len(cols["id"]) for name in COLUMNS):
                return None
            for name in _TUPLES:  # JSON has no tuples: give the cached frame the same values as a fresh one
                cols[name] = [tuple(v) if type(v) is list else v for v in cols[name]]
            frame = build_frame(cols)
            return CatalogResult(frame=frame, fetched_at=float(raw["fetched_at"]), from_cache=True)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing or damaged: behave as if there were no copy

    def save(self, cols: dict[str, list], fetched_at: float, base_url: str,
             output_modalities: str | None = None) -> Path:
        """Write the normalized columns atomically; returns the path."""
        target = self.path(base_url, output_modalities)
        target.parent.mkdir(parents=True, exist_ok=True)
        doc = {"format": _FORMAT, "base_url": base_url, "output_modalities": output_modalities or "text",
               "fetched_at": fetched_at, "count": len(cols["id"]), "columns": _jsonable(cols)}
        fd, tmp = tempfile.mkstemp(prefix=".catalog-", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return target

    async def get(self, client: Any, *, refresh: bool = False, output_modalities: str | None = None) -> CatalogResult:
        """The catalog: the disk copy while fresh, else ``client.models_payload()``; stale copy when offline.

        ``refresh=True`` always refetches and reports the ids added and removed since the last copy.
        ``output_modalities="all"`` includes image, audio and embedding models (default: text models).
        Raises an :class:`OpenRouterError` subclass only when there is no copy and no network.
        """
        url = self._url(client)
        old = self.cached(url, output_modalities)
        if old is not None and not refresh and time.time() - old.fetched_at < self.max_age_s:
            return old
        try:
            cols = await self._fetch(client, output_modalities)
        except OpenRouterError as exc:
            if old is None:
                raise _no_catalog(exc, url) from exc
            age = _age(time.time() - old.fetched_at)
            note = f"⚠ model catalog: could not refresh ({_reason(exc, url)}); showing the copy fetched {age}"
            return CatalogResult(old.frame, old.fetched_at, stale=True, note=note, from_cache=True)
        return self._store_new(cols, url, output_modalities, old, refresh)

    async def _fetch(self, client: Any, output_modalities: str | None) -> dict[str, list]:
        filters = {"output_modalities": output_modalities} if output_modalities else {}
        payload = await client.models_payload(**filters)
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list):
            raise OpenRouterError("GET /models answered without a model list")
        return models_to_columns(data)

    def _store_new(self, cols: dict[str, list], url: str, output_modalities: str | None,
                   old: CatalogResult | None, refresh: bool) -> CatalogResult:
        fetched_at, note = time.time(), None
        try:
            self.save(cols, fetched_at, url, output_modalities)
        except OSError as exc:  # a read-only home must not cost the user the catalog itself
            note = f"⚠ model catalog: could not save the cache ({exc.strerror or exc})"
        added: tuple[str, ...] = ()
        removed: tuple[str, ...] = ()
        if old is not None:
            before, after = old.frame["id"].tolist(), cols["id"]
            known, now = set(before), set(after)
            added = tuple(i for i in after if i not in known)
            removed = tuple(i for i in before if i not in now)
        if refresh and note is None:
            changes = (f"{_ids_note('added', added)}, {_ids_note('removed', removed)}" if old is not None
                       else "no earlier copy to compare")
            note = f"model catalog refreshed: {len(cols['id'])} models, {changes}"
        return CatalogResult(build_frame(cols), fetched_at, note=note, added=added, removed=removed)


def _reason(exc: OpenRouterError, url: str) -> str:
    text = str(exc)
    return text if url in text else f"{url}: {text}"


def _no_catalog(exc: OpenRouterError, url: str) -> OpenRouterError:
    """The same kind of error, with a message that says what to do next."""
    message = (f"could not fetch the model catalog ({_reason(exc, url)}) and there is no cached copy yet: "
               "check the network or OPENROUTER_BASE_URL and try again, or work offline with "
               "%openrouter sandbox on")
    if isinstance(exc, APIError):
        return type(exc)(message, status=exc.status, code=exc.code, metadata=exc.metadata)
    return type(exc)(message)
