"""A footer that greys keys in place instead of rebuilding itself.

Textual's `Footer` recomposes (a new widget per key) whenever the screen's bindings are
refreshed, and draws the whole line twice: once with the new widgets, once after their
layout. On the dashboard that happens on most cursor moves, because which follow-up keys
apply depends on the task under the cursor: the whole line went over the wire on those
moves though only which keys are dim had changed (bench/README.md, "Cursor moves within
budget"). When the same keys are shown in the same order, this one
toggles their dim state and repaints just them; anything else recomposes as before.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class QuietFooter(Footer):
    """`Footer`, with enable/grey changes applied to the existing keys."""

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._update_keys)

    async def _update_keys(self) -> None:
        if not self.is_attached:
            return
        enabled: dict[str, bool] = {}
        shown: list[tuple[str, str]] = []
        for _node, binding, on, _tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in enabled:
                enabled[binding.action] = on
                shown.append((binding.action, binding.key))
        keys = list(self.query(FooterKey))
        palette = self.app.COMMAND_PALETTE_BINDING
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            entry = self.screen.active_bindings.get(palette)
            if entry is not None:
                enabled.setdefault(entry[1].action, entry[2])
                shown.append((entry[1].action, entry[1].key))
        if [(key.action, key.key) for key in keys] != shown:
            await self.recompose()
            return
        for key in keys:
            disabled = not enabled.get(key.action, True)
            if key._disabled != disabled:  # what FooterKey checks before running a click
                key._disabled = disabled
                key.set_class(disabled, "-disabled")
