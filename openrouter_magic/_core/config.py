"""Settings resolution (argument > environment > IPython config > default) and key redaction."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
DEFAULT_MODEL = "openrouter/auto"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 120.0
DEFAULT_MAX_RETRIES = 3
DEFAULT_MAX_RETRY_WAIT = 30.0

_KEY_PATTERN = re.compile(r"sk-or-[A-Za-z0-9_\-]{8,}")
_known_keys: set[str] = set()


def register_secret(key: str | None) -> None:
    """Remember a key so that :func:`redact` masks it wherever it appears."""
    if key and len(key) >= 4:
        _known_keys.add(key)


def mask_key(key: str | None) -> str:
    """``sk-or-v1-abcdef…wxyz`` → ``sk-or-…wxyz``; empty/None → ``(not set)``."""
    if not key:
        return "(not set)"
    if len(key) <= 8:
        return "…" + "*" * 4
    prefix = "sk-or-" if key.startswith("sk-or-") else ""
    return f"{prefix}…{key[-4:]}"


def redact(text: str) -> str:
    """Replace every known key (and anything shaped like an OpenRouter key) by its mask."""
    if not text:
        return text
    for key in sorted(_known_keys, key=len, reverse=True):
        if key in text:
            text = text.replace(key, mask_key(key))
    return _KEY_PATTERN.sub(lambda m: mask_key(m.group(0)), text)


@dataclass(frozen=True)
class Setting:
    """One effective setting and where it came from."""

    name: str
    value: Any
    source: str  # "argument" | "env:NAME" | "config" | "default"

    def shown(self) -> str:
        """The value as it may be displayed (keys masked)."""
        if self.name == "api_key":
            return mask_key(self.value)
        return "(not set)" if self.value is None else str(self.value)


def resolve(
    name: str,
    argument: Any = None,
    env: tuple[str, ...] = (),
    config: Any = None,
    default: Any = None,
) -> Setting:
    """Resolve one setting by precedence: argument > environment > config > default."""
    if argument is not None:
        return Setting(name, argument, "argument")
    for var in env:
        value = os.environ.get(var)
        if value:
            return Setting(name, value, f"env:{var}")
    if config is not None:
        return Setting(name, config, "config")
    return Setting(name, default, "default")


def api_key_setting(argument: str | None = None) -> Setting:
    """The API key setting (from argument or OPENROUTER_API_KEY)."""
    setting = resolve("api_key", argument, ("OPENROUTER_API_KEY",))
    register_secret(setting.value)
    return setting


def base_url_setting(argument: str | None = None) -> Setting:
    """The base URL (argument, OPENROUTER_BASE_URL, default openrouter.ai)."""
    setting = resolve("base_url", argument, ("OPENROUTER_BASE_URL",), default=DEFAULT_BASE_URL)
    return Setting(setting.name, str(setting.value).rstrip("/"), setting.source)


def referer_setting(argument: str | None = None) -> Setting:
    """The ``HTTP-Referer`` header value."""
    return resolve("http_referer", argument, ("OPENROUTER_HTTP_REFERER", "OPENROUTER_SITE_URL"))


def title_setting(argument: str | None = None) -> Setting:
    """The ``X-Title`` header value."""
    return resolve(
        "x_title",
        argument,
        ("OPENROUTER_X_TITLE", "OPENROUTER_APP_NAME", "OPENROUTER_SITE_NAME"),
        default="openrouter_magic",
    )


def magic_home() -> Path:
    """Where the catalog cache and the ledger live (OPENROUTER_MAGIC_HOME or the user data dir)."""
    env = os.environ.get("OPENROUTER_MAGIC_HOME")
    if env:
        return Path(env).expanduser()
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "openrouter_magic"
