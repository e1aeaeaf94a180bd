"""The `?` screen: every key of ours, grouped, read from the key registry (never hand-written).

Textual's own bindings (focus moves in forms, copying a selection) are not ours to explain
and are not listed; a key remapped in `[keymap]` shows as remapped.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mjtui.keys import help_rows
from mjtui.ui.bindings import keys_label, user_keymap
from mjtui.ui.dialogs.base import help_line, title_bar

HelpRow = tuple[str, str, str]


def key_rows(app: App[Any] | None = None) -> list[HelpRow]:
    """(group, keys, description) for every key of ours (the registry in `mjtui.keys`),
    with the user's `[keymap]` applied and keys shown as `app` displays them."""
    return [(group, keys_label(names, app), description)
            for group, names, description in help_rows(user_keymap(app))]


def grouped(rows: list[HelpRow]) -> dict[str, list[tuple[str, str]]]:
    """Rows by group, groups in first-seen order."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for group, keys, description in rows:
        groups.setdefault(group, []).append((keys, description))
    return groups


class HelpScreen(ModalScreen[None]):
    """A scrollable, grouped table of keys. `escape`, `q` or `?` close it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", show=False),
    ]

    def __init__(self, bindings: list[HelpRow]) -> None:
        super().__init__(classes="dialog-screen")
        self.rows = list(bindings)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help-screen"):
            yield title_bar("Keys")
            with VerticalScroll(id="help-groups", classes="dialog-scroll"):
                for group, items in grouped(self.rows).items():
                    yield Static(Text(group), classes="help-group-title")
                    table = Table.grid(padding=(0, 2))
                    table.add_column(style="bold", min_width=12, no_wrap=True)
                    table.add_column()
                    for keys, description in items:
                        table.add_row(Text(keys), Text(description))
                    yield Static(table, classes="help-group")
            yield help_line("↑↓ pgup pgdn scroll · esc / q / ? close")

    def on_mount(self) -> None:
        self.query_one("#help-groups").focus()

    def action_close(self) -> None:
        self.dismiss(None)
