"""What `mjtui info` prints and the diagnostics screen shows: versions, paths, API, terminal.

The token itself never appears: only where it came from.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import TYPE_CHECKING, TextIO

from mjtui import __version__, paths
from mjtui.config import Settings
from mjtui.runtime import DEMO_BASE_URL, DEMO_SESSION
from mjtui.session import resolve_session_path

if TYPE_CHECKING:
    from mjtui.ui.app import MjtuiApp
    from mjtui.ui.preview import TerminalFacts

Fact = tuple[str, str, str]
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


def print_info(settings: Settings, out: TextIO) -> None:
    section = ""
    for group, key, value in settings_facts(settings):
        if group != section:
            section = group
            print(f"[{group}]", file=out)
        print(f"  {key:<20} {value}", file=out)


def diagnostics_facts(app: MjtuiApp) -> list[Fact]:
    """Everything `mjtui info` says, plus what only the running app knows."""
    facts = [f if f[:2] != ("paths", "session file") else ("paths", "session file",
                                                           str(app.session.path))
             for f in settings_facts(app.settings)]
    facts.append(("api", "health", app.tracker.health.state))
    facts.append(("api", "tasks polled", str(app.tracker.pending_count)))
    facts.append(("session", "name", app.session.name))
    facts.append(("session", "tasks", str(len(app.session))))
    facts += [("session", "warning", w) for w in app.session.warnings]
    facts.append(("terminal", "size", f"{app.size.width}x{app.size.height}"))
    facts.append(("terminal", "theme", app.theme))
    from mjtui.ui.preview import current_facts

    terminal = current_facts()
    if terminal is not None:
        facts.append(("images", "protocol", terminal.protocol.name))
        facts.append(("images", "why", terminal.protocol.reason))
        facts.append(("images", "cell size",
                      f"{terminal.cell_width}x{terminal.cell_height} px ({terminal.cell_size_source})"))
        facts += _probe_facts(terminal)
    else:
        facts.append(("images", "protocol", app.image_protocol))
    notifier = app.desktop_notifier
    choice = notifier.choice
    facts.append(("notifications", "mode", choice.mode))
    facts.append(("notifications", "why", choice.reason))
    if choice.tmux:
        passthrough = {True: "on", False: "off", None: "unknown"}[choice.passthrough]
        facts.append(("notifications", "tmux passthrough", f"needed; {passthrough}"))
    if choice.advice:
        facts.append(("notifications", "fix", choice.advice))
    focus = {True: "focused: notifications wait", False: "not focused",
             None: "not reported: notifications always go"}[notifier.focused]
    facts.append(("notifications", "window focus", focus))
    facts.append(("notifications", "sent", str(notifier.written)))
    return facts


def _probe_facts(terminal: TerminalFacts) -> list[Fact]:
    """What the terminal answered at start-up, and what came too late to count."""
    answers = terminal.answers
    facts: list[Fact] = []
    if answers is None:
        facts.append(("terminal", "probe", "not sent (previews forced or off, or no terminal)"))
    else:
        waited = f"{answers.elapsed * 1000:.0f} ms"
        facts.append(("terminal", "probe", f"answered in {waited}" if answers.answered
                      else f"no answer within {waited}"))
        facts.append(("terminal", "version (XTVERSION)", answers.version or "no answer"))
        attributes = ";".join(map(str, answers.attributes)) if answers.attributes else "no answer"
        facts.append(("terminal", "attributes (DA1)",
                      f"{attributes} (sixel)" if answers.sixel else attributes))
        graphics = {True: "OK", False: "refused", None: "not asked or no answer"}
        facts.append(("terminal", "Kitty graphics query", graphics[answers.kitty_graphics]))
    driver = sys.modules.get("mjtui.ui.input_driver")  # not loaded: not running in a tty
    if driver is not None:
        facts.append(("terminal", "answers taken out of the input",
                      str(driver.ReplyFilteringDriver.reply_filter.swallowed)))
    if terminal.truecolor_forced:
        why = "COLORTERM was not set: OpenSSH does not forward it"
        facts.append(("terminal", "colour", f"true colour forced for Kitty placeholders ({why})"))
    return facts
