"""The facts about a run that need no running app: versions, paths, API settings, terminal
variables. `mjtui info` prints them; the diagnostics screen starts from them. The token
itself never appears: only where it came from.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

from mjtui import __version__, paths
from mjtui.config import Settings
from mjtui.runtime import DEMO_BASE_URL, DEMO_SESSION
from mjtui.session import resolve_session_path

Fact = tuple[str, str, str]  # (section, name, value)
TERMINAL_VARS = ("TERM", "TERM_PROGRAM", "COLORTERM", "TMUX", "SSH_CONNECTION", "SSH_TTY",
                 "TEXTUAL_CELL_WIDTH", "TEXTUAL_CELL_HEIGHT")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def settings_facts(settings: Settings) -> list[Fact]:
    """Facts that need no running app (shared by `mjtui info` and the diagnostics screen)."""
    session = settings.session or (DEMO_SESSION if settings.demo else None)
    facts: list[Fact] = [
        ("versions", "mjtui", __version__),
        ("versions", "python", f"{platform.python_version()} ({sys.executable})"),
        *(("versions", p, _version(p)) for p in ("textual", "textual-image", "httpx", "pillow")),
        ("paths", "config file", str(paths.config_file())),
        ("paths", "session file", str(resolve_session_path(session))),
        ("paths", "sessions folder", str(paths.sessions_dir())),
        ("paths", "image cache", str(paths.cache_dir() / "images")),
        ("paths", "downloads", settings.download_dir or str(paths.default_download_dir())),
        ("api", "base URL", DEMO_BASE_URL + " (in-process fake)" if settings.demo else settings.base_url),
        ("api", "API key", "demo key" if settings.demo else
         (f"set (from {settings.token_source})" if settings.token else "not set")),
        ("api", "poll interval", f"{settings.poll_interval:g}s"),
        ("api", "read-only", "yes" if settings.read_only else "no"),
        ("images", "requested protocol", settings.images),
    ]
    facts += [("terminal", name, os.environ.get(name, "")) for name in TERMINAL_VARS]
    facts += [("config", "warning", w) for w in settings.warnings]
    return facts
