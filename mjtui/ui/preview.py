"""Image previews: terminal graphics detection, terminal facts, the image widget class.

The only module that imports textual-image (0.12.0 here). Its import probes the terminal
(Sixel DA1 query, Kitty graphics query, cell size), which only works before `App.run()`:
call `detect_terminal_protocol()` from the launcher first. Every import of textual-image in
this module goes through `_widget_module()`, which seeds the cell size and hides the TTY
from the import so no probe is ever written from here; the only probes are the explicit ones
`detect_terminal_protocol("auto"|"sixel"|"tgp")` runs on purpose.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from types import ModuleType
from typing import Any

from textual.widget import Widget

PROTOCOLS = ("tgp", "sixel", "halfcell", "unicode", "none")
_DEFAULT_CELL = (10, 20)  # textual-image's own fallback (a VT340 cell)


@dataclass(frozen=True, slots=True)
class ProtocolChoice:
    """Which way images reach the terminal, and why (shown on the diagnostics screen)."""

    name: str  # "tgp" | "sixel" | "halfcell" | "unicode" | "none"
    reason: str


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


def choose_protocol(
    requested: str,
    *,
    is_tty: bool,
    env: Mapping[str, str],
    sixel_supported: bool | None,
    tgp_supported: bool | None,
) -> ProtocolChoice:
    """Pick the protocol from the request and the probe answers (None: not asked)."""
    requested = requested.strip().lower()
    if requested in PROTOCOLS:
        return ProtocolChoice(requested, f"forced (--images {requested})")
    if requested != "auto":
        raise ValueError(f"unknown image protocol {requested!r}: auto, {', '.join(PROTOCOLS)}")
    if not is_tty:
        return ProtocolChoice("unicode", "stdout is not a terminal")
    if "TMUX" in env:
        why = "inside tmux: textual-image 0.12 has no tmux passthrough for Kitty graphics"
        if sixel_supported:
            return ProtocolChoice("sixel", f"{why}; sixel reported")
        return ProtocolChoice("halfcell", f"{why}; half-cell")
    if sixel_supported:
        return ProtocolChoice("sixel", "the terminal reported sixel support")
    if tgp_supported:
        return ProtocolChoice("tgp", "the terminal answered the Kitty graphics query")
    return ProtocolChoice("halfcell", "no sixel or Kitty graphics answer; half-cell")


_facts: TerminalFacts | None = None


def current_facts() -> TerminalFacts | None:
    """The result of `detect_terminal_protocol`, or None if it has not run."""
    return _facts


def detect_terminal_protocol(requested: str = "auto") -> ProtocolChoice:
    """Decide the protocol; call BEFORE `App.run()` (probes need stdin to themselves).

    "none": textual-image is not imported. "halfcell"/"unicode": imported, nothing sent to
    the terminal (cell size from TIOCGWINSZ, env or 10x20). "sixel"/"tgp": the cell size may
    be queried (`CSI 16 t`). "auto": the Sixel query, then (outside tmux) the Kitty query.
    """
    global _facts
    env = os.environ
    is_tty = _stdout_is_tty()
    requested = requested.strip().lower()
    if requested not in ("auto", *PROTOCOLS):
        raise ValueError(f"unknown image protocol {requested!r}: auto, {', '.join(PROTOCOLS)}")
    sixel = tgp = None
    if requested == "none":
        cell, source = _DEFAULT_CELL, "unused: previews are off"
    else:
        cell, source = _cell_size(query=is_tty and requested in ("auto", "sixel", "tgp"))
        _widget_module()
        if requested == "auto" and is_tty:
            # The same queries, in the same order, as textual-image's import would send,
            # except that the Kitty query is pointless inside tmux with 0.12.0.
            sixel = _probe(importlib.import_module("textual_image.renderable.sixel"))
            if not sixel and "TMUX" not in env:
                tgp = _probe(importlib.import_module("textual_image.renderable.tgp"))
    choice = choose_protocol(
        requested, is_tty=is_tty, env=env, sixel_supported=sixel, tgp_supported=tgp
    )
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
    )
    return choice


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


def _probe(module: ModuleType) -> bool:
    """Run one textual-image support query; any terminal trouble counts as "no"."""
    try:
        return bool(module.query_terminal_support())
    except Exception:  # noqa: BLE001 - termios errors when stdin is no terminal, and others
        return False


def _cell_size(*, query: bool) -> tuple[tuple[int, int], str]:
    """Seed textual-image's cached cell size and say where it came from.

    Order as textual-image's own: TIOCGWINSZ pixels, `CSI 16 t` (only when `query`),
    TEXTUAL_CELL_WIDTH/HEIGHT, then 10x20.
    """
    from textual_image import _terminal  # no probes at import: only the cell-size helpers

    getter: Any = _terminal.get_cell_size
    if hasattr(getter, "_result"):
        return (getter._result.width, getter._result.height), "preset before detection"
    size, source = _DEFAULT_CELL, "default 10x20 (the terminal did not say)"
    from_env = (os.environ.get("TEXTUAL_CELL_WIDTH", ""), os.environ.get("TEXTUAL_CELL_HEIGHT", ""))
    env_cell = (int(from_env[0]), int(from_env[1])) if all(v.isdigit() for v in from_env) else None
    try:
        rows, cols, width_px, height_px = _terminal.get_tiocgwinsz()
    except Exception:  # noqa: BLE001 - no terminal, or no ioctl on this platform
        rows = cols = width_px = height_px = 0
    if rows and cols and width_px // cols and height_px // rows:
        size, source = (width_px // cols, height_px // rows), "terminal pixel size (TIOCGWINSZ)"
    elif query and rows and cols and sys.__stdout__:
        try:  # guarded: 0.12.0 divides by the column count, which some ptys report as 0
            answer = getter()
            size = (answer.width, answer.height)
            if size == env_cell:
                source = "TEXTUAL_CELL_WIDTH/HEIGHT"
            elif size != _DEFAULT_CELL:
                source = "terminal query (CSI 16 t)"
        except Exception:  # noqa: BLE001
            size = _DEFAULT_CELL
    if size == _DEFAULT_CELL and env_cell and all(env_cell):
        size, source = env_cell, "TEXTUAL_CELL_WIDTH/HEIGHT"
    getter._result = _terminal.CellSize(*size)
    return size, source


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
        _cell_size(query=False)
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
