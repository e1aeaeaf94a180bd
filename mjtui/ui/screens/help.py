"""The `?` screen: every key, grouped, generated from the real bindings (never hand-written).

`bindings_table()` turns Textual bindings into (group, keys, description) rows; the app passes
its own classes (or `app.active_bindings`) so a remapped key shows as remapped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding, BindingsMap, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mjtui.ui.bindings import TEXTUAL_INTERNALS, key_label, label_of
from mjtui.ui.screens.dialogs import help_line, title_bar

HelpRow = tuple[str, str, str]
BindingSource = Any  # a class/instance with BINDINGS, (group, bindings), or active_bindings


def _group_of(node: object) -> str:
    """A node's group title: its BINDING_GROUP_TITLE, else its class name."""
    cls = node if isinstance(node, type) else type(node)
    return getattr(node, "BINDING_GROUP_TITLE", None) or cls.__name__


def _key_display(binding: Binding, app: App[Any] | None) -> str:
    return binding.key_display or key_label(binding.key, app)


def _expand(source: BindingSource, keymap: Mapping[str, str]) -> Iterable[tuple[str, Binding]]:
    """(group, single-key binding) pairs from one source, with the user's keymap applied."""
    if isinstance(source, Mapping):  # Screen/App.active_bindings: keymap already applied
        for active in source.values():
            if isinstance(active, ActiveBinding):
                yield _group_of(active.node), active.binding
        return
    if isinstance(source, tuple) and len(source) == 2 and isinstance(source[0], str):
        group, bindings_map = source[0], BindingsMap(source[1])
    else:
        group = _group_of(source)
        live = None if isinstance(source, type) else getattr(source, "_bindings", None)
        # A live node's map may hold bindings added at runtime; copy it, never change it.
        bindings_map = live.copy() if live is not None else BindingsMap(source.BINDINGS)
    if keymap:
        bindings_map.apply_keymap(dict(keymap))
    for _key, binding in bindings_map:
        yield group, binding


def bindings_table(*binding_sources: BindingSource, app: App[Any] | None = None) -> list[HelpRow]:
    """Rows (group, keys, description) for every described binding, keys of one action joined.

    A source is a class or node with BINDINGS (grouped by its BINDING_GROUP_TITLE or class
    name), a `(group, bindings)` pair, or a mapping like `app.active_bindings`. Bindings
    without a description, and Textual's own (focus moves, copying a selection), are left
    out; each row says the binding's full label (its tooltip). Order follows the sources. With `app`,
    keys are shown as the app displays them and the user's keymap remaps are applied; an App
    among the sources serves as `app` when none is given.
    """
    if app is None:
        app = next((s for s in binding_sources if isinstance(s, App)), None)
    # Textual keeps the keymap privately and applies it lazily; read it to show remaps.
    keymap: Mapping[str, str] = getattr(app, "_keymap", {}) if app is not None else {}
    rows: dict[tuple[str, str], list[str]] = {}
    for source in binding_sources:
        for group, binding in _expand(source, keymap):
            if not binding.description or binding.action in TEXTUAL_INTERNALS:
                continue
            # Keyed by label: tile(1)...tile(4) make one row, "1, 2, 3, 4".
            keys = rows.setdefault((group, label_of(binding)), [])
            display = _key_display(binding, app)
            if display not in keys:
                keys.append(display)
    return [(group, ", ".join(keys), label) for (group, label), keys in rows.items()]


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
