"""Every key binding, each with an id users can remap in `[keymap]` of config.toml.

The footer, the help screen and the command palette all read these, so a key is documented
once, here.
"""

from __future__ import annotations

from textual.binding import Binding

APP_BINDINGS: list[Binding] = []  # Textual's own (ctrl+q quit, ctrl+p palette) stay

DASHBOARD_BINDINGS: list[Binding] = [
    # first, so the footer keeps them even at 80 columns
    Binding("question_mark,f1", "help", "Help", id="help"),
    Binding("q", "app.quit", "Quit", id="quit"),
    # tasks
    Binding("a", "add_tasks", "Add", id="add-tasks", tooltip="Track task IDs (many at once)"),
    Binding("n", "new_imagine", "New", id="new-imagine", tooltip="Start a new imagine job"),
    Binding("l", "label", "Label", id="label", show=False),
    Binding("delete", "remove", "Remove", id="remove", show=False),
    Binding("space", "toggle_mark", "Mark", id="mark", show=False),
    # view
    Binding("slash", "filter", "Filter", id="filter"),
    Binding("escape", "escape", "Clear", id="clear", show=False),
    Binding("s", "cycle_sort", "Sort", id="sort"),
    Binding("L", "lineage", "Lineage", id="lineage", show=False),
    # polling
    Binding("p", "toggle_pause", "Pause", id="pause"),
    Binding("R", "refresh", "Refresh", id="refresh", show=False),
    Binding("plus,equals_sign", "interval(1)", "Slower", id="interval-up", show=False),
    Binding("minus", "interval(-1)", "Faster", id="interval-down", show=False),
    Binding("b", "toggle_bell", "Bell", id="bell", show=False),
    # follow-ups
    Binding("u", "prefix('u')", "U1-4", id="upscale"),
    Binding("v", "prefix('v')", "V1-4", id="variation"),
    Binding("r", "reroll", "Reroll", id="reroll"),
    Binding("x", "actions_menu", "Actions", id="actions"),
    Binding("m", "modal", "Answer", id="modal"),
    Binding("1", "tile(1)", "tile 1 (after u or v)", id="tile-1", show=False),
    Binding("2", "tile(2)", "tile 2 (after u or v)", id="tile-2", show=False),
    Binding("3", "tile(3)", "tile 3 (after u or v)", id="tile-3", show=False),
    Binding("4", "tile(4)", "tile 4 (after u or v)", id="tile-4", show=False),
    # images
    Binding("t", "toggle_tiles", "Tiles", id="tiles", show=False),
    Binding("f", "fullscreen", "Full", id="fullscreen", show=False),
    Binding("o", "open_url", "Open", id="open-url", show=False),
    Binding("c", "copy_url", "Copy URL", id="copy-url", show=False),
    Binding("d", "download", "Download", id="download", show=False),
]

# Actions that open a text input or move focus. Keys typed right behind one of their keys, in
# the same terminal read, are held until the focus has moved, then go there (ui/key_hold.py).
OPENS_INPUT: frozenset[str] = frozenset({
    "filter", "add_tasks", "new_imagine", "label", "modal",  # the dashboard's inputs
    "focus_next", "focus_previous",  # tab and shift+tab, in the dialogs' forms
    "command_palette",  # ctrl+p: its search box
})
# Actions that open a screen of keys. Keys typed right behind them are dropped once it is up:
# they were typed before anyone saw it (the actions menu's keys start billed jobs), and run
# on the dashboard under it they started jobs or opened a second dialog over the first.
OPENS_SCREEN: frozenset[str] = frozenset({
    "actions_menu", "help", "lineage", "fullscreen", "remove",
})
