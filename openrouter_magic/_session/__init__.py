"""The kernel's session: settings, the client, the private loop runner, the recorded call (budget +
ledger around a stream), conversations and the sandbox."""

from .._core import lazy_exports

_EXPORTS = {
    "Answer": ".answer",
    "ask": ".asking",
    "footer_for": ".asking",
    "CacheSwitch": ".cached",
    "cache_switch": ".cached",
    "cached_stream": ".cached",
    "DEFAULT_NAME": ".conversations",
    "Exchange": ".conversations",
    "did_you_mean": ".models",
    "deep_merge": ".extras",
    "resolve_model": ".extras",
    "period_budgets": ".extras",
    "MAX_MEASURED": ".speed",
    "throughputs": ".speed",
    "AliasError": ".aliases",
    "parse_alias": ".aliases",
    "Job": ".job",
    "Relay": ".relay",
    "Session": ".session",
    "map_rows": ".rowmap_api",
    "drive_map": ".rowmap_api:drive",
    "MapOptions": ".rowmap",
    "RowMap": ".rowmap",
    "RowSchema": ".rowmap_frame",
    "embed": ".embed",
    "embedding_catalog": ".embed",
    "ToolSpecError": ".tool_types",
    "bind_arguments": ".tool_args",
    "tool_spec": ".tool_schema",
    "DEFAULT_MAX_STEPS": ".tool_loop",
    "ToolLoop": ".tool_loop",
    "tool_loop_events": ".tool_events",
    "ToolView": ".tool_view",
    "build_toolbox": ".toolbox",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
