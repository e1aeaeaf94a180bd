"""Image previews: terminal detection, terminal facts, the image widget class.

The only module that imports textual-image (0.12.0 here). Its import would probe the
terminal with 0.1 s timeouts, too short over SSH (late answers then became keys), so every
import of it here goes through `_widget_module()`, which seeds the cell size and hides the
TTY from the import. The only probe is `terminal_probe.probe`, one round trip ended by a DA1
sentinel, run by `detect_terminal_protocol` before `App.run()`.
"""

from __future__ import annotations

import importlib
import os
import sys
import termios
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from types import ModuleType
from typing import Any

from textual.widget import Widget

from mjtui.known_terminals import IMAGE_MODES
from mjtui.ui.terminal_probe import ProbeAnswers, probe
from mjtui.ui.terminals import ProtocolChoice, choose_protocol

__all__ = [
    "ProtocolChoice", "TerminalFacts", "cell_geometry", "choose_protocol",
    "current_facts", "detect_terminal_protocol", "image_widget_class",
]

_DEFAULT_CELL = (10, 20)  # textual-image's own fallback (a VT340 cell)


@dataclass(frozen=True, slots=True)
class TerminalFacts:
    """What detection found, for the diagnostics screen."""

    protocol: ProtocolChoice
    cell_width: int
    cell_height: int
    cell_size_source: str
    term: str
    term_program: str
    tmux: bool
    ssh: bool
    textual_image_version: str
    answers: ProbeAnswers | None = None  # None: the terminal was not asked
    truecolor_forced: bool = False  # COLORTERM set for Textual so placeholders keep their id


_facts: TerminalFacts | None = None


def current_facts() -> TerminalFacts | None:
    """The result of `detect_terminal_protocol`, or None if it has not run."""
    return _facts


def detect_terminal_protocol(requested: str = "auto") -> ProtocolChoice:
    """Decide the protocol; call BEFORE `App.run()` (the probe needs stdin to itself).

    "none": textual-image is not imported. "halfcell"/"unicode": imported, nothing sent to
    the terminal (cell size from TIOCGWINSZ, env or 10x20). "sixel"/"tgp": the cell size is
    asked for when the pty does not give pixels. "auto": one probe (XTVERSION, the Kitty
    graphics query, maybe the cell size, then DA1 as the sentinel).
    """
    global _facts
    env = os.environ
    is_tty = _stdout_is_tty()
    requested = requested.strip().lower()
    if requested not in IMAGE_MODES:
        raise ValueError(f"unknown image protocol {requested!r}: {', '.join(IMAGE_MODES)}")
    answers: ProbeAnswers | None = None
    if requested == "none":
        cell, source = _DEFAULT_CELL, "unused: previews are off"
    else:
        pixels = _pixel_cell_size()
        if is_tty and requested in ("auto", "sixel", "tgp"):
            answers = _probe(kitty=requested == "auto" and "TMUX" not in env,
                             cell_size=pixels is None)
        cell, source = _seed_cell_size(pixels, answers)
        _widget_module()
    choice = choose_protocol(requested, is_tty=is_tty, env=env, answers=answers)
    forced = choice.name == "tgp" and _force_truecolor(env)
    _facts = TerminalFacts(
        protocol=choice,
        cell_width=cell[0],
        cell_height=cell[1],
        cell_size_source=source,
        term=env.get("TERM", ""),
        term_program=env.get("TERM_PROGRAM", ""),
        tmux="TMUX" in env,
        ssh=bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY")),
        textual_image_version=_version(),
        answers=answers,
        truecolor_forced=forced,
    )
    return choice


def _force_truecolor(env: Any) -> bool:
    """Make Textual write 24-bit colour: Kitty placeholders carry the image id in it.

    OpenSSH forwards TERM but not COLORTERM, so over SSH Textual would pick 256 colours and
    the placeholder cells would name another image (a blank pane). Every terminal that gets
    Kitty graphics here (kitty, ghostty) does true colour. Textual reads it when the app is
    made, so this runs before that."""
    if env.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return False
    env["COLORTERM"] = "truecolor"
    return True


_tty_mode: list[Any] | None = None  # stdin's mode before the probe, until restored


def _probe(*, kitty: bool, cell_size: bool) -> ProbeAnswers | None:
    """The one round trip; any terminal trouble (no termios, closed fd) counts as no answer.

    The tty is left without echo until `restore_terminal_mode()`: a late answer must not be
    printed on the screen in the moment before Textual takes the tty."""
    global _tty_mode
    try:
        fd_in = sys.__stdin__.fileno()  # type: ignore[union-attr]
        mode = termios.tcgetattr(fd_in)
        answers = probe(fd_in, sys.__stdout__.fileno(),  # type: ignore[union-attr]
                        kitty=kitty, cell_size=cell_size, restore=False)
    except (OSError, ValueError, AttributeError, termios.error):
        return None
    _tty_mode = mode
    return answers


def restore_terminal_mode() -> None:
    """Give stdin back the mode it had before the probe (Textual restores only what it found)."""
    global _tty_mode
    if _tty_mode is not None:
        try:
            termios.tcsetattr(sys.__stdin__.fileno(), termios.TCSANOW, _tty_mode)  # type: ignore[union-attr]
        except (OSError, ValueError, AttributeError, termios.error):
            pass
        _tty_mode = None


def _stdout_is_tty() -> bool:
    try:
        return bool(sys.__stdout__ and sys.__stdout__.isatty())
    except (OSError, ValueError):
        return False


def _version() -> str:
    try:
        return metadata.version("textual-image")
    except metadata.PackageNotFoundError:
        return "not installed"


def _pixel_cell_size() -> tuple[int, int] | None:
    """The cell size from the pty's pixel size (TIOCGWINSZ), if it reports one."""
    from textual_image import _terminal  # no probes at import: only the cell-size helpers

    try:
        rows, cols, width_px, height_px = _terminal.get_tiocgwinsz()
    except Exception:  # noqa: BLE001 - no terminal, or no ioctl on this platform
        return None
    if rows and cols and width_px // cols and height_px // rows:
        return width_px // cols, height_px // rows
    return None


def _seed_cell_size(
    pixels: tuple[int, int] | None, answers: ProbeAnswers | None
) -> tuple[tuple[int, int], str]:
    """Seed textual-image's cached cell size and say where it came from.

    Order: a size seeded before (tests), TIOCGWINSZ pixels, the probe's `CSI 16 t` answer,
    TEXTUAL_CELL_WIDTH/HEIGHT, then 10x20.
    """
    from textual_image import _terminal

    getter: Any = _terminal.get_cell_size
    if hasattr(getter, "_result"):
        _seed_probe_cache(_terminal, getter._result)
        return (getter._result.width, getter._result.height), "preset before detection"
    from_env = (os.environ.get("TEXTUAL_CELL_WIDTH", ""), os.environ.get("TEXTUAL_CELL_HEIGHT", ""))
    if pixels:
        size, source = pixels, "terminal pixel size (TIOCGWINSZ)"
    elif answers is not None and answers.cell_size:
        size, source = answers.cell_size, "terminal query (CSI 16 t)"
    elif all(v.isdigit() and int(v) for v in from_env):
        size, source = (int(from_env[0]), int(from_env[1])), "TEXTUAL_CELL_WIDTH/HEIGHT"
    else:
        size, source = _DEFAULT_CELL, "default 10x20 (the terminal did not say)"
    getter._result = _terminal.CellSize(*size)
    _seed_probe_cache(_terminal, getter._result)
    return size, source


def _seed_probe_cache(terminal: ModuleType, cell: Any) -> None:
    """textual-image 0.14+ keeps the cell size in its own probe's cache: seed that too, or
    every picture is sized for 10x20-pixel cells (and it would probe the terminal itself)."""
    probe_cache: Any = getattr(terminal, "probe_terminal", None)
    capabilities = getattr(terminal, "TerminalCapabilities", None)
    if probe_cache is not None and capabilities is not None:
        probe_cache._result = capabilities(cell, sixel=False, tgp=False)


class _NotATerminal:
    """Stdout as textual-image's import sees it: not a TTY, so it sends no probes."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def _probes_disabled() -> Iterator[None]:
    real = sys.__stdout__
    sys.__stdout__ = _NotATerminal(real)  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        sys.__stdout__ = real  # type: ignore[misc]


def _widget_module() -> ModuleType:
    """`textual_image.widget`, imported without probing (its auto `Image` is never used)."""
    name = "textual_image.widget"
    if name not in sys.modules:
        _seed_cell_size(_pixel_cell_size(), None)
        with _probes_disabled():
            importlib.import_module(name)
    return sys.modules[name]


def image_widget_class(protocol: str) -> type[Widget]:
    """The textual-image widget class for a protocol name (never "none")."""
    module = _widget_module()
    classes = {
        "tgp": module.TGPImage,
        "sixel": module.SixelImage,
        "halfcell": module.HalfcellImage,
        "unicode": module.UnicodeImage,
    }
    return classes[protocol]


def cell_geometry(protocol: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """(physical cell size in pixels, image pixels one cell shows) for a protocol."""
    from textual_image import _terminal

    cell = tuple(_terminal.get_cell_size())
    resolution = {"halfcell": (1, 2), "unicode": (1, 1)}.get(protocol, cell)
    return (cell[0], cell[1]), (resolution[0], resolution[1])
