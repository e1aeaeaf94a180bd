"""Command palette provider: every dashboard key, plus commands that have no key."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from mjtui.ui.bindings import DASHBOARD_BINDINGS, keys_of, label_of

# Palette-only commands: (title, action on the dashboard, help).
EXTRA_COMMANDS = [
    ("Diagnostics", "diagnostics", "Versions, paths, API and terminal facts"),
    ("Save session now", "save_now", "Write the session file"),
    ("Clear marks", "clear_marks", "Unmark every marked task"),
    ("Copy task ID", "copy_id", "Copy the selected task's ID (OSC 52)"),
    ("Send a test notification", "app.test_notification",
     "A desktop notification through the terminal, to check it arrives"),
]


def palette_commands(app: Any = None) -> list[tuple[str, str, str]]:
    """(title, action, help) for every command the palette offers; the help says the keys
    this user has (`?, F1`, `/`, a [keymap] remap), as `app` displays them."""
    keymap: Mapping[str, str] = getattr(app, "_keymap", {}) if app is not None else {}
    seen: set[str] = set()
    commands = []
    for binding in DASHBOARD_BINDINGS:
        if binding.action in seen or binding.action.startswith("tile("):
            continue
        seen.add(binding.action)
        keys = keys_of(binding, app, keymap)
        commands.append((label_of(binding), binding.action, f"key: {keys}" if keys else ""))
    for title, action, help_text in EXTRA_COMMANDS:
        if action not in seen:
            seen.add(action)
            commands.append((title, action, help_text))
    return commands


class MjtuiCommands(Provider):
    """Offers the dashboard's actions by name."""

    async def _run(self, action: str) -> None:
        await self.app.screen.run_action(action)

    async def discover(self) -> Hits:
        for title, action, help_text in palette_commands(self.app):
            yield DiscoveryHit(title, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in palette_commands(self.app):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action), help=help_text)
