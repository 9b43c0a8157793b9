"""The kernel's session: settings, the client, the private loop runner, the recorded call (budget +
ledger around a stream), conversations and the sandbox."""

from .._core import exports_table, lazy_exports

_EXPORTS = exports_table("""
    .answer         Answer
    .asking         ask cache_note footer_for
    .cached         CacheSwitch cache_switch cached_stream
    .conversations  DEFAULT_NAME Exchange
    .models         did_you_mean
    .extras         deep_merge resolve_model period_budgets
    .speed          MAX_MEASURED throughputs
    .aliases        AliasError parse_alias
    .job            Job
    .relay          Relay
    .session        Session
    .rowmap_api     map_rows drive_map=drive
    .rowmap         MapOptions RowMap
    .rowmap_frame   RowSchema
    .embed          embed embedding_catalog
    .tool_types     ToolSpecError
    .tool_args      bind_arguments
    .tool_schema    tool_spec
    .tool_loop      DEFAULT_MAX_STEPS ToolLoop
    .tool_events    ApprovalAsked tool_loop_events
    .tool_view      ToolView
    .toolbox        build_toolbox
""")
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
