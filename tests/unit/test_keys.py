"""The key registry: one table of actions that feeds bindings, help, palette and [keymap]."""

from __future__ import annotations

import string
import subprocess
import sys

from mjtui import keys
from mjtui.keys import (
    DASHBOARD_ACTIONS,
    help_rows,
    key_label,
    key_name,
    keymap_problems,
    textual_keymap,
)
from mjtui.ui.bindings import DASHBOARD_BINDINGS
from mjtui.ui.palette import palette_commands


def test_the_registry_imports_no_textual() -> None:
    code = "import sys, mjtui.keys; sys.exit('textual' in sys.modules or 'rich' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_ids_are_unique_and_no_default_key_is_bound_twice() -> None:
    ids = [action.id for action in DASHBOARD_ACTIONS]
    assert len(ids) == len(set(ids))
    assert keymap_problems({}) == []


def test_bindings_are_built_from_the_registry() -> None:
    assert [(b.key, b.action, b.id, b.tooltip) for b in DASHBOARD_BINDINGS] == [
        (a.keys, a.action, a.id, a.description) for a in DASHBOARD_ACTIONS]
    billed = {b.action.split("(")[0] for b in DASHBOARD_BINDINGS
              if keys.BY_ID[b.id or ""].billed}
    assert billed == {"prefix", "tile", "reroll", "actions_menu", "modal", "new_imagine",
                      "use_prompt"}


def test_keys_read_as_people_write_them() -> None:
    assert [key_label(k) for k in ("question_mark", "f1", "slash", "ctrl+p", "plus", "L")] == [
        "?", "F1", "/", "ctrl+p", "+", "L"]


def test_keys_written_as_characters_get_textual_names() -> None:
    from textual.keys import _character_to_key

    for character in string.punctuation:
        assert key_name(character) == _character_to_key(character), character
        assert key_label(key_name(character)) == character
    assert [key_name(k) for k in ("ctrl+/", "ctrl++", "shift+?", " ?", "slash", "ctrl+f", "L")] \
        == ["ctrl+slash", "ctrl+plus", "shift+question_mark", "question_mark", "slash", "ctrl+f",
            "L"]


def test_the_keymap_for_textual_names_every_key() -> None:
    assert textual_keymap({"help": "f1", "upscale": "?", "filter": "/, ctrl+/, slash",
                           "interval-up": "+,="}) == {
        "help": "f1", "upscale": "question_mark", "filter": "slash,ctrl+slash",
        "interval-up": "plus,equals_sign"}


def test_a_key_bound_twice_is_found_written_either_way() -> None:
    for key in ("?", "question_mark"):
        (twice,) = keymap_problems({"upscale": key})
        assert "'?'" in twice and "'upscale'" in twice and "'help'" in twice
        assert keymap_problems({"upscale": key, "help": "f1"}) == []
    (twice,) = keymap_problems({"mark": "-"})
    assert "'-'" in twice and "'interval-down'" in twice


def test_keymap_problems_name_the_id_or_the_key() -> None:
    (unknown,) = keymap_problems({"dashboard.add": "a"})
    assert "'dashboard.add'" in unknown and "add-tasks" in unknown
    (twice,) = keymap_problems({"label": "d"})
    assert "'d'" in twice and "'label'" in twice and "'download'" in twice
    assert keymap_problems({"label": "d", "download": "D"}) == []


def test_help_rows_are_ours_only_with_the_keymap_applied() -> None:
    rows = {label: (scope, names) for scope, names, label in help_rows({"reroll": "e"})}
    assert rows["Reroll the grid (a new job)"] == ("Dashboard", ["e"])
    assert rows["Tile 1-4 (after u or v)"] == ("Dashboard", ["1", "2", "3", "4"])
    assert rows["Command palette"] == ("App", ["ctrl+p"])
    labels = " ".join(rows)
    assert "Focus" not in labels and "Copy selected text" not in labels


def test_palette_without_an_app_says_keys_as_people_read_them() -> None:
    commands = {title: help_text for title, _action, help_text in palette_commands()}
    assert commands["Show every key"] == "key: ?, F1"
    assert commands["Filter the tasks by text"] == "key: /"
    assert commands["Diagnostics"] and "Tile 1-4 (after u or v)" not in commands


def test_archive_and_gallery_keys_are_in_the_registry_each_bound_once_per_screen() -> None:
    from mjtui.ui.bindings import ARCHIVE_BINDINGS, GALLERY_BINDINGS

    assert [b.id for b in ARCHIVE_BINDINGS] == [a.id for a in keys.ARCHIVE_ACTIONS]
    assert [b.id for b in GALLERY_BINDINGS] == [a.id for a in keys.GALLERY_ACTIONS]
    # `i` is the gallery on the dashboard and in the archive: two screens, no clash
    assert keymap_problems({}) == [] and keymap_problems({"archive-gallery": "G"}) == []
    (twice,) = keymap_problems({"archive-search": "i"})
    assert "'archive-search'" in twice and "'archive-gallery'" in twice
