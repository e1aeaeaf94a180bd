"""The dashboard's Textual bindings, built from the key registry (`mjtui.keys`).

A binding's description is the footer's short word, its tooltip the full label; its id is
the registry's, the name users remap in `[keymap]`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from textual.binding import Binding

from mjtui import keys
from mjtui.keys import ARCHIVE_ACTIONS, DASHBOARD_ACTIONS, GALLERY_ACTIONS, KeyAction


def _bindings(actions: Iterable[KeyAction]) -> list[Binding]:
    return [Binding(action.keys, action.action, action.short, id=action.id, show=action.footer,
                    tooltip=action.description) for action in actions]


DASHBOARD_BINDINGS = _bindings(DASHBOARD_ACTIONS)
ARCHIVE_BINDINGS = _bindings(ARCHIVE_ACTIONS)
GALLERY_BINDINGS = _bindings(GALLERY_ACTIONS)


def key_label(key: str, app: Any = None) -> str:
    """One key as the app shows it (`^f`, `?`, `F1`); without an app, as people write it."""
    label = keys.key_label(key)
    if app is None or label.startswith("F"):  # F1, not Textual's "f1"
        return label
    return str(app.get_key_display(Binding(key.strip(), "")))


def keys_label(names: Iterable[str], app: Any = None) -> str:
    """Several keys, each as the app shows it, joined: `?, F1`."""
    return ", ".join(key_label(name, app) for name in names)


def keys_of(action: KeyAction, app: Any = None, keymap: Mapping[str, str] | None = None) -> str:
    """The keys that run `action` for this user ([keymap] applied), as the app shows them."""
    return keys_label(keys.keys_for(action, keymap), app)


def user_keymap(app: Any) -> Mapping[str, str]:
    """The user's `[keymap]` (empty without an app or a config)."""
    settings = getattr(app, "settings", None)
    return getattr(settings, "keymap", None) or getattr(app, "_keymap", None) or {}
