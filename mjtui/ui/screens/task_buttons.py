"""A task's buttons as the dashboard offers them: find one by kind, the actions menu's rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from mjtui import buttons
from mjtui.buttons import ButtonKind, ButtonSpec
from mjtui.session import TrackedTask
from mjtui.ui.widgets.kind_detail import button_title, suggestion_of


def find_spec(tracked: TrackedTask, kind: ButtonKind, index: int | None = None) -> ButtonSpec | None:
    for spec in buttons.describe_all(tracked.task.buttons):
        if spec.kind is kind and (index is None or spec.index == index):
            return spec
    return None


def menu_of(specs: list[ButtonSpec], assign: Callable[[list[ButtonSpec]], dict[str, str]]
            ) -> tuple[list[ButtonSpec], dict[str, str]]:
    """The actions menu's rows and hotkeys: a describe's PicReader buttons are named for
    what they do here (open the imagine form with suggestion N: keys 1-4; Imagine all: a)."""
    rows, keys = [], {}
    for spec in specs:
        which = suggestion_of(spec.custom_id)
        if which is not None:
            spec = replace(spec, title=button_title(spec))
            keys[spec.custom_id] = "a" if which == "all" else str(which)
        rows.append(spec)
    others = assign([spec for spec in rows if spec.custom_id not in keys])
    return rows, {**others, **keys} if keys else others
