"""Command palette provider: every dashboard key, plus commands that have no key."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from mjtui.keys import DASHBOARD_ACTIONS, PALETTE_ONLY
from mjtui.ui.bindings import keys_of, user_keymap


def palette_commands(app: Any = None) -> list[tuple[str, str, str]]:
    """(title, action, help) for every command the palette offers; the help says the keys
    this user has (`?, F1`, `/`, a [keymap] remap), as `app` displays them."""
    keymap = user_keymap(app)
    seen: set[str] = set()
    commands = []
    for action in DASHBOARD_ACTIONS:
        if action.action in seen or action.name == "tile":
            continue
        seen.add(action.action)
        keys = keys_of(action, app, keymap)
        commands.append((action.description, action.action, f"key: {keys}" if keys else ""))
    for title, name, help_text in PALETTE_ONLY:
        if name not in seen:
            seen.add(name)
            commands.append((title, name, help_text))
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
