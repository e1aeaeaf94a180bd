"""Command palette provider: every dashboard key, plus commands that have no key."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from mjtui.ui.bindings import DASHBOARD_BINDINGS

# Palette-only commands: (title, action on the dashboard, help).
EXTRA_COMMANDS = [
    ("Diagnostics", "diagnostics", "Versions, paths, API and terminal facts"),
    ("Save session now", "save_now", "Write the session file"),
    ("Clear marks", "clear_marks", "Unmark every marked task"),
    ("Copy task ID", "copy_id", "Copy the selected task's ID (OSC 52)"),
    ("Send a test notification", "app.test_notification",
     "A desktop notification through the terminal, to check it arrives"),
]


def palette_commands() -> list[tuple[str, str, str]]:
    """(title, action, help) for every command the palette offers."""
    seen: set[str] = set()
    commands = []
    for binding in DASHBOARD_BINDINGS:
        if binding.action in seen or binding.action.startswith("tile("):
            continue
        seen.add(binding.action)
        title = binding.tooltip or binding.description
        commands.append((title, binding.action, f"key: {binding.key}"))
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
        for title, action, help_text in palette_commands():
            yield DiscoveryHit(title, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in palette_commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action), help=help_text)
