"""Which image protocol a terminal gets on `--images auto` (the terminals we know are in
known_terminals.py).

Answering the Kitty graphics query is not enough. textual-image places Kitty images with
Unicode placeholders (cells that name the image), which kitty draws only from 0.28.0 on;
kitty 0.26 (Debian 12's) answers the query, then draws the placeholders as boxes. WezTerm
and Konsole answer it too, without placeholders. So Kitty graphics go only to terminals
known, by their own version answer (XTVERSION), to draw placeholders; the rest get Sixel
when they report it (DA1 attribute 4), else half-cell blocks. No Textual import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mjtui.known_terminals import IMAGE_MODES, IMAGE_PROTOCOLS, identify
from mjtui.ui.terminal_probe import ProbeAnswers


@dataclass(frozen=True, slots=True)
class ProtocolChoice:
    """Which way images reach the terminal, and why (shown on the diagnostics screen)."""

    name: str  # one of IMAGE_PROTOCOLS
    reason: str


def _placeholders(answers: ProbeAnswers) -> tuple[bool, str]:
    """Whether the terminal draws Kitty Unicode placeholders, and what we know of it."""
    terminal, version = identify(answers.version)
    shown = answers.version or "no version answer (XTVERSION)"
    if terminal is None:
        return False, f"{shown}: not known to draw Kitty placeholders"
    if terminal.placeholders_since is None:
        return False, f"{terminal.name} draws no Kitty placeholders"
    if version < terminal.placeholders_since:
        since = ".".join(map(str, terminal.placeholders_since))
        return False, f"{answers.version} has no Kitty placeholders (they came in {since})"
    return True, f"{answers.version} draws Kitty placeholders"


def choose_protocol(
    requested: str,
    *,
    is_tty: bool,
    env: Mapping[str, str],
    answers: ProbeAnswers | None,
) -> ProtocolChoice:
    """Pick the protocol from the request and what the terminal answered (None: not asked)."""
    requested = requested.strip().lower()
    if requested in IMAGE_PROTOCOLS:
        return ProtocolChoice(requested, f"forced (--images {requested})")
    if requested != "auto":
        raise ValueError(f"unknown image protocol {requested!r}: {', '.join(IMAGE_MODES)}")
    if not is_tty:
        return ProtocolChoice("unicode", "stdout is not a terminal")
    if answers is None or not answers.answered:
        waited = f" within {answers.elapsed:.1f}s" if answers else ""
        return ProtocolChoice("halfcell", f"the terminal did not answer{waited}; half-cell")
    terminal, _ = identify(answers.version)
    if "TMUX" in env or (terminal is not None and terminal.name == "tmux"):
        why = "inside tmux: textual-image 0.12 has no tmux passthrough for Kitty graphics"
        if answers.sixel:
            return ProtocolChoice("sixel", f"{why}; sixel reported")
        return ProtocolChoice("halfcell", f"{why}; half-cell")
    placeholders, what = _placeholders(answers)
    if answers.kitty_graphics and placeholders:
        return ProtocolChoice("tgp", f"Kitty graphics: {what}")
    graphics = f"answers Kitty graphics but {what}; " if answers.kitty_graphics else ""
    if answers.sixel:
        return ProtocolChoice("sixel", f"{graphics}sixel reported")
    if graphics:
        return ProtocolChoice("halfcell", f"{graphics}no sixel reported; half-cell")
    return ProtocolChoice("halfcell", "no Kitty graphics or sixel answer; half-cell")
