"""Every action a key runs: its id, default keys, words and group. No Textual here.

The dashboard's Textual bindings (`mjtui.ui.bindings`), the footer, the help screen, the
command palette and the `[keymap]` check of config.toml all read this one table, so a key
is declared and described once. Keys are Textual key names (`question_mark`, `slash`,
`ctrl+f`), comma separated; `key_label` turns them into what people read. `[keymap]` may
also write a key as its character (`?`, `ctrl+/`): `key_name` gives it Textual's name.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class KeyAction:
    """One remappable action: `id` is its name in `[keymap]`."""

    id: str
    action: str  # what the key runs on the dashboard, e.g. "prefix('u')" or "app.quit"
    keys: str  # default keys, comma separated
    short: str  # the footer's word
    description: str  # the full label help and the palette show
    group: str  # what it is about: tasks, follow-ups, view, polling, images
    footer: bool = True  # shown in the footer (when there is room)
    billed: bool = False  # starts a billed job (greyed when read-only)
    scope: str = "dashboard"  # the screen it is bound on: a key is bound once per screen

    @property
    def name(self) -> str:
        """The action's name without its arguments: `prefix` for "prefix('u')"."""
        return self.action.split("(", 1)[0]


def _tile(n: int) -> KeyAction:
    return KeyAction(f"tile-{n}", f"tile({n})", str(n), "Tile 1-4 (after u or v)",
                     "Tile 1-4 (after u or v)", "follow-ups", footer=False, billed=True)


# In footer order: the first ones keep their place even at 80 columns. Follow-ups come
# before view and polling so x and m stay there (r gives way: x rerolls too).
DASHBOARD_ACTIONS: tuple[KeyAction, ...] = (
    KeyAction("help", "help", "question_mark,f1", "Help", "Show every key", "app"),
    KeyAction("quit", "app.quit", "q", "Quit", "Quit mjtui", "app"),
    KeyAction("add-tasks", "add_tasks", "a", "Add", "Track task IDs (many at once)", "tasks"),
    KeyAction("new-imagine", "new_imagine", "n", "New",
              "Start a new job: imagine, describe, blend, edits or video", "tasks", billed=True),
    KeyAction("use-prompt", "use_prompt", "e", "Use prompt",
              "Use the task's prompt in a new imagine, parameters in their fields", "tasks",
              footer=False, billed=True),
    KeyAction("upscale", "prefix('u')", "u", "U1-4", "Upscale a tile of the grid (u, then 1-4)",
              "follow-ups", billed=True),
    KeyAction("variation", "prefix('v')", "v", "V1-4", "Vary a tile of the grid (v, then 1-4)",
              "follow-ups", billed=True),
    KeyAction("actions", "actions_menu", "x", "Actions",
              "Every button of the task (zoom, pan, vary, upscale...)", "follow-ups", billed=True),
    KeyAction("modal", "modal", "m", "Answer", "Answer a task that needs input", "follow-ups",
              billed=True),
    KeyAction("reroll", "reroll", "r", "Reroll", "Reroll the grid (a new job)", "follow-ups",
              billed=True),
    *(_tile(n) for n in range(1, 5)),
    KeyAction("label", "label", "l", "Label", "Label the task", "tasks", footer=False),
    KeyAction("remove", "remove", "delete", "Stop tracking",
              "Stop tracking the task (or the marked ones)", "tasks", footer=False),
    KeyAction("mark", "toggle_mark", "space", "Mark",
              "Mark or unmark the task for a bulk action", "tasks", footer=False),
    KeyAction("filter", "filter", "slash", "Filter", "Filter the tasks by text", "view"),
    KeyAction("clear", "escape", "escape", "Clear", "Clear the filter and the marks", "view",
              footer=False),
    KeyAction("sort", "cycle_sort", "s", "Sort", "Sort by the next column", "view"),
    KeyAction("lineage", "lineage", "L", "Lineage",
              "Lineage: what the task came from and what came of it", "view", footer=False),
    KeyAction("archive", "archive", "H", "Archive",
              "Archive: search every finished task moved out of the session", "view",
              footer=False),
    KeyAction("gallery", "gallery", "i", "Gallery",
              "Gallery: the finished pictures as thumbnails (enter opens one)", "view",
              footer=False),
    KeyAction("pause", "toggle_pause", "p", "Pause", "Pause or resume polling", "polling"),
    KeyAction("refresh", "refresh", "R", "Refresh", "Poll every task now", "polling",
              footer=False),
    KeyAction("interval-up", "interval(1)", "plus,equals_sign", "Poll less often",
              "Poll less often", "polling", footer=False),
    KeyAction("interval-down", "interval(-1)", "minus", "Poll more often", "Poll more often",
              "polling", footer=False),
    KeyAction("bell", "toggle_bell", "b", "Bell", "Turn the bell on or off", "polling",
              footer=False),
    KeyAction("tiles", "toggle_tiles", "t", "Tiles", "Show the grid or its four tiles",
              "images", footer=False),
    KeyAction("fullscreen", "fullscreen", "f", "Full", "Show the picture full screen", "images",
              footer=False),
    KeyAction("open-url", "open_url", "o", "Open", "Open the picture in the browser", "images",
              footer=False),
    KeyAction("copy-url", "copy_url", "c", "Copy URL", "Copy the picture's URL", "images",
              footer=False),
    KeyAction("download", "download", "d", "Download", "Download the grid and its tiles",
              "images", footer=False),
)


def _archive(id: str, action: str, keys: str, short: str, description: str) -> KeyAction:
    return KeyAction(id, action, keys, short, description, "archive", scope="archive")


def _gallery(id: str, action: str, keys: str, short: str, description: str = "",
             footer: bool = True) -> KeyAction:
    return KeyAction(id, action, keys, short, description or short, "gallery", footer=footer,
                     scope="gallery")


ARCHIVE_ACTIONS: tuple[KeyAction, ...] = (
    _archive("archive-close", "close", "escape", "Back", "Back to the dashboard"),
    _archive("archive-open", "choose('')", "enter", "To session",
             "Bring the task back into the session and select it"),
    _archive("archive-actions", "choose('actions_menu')", "x", "Actions",
             "Bring the task back and open its buttons (a new job)"),
    _archive("archive-search", "search", "slash", "Search", "Type words of the prompt, label or ID"),
    _archive("archive-gallery", "gallery", "i", "Gallery",
             "The results' pictures as thumbnails (enter brings one back)"),
)
GALLERY_ACTIONS: tuple[KeyAction, ...] = (
    _gallery("gallery-close", "close", "escape", "Back", "Close the gallery"),
    _gallery("gallery-open", "open", "enter", "Open", "Open the selected task"),
    _gallery("gallery-left", "move(-1)", "left", "Left", footer=False),
    _gallery("gallery-right", "move(1)", "right", "Right", footer=False),
    _gallery("gallery-up", "move(-4)", "up", "Up", footer=False),
    _gallery("gallery-down", "move(4)", "down", "Down", footer=False),
    _gallery("gallery-page-up", "page(-1)", "pageup", "Previous page"),
    _gallery("gallery-page-down", "page(1)", "pagedown", "Next page"),
)
EVERY_ACTION = DASHBOARD_ACTIONS + ARCHIVE_ACTIONS + GALLERY_ACTIONS

# Textual's own keys that we document (help lists them; they are not remappable here).
APP_KEYS: tuple[tuple[str, str], ...] = (
    ("ctrl+q", "Quit mjtui"),
    ("ctrl+p", "Command palette"),
)

# Palette-only commands, with no key: (title, action on the dashboard, help).
PALETTE_ONLY: tuple[tuple[str, str, str], ...] = (
    ("Diagnostics", "diagnostics", "Versions, paths, API and terminal facts"),
    ("Save session now", "save_now", "Write the session file"),
    ("Clear marks", "clear_marks", "Unmark every marked task"),
    ("Copy task ID", "copy_id", "Copy the selected task's ID (OSC 52)"),
    ("Send a test notification", "app.test_notification",
     "A desktop notification through the terminal, to check it arrives"),
)

BY_ID: dict[str, KeyAction] = {action.id: action for action in EVERY_ACTION}
# Action names (no arguments) of the keys that start billed jobs.
BILLED: frozenset[str] = frozenset(a.name for a in DASHBOARD_ACTIONS if a.billed)

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

# Textual names a key that types a character other than a letter or a digit after the
# character's Unicode name, in lower case with underscores (`?` question_mark, ` ` space),
# but for these, which it shortens (textual.keys.KEY_NAME_REPLACEMENTS).
_SHORTER_NAMES: dict[str, str] = {
    "solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
    "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore",
}


def _character_key(character: str) -> str:
    """One typed character as Textual names its key: `?` -> question_mark, `a` -> a."""
    if character.isalnum():
        return character
    try:
        name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:  # a control character has no name: leave it as written
        return character
    return _SHORTER_NAMES.get(name, name)


def key_name(key: str) -> str:
    """A key as Textual names it: `?` -> question_mark, `ctrl+/` -> ctrl+slash, `+` -> plus.

    A name (`slash`, `ctrl+f`, `L`) comes back as it is. Textual renames a lone character
    itself, but not one after a modifier: there `ctrl+/` would match no key press, and the
    `[keymap]` check would not see that `?` is help's question_mark."""
    key = key.strip()
    if len(key) == 1:
        return _character_key(key)
    if key.endswith("++"):  # `ctrl++`: the key is the plus sign
        return key[:-1] + _character_key("+")
    modifiers, plus, last = key.rpartition("+")
    if plus and len(last) == 1:
        return modifiers + plus + _character_key(last)
    return key


# Names of the keys that type punctuation -> the character people read (question_mark -> ?).
_KEY_SYMBOLS: dict[str, str] = {_character_key(c): c for c in string.punctuation}
_KEY_SYMBOLS.update(escape="esc", delete="del")


def split_keys(keys: str) -> list[str]:
    """`"plus, =, plus"` -> `["plus", "equals_sign"]`: Textual's names, each once."""
    return list(dict.fromkeys(key_name(key) for key in keys.split(",") if key.strip()))


def key_label(key: str) -> str:
    """One key as people write it: `?` not question_mark, `/` not slash, `F1` not f1."""
    key = key.strip()
    if re.fullmatch(r"f\d{1,2}", key):
        return key.upper()
    return _KEY_SYMBOLS.get(key, key)


def keys_for(action: KeyAction, keymap: Mapping[str, str] | None = None) -> list[str]:
    """The keys that run `action` for this user: the `[keymap]` entry, else the defaults."""
    return split_keys((keymap or {}).get(action.id, action.keys))


def textual_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """The `[keymap]` table for `App.set_keymap`, every key by its Textual name (`ctrl+/` ->
    ctrl+slash): the only spelling a key press matches."""
    return {action_id: ",".join(keys_for(BY_ID[action_id], keymap)) for action_id in keymap}


def keymap_problems(keymap: Mapping[str, str]) -> list[str]:
    """What is wrong with a `[keymap]` table, each said in a sentence (empty: nothing).

    An id we do not know (a typo would silently do nothing), or one key given to two
    actions (only one of them could ever run)."""
    problems = []
    for action_id in keymap:
        if action_id not in BY_ID:
            known = ", ".join(sorted(BY_ID))
            problems.append(f"unknown action id {action_id!r} in [keymap]; the ids are: {known}")
    if problems:
        return problems
    app_keys = {(key, scope): "the app's own key" for key, _ in APP_KEYS
                for scope in ("dashboard", "archive", "gallery")}
    owners: dict[tuple[str, str], str] = dict(app_keys)
    for action in EVERY_ACTION:
        for key in keys_for(action, keymap):
            owner = owners.setdefault((key, action.scope), repr(action.id))
            if owner != repr(action.id):
                problems.append(f"key {key_label(key)!r} is bound twice in [keymap]: to "
                                f"{action.id!r} and to {owner}")
    return problems


def help_rows(keymap: Mapping[str, str] | None = None) -> list[tuple[str, list[str], str]]:
    """(scope, keys, description) for every key help lists, in footer order; the four tile
    keys make one row. Keys are Textual names: the UI shows them as the app displays keys."""
    rows: dict[tuple[str, str], list[str]] = {}
    for key, description in APP_KEYS:
        rows.setdefault(("App", description), []).append(key)
    for action in DASHBOARD_ACTIONS:
        keys = rows.setdefault(("Dashboard", action.description), [])
        keys.extend(k for k in keys_for(action, keymap) if k not in keys)
    return [(scope, keys, label) for (scope, label), keys in rows.items()]
