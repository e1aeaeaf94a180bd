"""Settings from, in rising precedence: defaults, the config file, the environment, the CLI.

The API key may come from `APIMART_API_KEY` or from the config file, and then only if no
one but its owner can read the file. It never appears in a repr, a message or a warning.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from mjtui.api.addresses import DEFAULT_BASE_URL, api_key_problem, check_base_url
from mjtui.api.errors import InsecureBaseUrl
from mjtui.errors import ConfigError
from mjtui.keys import keymap_problems
from mjtui.known_terminals import IMAGE_MODES, KITTY_PLACEHOLDER_MAX_CELLS
from mjtui.notify import MODES as NOTIFY_MODES
from mjtui.paths import config_file, default_download_dir

POLL_MIN, POLL_MAX = 1.0, 300.0
STALL_MIN, STALL_MAX = 30.0, 86400.0  # a running job with no progress this long is stalled
STALL_AFTER = 180.0  # the default
CONCURRENCY_MAX = 64
PREVIEW_WIDTH_MIN, PREVIEW_WIDTH_MAX = 8, KITTY_PLACEHOLDER_MAX_CELLS


@dataclass(frozen=True)
class Settings:
    """Everything configurable, resolved once at start-up."""

    base_url: str = DEFAULT_BASE_URL
    token: str = field(default="", repr=False)
    poll_interval: float = 4.0
    session: str | None = None
    images: str = "auto"
    image_cache_mb: int = 200
    download_dir: str = ""
    bell: bool = True
    notify: str = "auto"  # desktop notifications: auto | osc9 | osc99 | osc777 | bell | off
    theme: str = ""
    read_only: bool = False
    max_concurrency: int = 16  # 1,000 tasks at 4 s need ~250 polls/s at ~60 ms each
    stall_after: float = STALL_AFTER  # seconds a running job's progress may stand still
    archive_after_days: float = 7.0  # finished tasks older than this move to the archive
    session_max_tasks: int = 500  # and those beyond the newest this many finished ones
    # The dashboard preview's widest picture, in columns (0: fill the pane). A picture's
    # bytes grow with its area, and over SSH they are most of what a cursor move costs.
    preview_width: int = 40
    keymap: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    demo: bool = False
    token_source: str = ""  # "env APIMART_API_KEY", "config file <path>", ... (diagnostics)
    config_path: str = ""
    warnings: tuple[str, ...] = ()

    def require_token(self) -> str:
        """The API key, or a ConfigError saying how to provide one (demo mode needs none)."""
        if not self.token and not self.demo:
            where = self.config_path or str(config_file())
            raise ConfigError(
                f"no API key: set APIMART_API_KEY or put api_key in {where} (chmod 600)"
            )
        return self.token


# Config-file key -> (Settings field, accepted types, description for messages).
_FILE_KEYS: dict[str, tuple[str, tuple[type, ...], str]] = {
    "api_key": ("token", (str,), "a string"),
    "base_url": ("base_url", (str,), "a string"),
    "poll_interval": ("poll_interval", (int, float), "a number of seconds"),
    "session": ("session", (str,), "a string"),
    "images": ("images", (str,), "a string"),
    "image_cache_mb": ("image_cache_mb", (int,), "an integer"),
    "download_dir": ("download_dir", (str,), "a string"),
    "bell": ("bell", (bool,), "true or false"),
    "notify": ("notify", (str,), "a string"),
    "theme": ("theme", (str,), "a string"),
    "read_only": ("read_only", (bool,), "true or false"),
    "max_concurrency": ("max_concurrency", (int,), "an integer"),
    "stall_after": ("stall_after", (int, float), "a number of seconds"),
    "preview_width": ("preview_width", (int,), "a number of columns"),
    "keymap": ("keymap", (dict,), "a table"),
    "archive_after_days": ("archive_after_days", (int, float), "a number of days"),
    "session_max_tasks": ("session_max_tasks", (int,), "an integer"),
}
_FIELD_TYPES = {name: (kinds, what) for name, kinds, what in _FILE_KEYS.values()}
_FIELD_TYPES["demo"] = ((bool,), "true or false")

_ENV_KEYS = {
    "APIMART_API_KEY": "token",
    "APIMART_BASE_URL": "base_url",
    "MJTUI_POLL_INTERVAL": "poll_interval",
    "MJTUI_IMAGES": "images",
    "MJTUI_NOTIFY": "notify",
    "MJTUI_STALL_AFTER": "stall_after",
    "MJTUI_PREVIEW_WIDTH": "preview_width",
}


def _type_ok(value: Any, kinds: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in kinds
    return isinstance(value, kinds)


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] = os.environ,
    config_path: Path | None = None,
) -> Settings:
    """Resolve settings: `overrides` (CLI; None values mean "not given") > `env` > the
    config file (`config_file()` unless `config_path`) > defaults."""
    path = config_path if config_path is not None else config_file()
    warnings: list[str] = []
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, value in _read_config_file(path, warnings).items():
        values[name], sources[name] = value, f"config file {path}"
    for var, name in _ENV_KEYS.items():
        text = env.get(var, "").strip()
        if not text:
            continue
        if name in ("poll_interval", "stall_after"):
            try:
                values[name] = float(text)
            except ValueError:
                raise ConfigError(f"{var} must be a number of seconds, not {text[:40]!r}") from None
        elif name == "preview_width":
            try:
                values[name] = int(text)
            except ValueError:
                raise ConfigError(f"{var} must be a number of columns, not {text[:40]!r}") from None
        else:
            values[name] = text
        sources[name] = f"env {var}"
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        if name not in _FIELD_TYPES:
            raise ConfigError(f"unknown setting {name!r} given on the command line")
        kinds, what = _FIELD_TYPES[name]
        if not _type_ok(value, kinds):
            raise ConfigError(f"command-line setting {name} must be {what}")
        values[name], sources[name] = value, "command line"
    settings = _validated(values, sources, warnings)
    return replace(
        settings,
        token_source=sources.get("token", "") if settings.token else "",
        config_path=str(path),
        warnings=tuple(warnings),
    )


def _validated(values: dict[str, Any], sources: dict[str, str], warnings: list[str]) -> Settings:
    """Check ranges and choices, naming where a bad value came from."""

    def fail(name: str, message: str) -> ConfigError:
        return ConfigError(f"{sources.get(name, 'settings')}: {message}")

    if "token" in values:
        values["token"] = values["token"].strip()  # a pasted key often brings a newline
        problem = api_key_problem(values["token"])
        if problem:
            raise fail("token", problem)
    if "base_url" in values:
        try:
            values["base_url"] = check_base_url(values["base_url"])
        except InsecureBaseUrl as exc:
            raise fail("base_url", str(exc)) from None
    for name, (low, high) in (("poll_interval", (POLL_MIN, POLL_MAX)),
                              ("stall_after", (STALL_MIN, STALL_MAX))):
        if name not in values:
            continue
        seconds = float(values[name])
        if not math.isfinite(seconds):
            raise fail(name, f"{name} must be a finite number of seconds")
        values[name] = max(low, min(high, seconds))
        if values[name] != seconds:
            warnings.append(f"{name} {seconds:g} s is outside {low:g}-{high:g} s; "
                            f"using {values[name]:g} s")
    for name, choices in (("images", IMAGE_MODES), ("notify", NOTIFY_MODES)):
        if name in values:
            values[name] = values[name].strip().lower()
            if values[name] not in choices:
                raise fail(name, f"{name} must be one of {', '.join(choices)}, "
                                 f"not {values[name][:40]!r}")
    width = values.get("preview_width", 0)
    if width and not PREVIEW_WIDTH_MIN <= width <= PREVIEW_WIDTH_MAX:
        raise fail("preview_width", f"preview_width must be 0 (fill the pane) or "
                   f"{PREVIEW_WIDTH_MIN}-{PREVIEW_WIDTH_MAX} columns, not {width}")
    if values.get("image_cache_mb", 0) < 0:
        raise fail("image_cache_mb", "image_cache_mb must be 0 or more")
    days = values.get("archive_after_days", 0)
    if not math.isfinite(days) or days < 0:
        raise fail("archive_after_days", "archive_after_days must be a number of days, 0 or more")
    if values.get("session_max_tasks", 0) < 0:
        raise fail("session_max_tasks", "session_max_tasks must be 0 or more")
    if "max_concurrency" in values:
        values["max_concurrency"] = max(1, min(CONCURRENCY_MAX, values["max_concurrency"]))
    if "keymap" in values:
        keymap = values["keymap"]
        bad = [k for k, v in keymap.items() if not isinstance(v, str)]
        if bad:
            raise fail("keymap", f"keymap values must be strings of keys (see {bad[0]!r})")
        problems = keymap_problems(keymap)
        if problems:
            raise fail("keymap", problems[0])
        values["keymap"] = MappingProxyType(dict(keymap))
    download = values.get("download_dir", "")
    values["download_dir"] = (
        str(Path(download).expanduser()) if download else str(default_download_dir())
    )
    return Settings(**values)


def _read_config_file(path: Path, warnings: list[str]) -> dict[str, Any]:
    """Settings-field values from the config file; missing file -> {}."""
    try:
        with open(path, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            raw = handle.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}", path=path) from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path} is not valid UTF-8 (at line {line})", path=path, line=line
        ) from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_of(str(exc))
        raise ConfigError(f"{path} does not parse: {exc}", path=path, line=line) from None
    if "api_key" in data and os.name != "nt" and mode & 0o077:
        raise ConfigError(
            f"{path} holds api_key but is readable by others (mode {oct(mode & 0o777)}); "
            f"run: chmod 600 {path}",
            path=path,
        )
    values: dict[str, Any] = {}
    unknown = []
    for key, value in data.items():
        if key not in _FILE_KEYS:
            unknown.append(key)
            continue
        name, kinds, what = _FILE_KEYS[key]
        if not _type_ok(value, kinds):
            raise ConfigError(f"{path}: {key} must be {what}, not {_toml_type(value)}", path=path)
        values[name] = value
    for key in unknown:
        close = difflib.get_close_matches(key, list(_FILE_KEYS), n=2)
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        warnings.append(f"{path}: unknown key {key[:40]!r} ignored{hint}")
    return values


def _line_of(message: str) -> int | None:
    marker = "at line "
    if marker not in message:
        return None
    digits = message.split(marker, 1)[1].split(",", 1)[0].strip()
    return int(digits) if digits.isdigit() else None


def _toml_type(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        str: "a string",
        list: "an array",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)
