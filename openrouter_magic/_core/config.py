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
    source: str  # "argument" | "session" | "env:NAME" | "file:PATH" (.env) | "config" | "default"

    def shown(self) -> str:
        """The value as it may be displayed (keys masked)."""
        if self.name == "api_key":
            return mask_key(self.value)
        return "(not set)" if self.value is None else str(self.value)

    def __repr__(self) -> str:  # the dataclass repr would show the key itself
        return f"Setting(name={self.name!r}, value={self.shown()!r}, source={self.source!r})"


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


def api_key_setting(argument: str | None = None, session: str | None = None) -> Setting:
    """The API key: argument > the session's (``%openrouter key --set``) > OPENROUTER_API_KEY > a ``.env``
    file (the working directory's, then OPENROUTER_MAGIC_HOME's) > not set."""
    if argument is None and session:
        setting = Setting("api_key", session, "session")
    else:
        setting = resolve("api_key", argument, ("OPENROUTER_API_KEY",))
    if setting.value is None or setting.value == "":
        setting = _dotenv_setting() or setting
    register_secret(setting.value)
    return setting


def _dotenv_setting() -> Setting | None:
    """OPENROUTER_API_KEY from the first ``.env`` file that has it (read, never put into the environment)."""
    for path in (Path.cwd() / ".env", magic_home() / ".env"):
        value = read_dotenv(path).get("OPENROUTER_API_KEY")
        if value:
            return Setting("api_key", value, f"file:{path}")
    return None


_DOTENV_CACHE: dict[Path, tuple[tuple[int, int], dict[str, str]]] = {}


def read_dotenv(path: Path) -> dict[str, str]:
    """The ``NAME=value`` lines of a ``.env`` file (``export``, quotes and ``#`` comments as shells write
    them); empty when it is absent or unreadable. Re-read only when the file changes."""
    try:
        stat = path.stat()
    except OSError:
        return {}
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _DOTENV_CACHE.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    values = dict(pair for pair in map(_dotenv_line, text.splitlines()) if pair is not None)
    _DOTENV_CACHE[path] = (stamp, values)
    return values


_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def _dotenv_line(line: str) -> tuple[str, str] | None:
    found = _DOTENV_LINE.match(line)
    if found is None:
        return None
    name, value = found.groups()
    if value[:1] in ("'", '"'):
        end = value.find(value[0], 1)
        return (name, value[1:end]) if end > 0 else None
    return name, value.split(" #", 1)[0].rstrip()


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
