"""What mjtui knows about terminals, shared by the image-protocol choice (ui/terminals.py)
and desktop notifications (notify.py): the ways a picture can be drawn, and the table of
terminals recognised by their version answer (XTVERSION). No Textual import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The ways a picture reaches the terminal: Kitty graphics (TGP), Sixel, half-cell blocks,
# Unicode blocks, or not at all. `auto` chooses one of them from the terminal's answers.
IMAGE_PROTOCOLS = ("tgp", "sixel", "halfcell", "unicode", "none")
IMAGE_MODES = ("auto", *IMAGE_PROTOCOLS)
# Kitty's Unicode placeholders can address at most 297 rows or columns of one picture.
KITTY_PLACEHOLDER_MAX_CELLS = 290


@dataclass(frozen=True, slots=True)
class KnownTerminal:
    """A terminal recognised from its XTVERSION answer."""

    name: str
    pattern: re.Pattern[str]  # group 1 is the version (may be empty)
    placeholders_since: tuple[int, ...] | None  # Kitty Unicode placeholders from; None: never
    notify: str | None  # its desktop-notification sequence (notify.MODES); None: only the bell


def _known(name: str, pattern: str, since: tuple[int, ...] | None,
           notify: str | None = None) -> KnownTerminal:
    return KnownTerminal(name, re.compile(pattern, re.IGNORECASE), since, notify)


TERMINALS: tuple[KnownTerminal, ...] = (
    _known("kitty", r"^kitty\(([\d.]*)\)", (0, 28, 0), "osc99"),
    _known("ghostty", r"^ghostty\b\s*([\d.]*)", (1, 0, 0), "osc9"),
    _known("WezTerm", r"^wezterm\b\s*(\S*)", None, "osc9"),  # graphics yes, placeholders no
    _known("Konsole", r"^konsole\s+(\S+)", None),  # graphics yes, placeholders no
    _known("foot", r"^foot\(([\d.]*)\)", None, "osc777"),
    _known("XTerm", r"^xterm\((\d+)\)", None),
    _known("tmux", r"^tmux\s+(\S+)", None),
    _known("iTerm2", r"^iterm2\b\s*(\S*)", None, "osc9"),
    _known("mlterm", r"^mlterm\(([\d.]+)\)", None),
    _known("contour", r"^contour\s+(\S+)", None),
    _known("mintty", r"^mintty\s+(\S+)", None),
)


def identify(version: str | None) -> tuple[KnownTerminal | None, tuple[int, ...]]:
    """The table's entry for an XTVERSION answer, and the version as numbers (may be ())."""
    for terminal in TERMINALS:
        match = terminal.pattern.match((version or "").strip())
        if match:
            numbers = tuple(int(n) for n in re.findall(r"\d+", match.group(1))[:3])
            return terminal, numbers
    return None, ()
