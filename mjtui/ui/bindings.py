"""Every key binding, each with an id users can remap in `[keymap]` of config.toml.

The footer, the help screen and the command palette all read these, so a key is documented
once, here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from textual.binding import Binding

APP_BINDINGS: list[Binding] = []  # Textual's own (ctrl+q quit, ctrl+p palette) stay

DASHBOARD_BINDINGS: list[Binding] = [
    # The description is the footer's short word; the tooltip the full label that help and
    # the command palette show. First, so the footer keeps them even at 80 columns:
    Binding("question_mark,f1", "help", "Help", id="help", tooltip="Show every key"),
    Binding("q", "app.quit", "Quit", id="quit", tooltip="Quit mjtui"),
    # tasks
    Binding("a", "add_tasks", "Add", id="add-tasks", tooltip="Track task IDs (many at once)"),
    Binding("n", "new_imagine", "New", id="new-imagine",
            tooltip="Start a new job: imagine, describe, blend, edits or video"),
    Binding("e", "use_prompt", "Use prompt", id="use-prompt", show=False,
            tooltip="Use the task's prompt in a new imagine, parameters in their fields"),
    # follow-ups: before view and polling, so x and m stay in the footer at 80 columns
    # (r gives way there: the actions menu, x, rerolls too)
    Binding("u", "prefix('u')", "U1-4", id="upscale",
            tooltip="Upscale a tile of the grid (u, then 1-4)"),
    Binding("v", "prefix('v')", "V1-4", id="variation",
            tooltip="Vary a tile of the grid (v, then 1-4)"),
    Binding("x", "actions_menu", "Actions", id="actions",
            tooltip="Every button of the task (zoom, pan, vary, upscale...)"),
    Binding("m", "modal", "Answer", id="modal", tooltip="Answer a task that needs input"),
    Binding("r", "reroll", "Reroll", id="reroll", tooltip="Reroll the grid (a new job)"),
    Binding("1", "tile(1)", "Tile 1-4 (after u or v)", id="tile-1", show=False),
    Binding("2", "tile(2)", "Tile 1-4 (after u or v)", id="tile-2", show=False),
    Binding("3", "tile(3)", "Tile 1-4 (after u or v)", id="tile-3", show=False),
    Binding("4", "tile(4)", "Tile 1-4 (after u or v)", id="tile-4", show=False),
    Binding("l", "label", "Label", id="label", show=False, tooltip="Label the task"),
    Binding("delete", "remove", "Stop tracking", id="remove", show=False,
            tooltip="Stop tracking the task (or the marked ones)"),
    Binding("space", "toggle_mark", "Mark", id="mark", show=False,
            tooltip="Mark or unmark the task for a bulk action"),
    # view
    Binding("slash", "filter", "Filter", id="filter", tooltip="Filter the tasks by text"),
    Binding("escape", "escape", "Clear", id="clear", show=False,
            tooltip="Clear the filter and the marks"),
    Binding("s", "cycle_sort", "Sort", id="sort", tooltip="Sort by the next column"),
    Binding("L", "lineage", "Lineage", id="lineage", show=False,
            tooltip="Lineage: what the task came from and what came of it"),
    Binding("H", "archive", "Archive", id="archive", show=False,
            tooltip="Archive: search every finished task moved out of the session"),
    Binding("i", "gallery", "Gallery", id="gallery", show=False,
            tooltip="Gallery: the finished pictures as thumbnails (enter opens one)"),
    # polling
    Binding("p", "toggle_pause", "Pause", id="pause", tooltip="Pause or resume polling"),
    Binding("R", "refresh", "Refresh", id="refresh", show=False, tooltip="Poll every task now"),
    Binding("plus,equals_sign", "interval(1)", "Poll less often", id="interval-up", show=False,
            tooltip="Poll less often"),
    Binding("minus", "interval(-1)", "Poll more often", id="interval-down", show=False,
            tooltip="Poll more often"),
    Binding("b", "toggle_bell", "Bell", id="bell", show=False,
            tooltip="Turn the bell on or off"),
    # images
    Binding("t", "toggle_tiles", "Tiles", id="tiles", show=False,
            tooltip="Show the grid or its four tiles"),
    Binding("f", "fullscreen", "Full", id="fullscreen", show=False,
            tooltip="Show the picture full screen"),
    Binding("o", "open_url", "Open", id="open-url", show=False,
            tooltip="Open the picture in the browser"),
    Binding("c", "copy_url", "Copy URL", id="copy-url", show=False,
            tooltip="Copy the picture's URL"),
    Binding("d", "download", "Download", id="download", show=False,
            tooltip="Download the grid and its tiles"),
]
ARCHIVE_BINDINGS: list[Binding] = [
    Binding("escape", "close", "Back", id="archive-close", tooltip="Back to the dashboard"),
    Binding("enter", "choose('')", "To session", id="archive-open",
            tooltip="Bring the task back into the session and select it"),
    Binding("x", "choose('actions_menu')", "Actions", id="archive-actions",
            tooltip="Bring the task back and open its buttons (a new job)"),
    Binding("slash", "search", "Search", id="archive-search",
            tooltip="Type words of the prompt, label or ID"),
    Binding("i", "gallery", "Gallery", id="archive-gallery",
            tooltip="The results' pictures as thumbnails (enter brings one back)"),
]
GALLERY_BINDINGS: list[Binding] = [
    Binding("escape", "close", "Back", id="gallery-close", tooltip="Close the gallery"),
    Binding("enter", "open", "Open", id="gallery-open", tooltip="Open the selected task"),
    Binding("left", "move(-1)", "Left", id="gallery-left", show=False),
    Binding("right", "move(1)", "Right", id="gallery-right", show=False),
    Binding("up", "move(-4)", "Up", id="gallery-up", show=False),
    Binding("down", "move(4)", "Down", id="gallery-down", show=False),
    Binding("pageup", "page(-1)", "Previous page", id="gallery-page-up"),
    Binding("pagedown", "page(1)", "Next page", id="gallery-page-down"),
]
# Textual's own bindings that are not ours to explain (focus moves in forms, copying a
# text selection): help leaves them out.
TEXTUAL_INTERNALS: frozenset[str] = frozenset({
    "app.focus_next", "app.focus_previous", "focus_next", "focus_previous",
    "screen.copy_text", "copy_text", "help_quit",
})
# Full labels for Textual's bindings that are kept in help.
APP_LABELS: dict[str, str] = {"quit": "Quit mjtui", "command_palette": "Command palette"}

# Actions that open a text input or move focus. Keys typed right behind one of their keys, in
# the same terminal read, are held until the focus has moved, then go there (ui/key_hold.py).
OPENS_INPUT: frozenset[str] = frozenset({
    "filter", "add_tasks", "new_imagine", "use_prompt", "label", "modal",  # dashboard inputs
    "focus_next", "focus_previous",  # tab and shift+tab, in the dialogs' forms
    "command_palette",  # ctrl+p: its search box
    "archive",  # H: the archive's search box
})
# Actions that open a screen of keys. Keys typed right behind them are dropped once it is up:
# they were typed before anyone saw it (the actions menu's keys start billed jobs), and run
# on the dashboard under it they started jobs or opened a second dialog over the first.
OPENS_SCREEN: frozenset[str] = frozenset({
    "actions_menu", "help", "lineage", "fullscreen", "remove", "gallery",
})


def key_label(key: str, app: Any = None) -> str:
    """One key as people write it: `?` not question_mark, `/` not slash, `F1` not f1."""
    key = key.strip()
    if re.fullmatch(r"f\d{1,2}", key):
        return key.upper()
    if app is not None:
        return str(app.get_key_display(Binding(key, "")))
    return key


def keys_of(binding: Binding, app: Any = None, keymap: Mapping[str, str] | None = None) -> str:
    """The keys that run `binding` for this user ([keymap] applied), as people write them."""
    keys = (keymap or {}).get(binding.id or "", binding.key)
    return ", ".join(key_label(key, app) for key in keys.split(",") if key.strip())


def label_of(binding: Binding) -> str:
    """The full label help and the palette show (the footer keeps the short description)."""
    return APP_LABELS.get(binding.action) or binding.tooltip or binding.description
