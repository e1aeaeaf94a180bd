"""The detail pane's key/value rows draw exactly as the Rich grid they replace."""

from __future__ import annotations

import io

import pytest
from rich.console import Console, Group
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from ui_fixtures import HOSTILE

from mjtui.ui.format import safe_text
from mjtui.ui.widgets.detail import KeyValues

WIDE = "漢字のプロンプト 🎨🖼️ 👩‍👩‍👧 e\u0301"


def _rows() -> list[tuple[str, Text]]:
    children = Text("…0000000000001  imagine  SUCCESS")
    children.append("\n…0000000000002  ")
    children.append_text(safe_text(WIDE, limit=30))
    children.append("  FAILURE", style="red")
    buttons = Text("U1 · U2 · ")
    buttons.append("V1", style="dim")
    return [
        ("ID", safe_text("task_01K0000000000000000000000000")),
        ("Label", safe_text(HOSTILE, limit=200)),
        ("Action", safe_text("–")),
        ("Made by", safe_text(WIDE * 3, limit=200)),
        ("Problem", safe_text("connection refused " * 6, "bold red", limit=1000)),
        ("Needs input", Text("12:05 left to answer (press m)", style="yellow")),
        ("Reason", safe_text("averyveryverylongwordwithoutanyspaces" * 3, "red")),
        ("Submitted", Text("2026-01-01 00:00:00")),
        ("Updated", Text("3m ago", style="dim")),
        ("Parent", Text("")),
        ("Children", children),
        ("Buttons", buttons),
        ("Prompt", safe_text("a cat\tin\na hat  ", limit=100)),
    ]


def _segments(renderable: object, width: int) -> list[Segment]:
    console = Console(width=width, file=io.StringIO(), color_system="truecolor",
                      legacy_windows=False)
    return list(console.render(Group(renderable), console.options))


@pytest.mark.parametrize("key_style", [Style(bold=True, color="cyan"), Style.null()])
@pytest.mark.parametrize("count", [1, 2, 5, 13])
def test_key_values_match_the_rich_grid(key_style: Style, count: int) -> None:
    grid = KeyValues(key_style)
    for key, value in _rows()[:count]:
        grid.add_row(key, value)
    for width in range(1, 130):
        assert _segments(grid, width) == _segments(grid.table(), width), width


def test_key_values_without_rows_match_the_rich_grid() -> None:
    grid = KeyValues(Style(bold=True))
    assert _segments(grid, 40) == _segments(grid.table(), 40)
