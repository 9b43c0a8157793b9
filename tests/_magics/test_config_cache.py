"""``%openrouter config`` lists the response cache (on/off and why, its file) and OpenRouter's server cache."""

from __future__ import annotations

import re

from _magic_shell import MODEL, run, shell  # noqa: F401 (fixtures)


def config(shell) -> str:  # noqa: F811 (the fixture's name)
    return repr(shell.run_line_magic("openrouter", "config"))


def row(table: str, name: str) -> str:
    found = re.search(rf"^{name} +(.*)$", table, re.MULTILINE)
    assert found, table
    return found.group(1)


def test_the_cache_is_listed_off_by_default_with_its_file_under_the_home(shell, isolated_home):  # noqa: F811
    table = config(shell)
    assert re.match(r"off +\(default \(--cache in a cell, %openrouter cache on\)\)", row(table, "cache"))
    assert row(table, "cache_file").startswith(str(isolated_home / "cache.sqlite3"))
    assert "(env:OPENROUTER_MAGIC_HOME)" in row(table, "cache_file")
    assert re.match(r"off +\(default \(--server-cache\[=TTL\] in a cell\)\)", row(table, "server_cache"))
    assert not (isolated_home / "cache.sqlite3").exists()  # listing the setting does not create the file


def test_the_config_trait_turns_the_cache_on_and_says_so(shell):  # noqa: F811
    run(shell, "%config OpenRouterMagics.cache = True")
    assert re.match(r"on +\(config \(OpenRouterMagics\.cache\)\)", row(config(shell), "cache"))


def test_the_session_switch_wins_over_the_config_and_is_named_as_the_source(shell):  # noqa: F811
    run(shell, "%config OpenRouterMagics.cache = True")
    run(shell, "%openrouter cache off").result.raise_error()
    assert re.match(r"off +\(session \(%openrouter cache on\|off\)\)", row(config(shell), "cache"))
    run(shell, "%openrouter cache on").result.raise_error()
    assert re.match(r"on +\(session", row(config(shell), "cache"))


def test_server_cache_headers_in_the_configured_extra_headers_show_as_on_with_their_ttl(shell):  # noqa: F811
    run(shell, "%config OpenRouterMagics.extra_headers = {'X-OpenRouter-Cache': 'true', "
               "'X-OpenRouter-Cache-TTL': '600'}")
    assert re.match(r"on \(TTL 600 s\) +\(config \(extra_headers\)\)", row(config(shell), "server_cache"))


def test_the_html_table_lists_the_cache_rows_too(shell):  # noqa: F811
    page = shell.run_line_magic("openrouter", "config")._repr_html_()
    assert "<th style='text-align:left'>cache</th>" in page and "server_cache" in page
