"""What the diagnostics screen shows: everything `mjtui info` says, plus what only the
running app knows (API health, the terminal's answers, notifications)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from mjtui.facts import Fact, settings_facts

if TYPE_CHECKING:
    from mjtui.ui.app import MjtuiApp
    from mjtui.ui.preview import TerminalFacts


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
        facts += probe_facts(terminal)
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


def probe_facts(terminal: TerminalFacts) -> list[Fact]:
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
