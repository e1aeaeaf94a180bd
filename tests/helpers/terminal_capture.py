"""What an app writes to its terminal, captured in-process and decoded (Kitty and Sixel).

`CaptureDriver` is Textual's headless driver that keeps every write and lets the app draw
frames (a headless app draws nothing). Use it with `run_capturing(app, size)`.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.drivers.headless_driver import HeadlessDriver
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from mjtui.images.cache import ImageLoader
from mjtui.ui.widgets.image_preview import ImagePreview

STYLES = Path(__file__).resolve().parents[2] / "styles" / "preview.tcss"
APC_G = re.compile(r"\x1b_G([^;\x1b]*)(?:;([^\x1b]*))?\x1b\\")
SIXEL = re.compile(r"\x1bP[0-9;]*q")


class CaptureDriver(HeadlessDriver):
    """Headless in input, but frames are rendered and every write is kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.written: list[str] = []

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        self.written.append(data)

    def flush(self) -> None:
        pass

    def text(self, start: int = 0) -> str:
        return "".join(self.written[start:])

    def mark(self) -> int:
        return len(self.written)


def run_capturing(app: App[Any], size: tuple[int, int], **options: Any) -> Any:
    """`app.run_test` with the capturing driver; `app._driver` is the CaptureDriver inside."""
    app.driver_class = CaptureDriver
    return app.run_test(size=size, headless=False, **options)


@dataclass(frozen=True)
class Graphics:
    """One Kitty graphics command: its keys (a dict) and the payload's length."""

    keys: dict[str, str]
    payload: int = 0

    @property
    def action(self) -> str:
        return self.keys.get("a", "t")


@dataclass
class KittyLog:
    """The Kitty graphics commands in some output, grouped the way the terminal sees them."""

    commands: list[Graphics] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> KittyLog:
        commands = []
        for keys, payload in APC_G.findall(text):
            pairs = dict(pair.split("=", 1) for pair in keys.split(",") if "=" in pair)
            commands.append(Graphics(pairs, len(payload or "")))
        return cls(commands)

    def uploads(self) -> list[int]:
        """Image ids transmitted (first chunk of each: `a=T` or `a=t`)."""
        return [int(c.keys["i"]) for c in self.commands if c.action in ("T", "t") and "i" in c.keys]

    def deletes(self) -> list[int]:
        """Image ids deleted with their data freed (`a=d,d=I,i=ID`)."""
        return [int(c.keys["i"]) for c in self.commands
                if c.action == "d" and c.keys.get("d") == "I" and "i" in c.keys]

    def weak_deletes(self) -> list[Graphics]:
        """Deletes that keep the data in the terminal (`d` lowercase, or `I=` without `d`)."""
        return [c for c in self.commands if c.action == "d" and c.keys.get("d") != "I"]

    def loud(self) -> list[Graphics]:
        """Commands the terminal would answer (no `q=2`): answers would arrive as keys."""
        firsts = [c for c in self.commands if set(c.keys) - {"m", "q"}]
        return [c for c in firsts if c.keys.get("q") != "2"]


def sixel_count(text: str) -> int:
    """How many Sixel images (DCS ... q) the output holds."""
    return len(SIXEL.findall(text))


async def settle(pilot: Pilot[Any]) -> None:
    """Let call_after_refresh start the preview's worker, then wait for it and the repaint."""
    for _ in range(6):
        await pilot.pause()
        try:
            await asyncio.wait_for(pilot.app.workers.wait_for_complete(), 20.0)
        except WorkerCancelled:
            continue  # a newer load replaced it (exclusive group): wait for that one
        except TimeoutError:
            raise AssertionError("the preview's workers were still busy after 20 s") from None
    await pilot.pause(0.05)


class PreviewApp(App[None]):
    """Just the preview pane, with one protocol, over the whole terminal."""

    CSS_PATH = STYLES

    def __init__(self, loader: ImageLoader | None, protocol: str = "halfcell") -> None:
        super().__init__()
        self.loader, self.protocol = loader, protocol

    def compose(self) -> ComposeResult:
        yield ImagePreview(self.loader, protocol=self.protocol, id="preview")


_TOKENS = re.compile(
    r"\x1bP.*?\x1b\\"  # DCS (Sixel) ... ST: draws, the cursor is put back by the app
    r"|\x1b_.*?\x1b\\"  # APC (Kitty graphics)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1b\[[0-9;?<>=]*[ -/]*[@-~]"  # CSI
    r"|\x1b[@-Z\\-_7-8]"  # two-character escapes
    r"|\n|[^\x1b\n]",
    re.DOTALL,
)


def paint(text: str, size: tuple[int, int]) -> dict[tuple[int, int], str]:
    """Where the text written lands: a tiny terminal for what Textual writes (cursor
    positioning, forward moves, newlines and printable cells; colours are ignored)."""
    from rich.cells import cell_len

    cells: dict[tuple[int, int], str] = {}
    x = y = 0
    for token in _TOKENS.findall(text):
        if token.startswith("\x1b["):
            final, params = token[-1], token[2:-1]
            numbers = [int(n) if n.isdigit() else 0 for n in params.split(";")] if params else []
            if final == "H":
                y, x = (numbers + [1, 1])[0] - 1, (numbers[1:] + [1])[0] - 1
            elif final == "C":
                x = min(size[0] - 1, x + max(1, numbers[0] if numbers else 1))
        elif token == "\n":
            y += 1
        elif not token.startswith("\x1b"):
            width = cell_len(token)
            if width:
                cells[(x, y)] = token
                x += width
    return cells
