"""Diagnostics: versions, paths, API, terminal and image facts, and a key to copy them all.

The facts come from the caller (the app knows them); this screen only lays them out and
copies them through OSC 52 (`App.copy_to_clipboard`), which also works over SSH.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mjtui.text import printable
from mjtui.ui.dialogs.base import help_line, title_bar

Fact = tuple[str, str, str]


def sections(facts: list[Fact]) -> dict[str, list[tuple[str, str]]]:
    """Facts by section, sections in first-seen order."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for section, key, value in facts:
        grouped.setdefault(section, []).append((key, value))
    return grouped


def report_text(facts: list[Fact]) -> str:
    """The plain-text report that `c` copies: `[section]` headers, `key: value` lines."""
    blocks = []
    for section, items in sections(facts).items():
        lines = [f"[{printable(section)}]"]
        lines += [f"{printable(key)}: {printable(value)}" for key, value in items]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


class DiagnosticsScreen(ModalScreen[None]):
    """A scrollable two-column table of facts. `c` copies the report, `escape` closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy report", show=False),
        Binding("escape,q", "close", "Close", show=False),
    ]

    def __init__(self, facts: list[Fact]) -> None:
        super().__init__(classes="dialog-screen")
        self.facts = list(facts)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog diagnostics-screen"):
            yield title_bar("Diagnostics")
            with VerticalScroll(id="facts", classes="dialog-scroll"):
                for section, items in sections(self.facts).items():
                    yield Static(Text(printable(section)), classes="help-group-title")
                    table = Table.grid(padding=(0, 2))
                    table.add_column(style="bold", min_width=16, max_width=28)
                    table.add_column(overflow="fold")
                    for key, value in items:
                        table.add_row(Text(printable(key)), Text(printable(value)))
                    yield Static(table, classes="help-group")
            yield help_line("c copy report · ↑↓ scroll · esc close")

    def on_mount(self) -> None:
        self.query_one("#facts").focus()

    def action_copy(self) -> None:
        text = report_text(self.facts)
        self.app.copy_to_clipboard(text)
        lines = text.count("\n")
        self.notify(f"Copied the diagnostics report ({lines} lines) to the clipboard.")

    def action_close(self) -> None:
        self.dismiss(None)
