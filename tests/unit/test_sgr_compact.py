"""SgrCompactor: the same screen in fewer bytes.

Both streams, Textual's and the compacted one, are played on a small terminal model with
its own SGR interpreter (written independently of the compactor's); every cell must end up
with the same character and style, and every sequence that may depend on the style (erases,
images, modes) must see the same style in both.
"""

from __future__ import annotations

import random
import re

import pytest

from mjtui.ui.sgr_compact import SgrCompactor

_TOKEN = re.compile(r"\x1b\[([0-9;:]*)m|\x1b\[(\d*);?(\d*)H|(\x1b[P_\]].*?(?:\x1b\\|\x07))"
                    r"|(\x1b\[[0-?]*[ -/]*[@-~])|(\x1b.)|([^\x1b])", re.DOTALL)
_OFF = {22: (1, 2), 23: (3,), 24: (4, 21), 25: (5, 6), 27: (7,), 28: (8,), 29: (9,)}


def _apply(params: str, state: dict[str, object]) -> None:
    """A plain SGR interpreter: the terminal's side."""
    if ":" in params:  # a sub-parameter form: remember it verbatim, as a terminal would
        state["extra"] = params
        return
    codes = [int(c) if c else 0 for c in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        code = codes[i]
        if code == 0:
            state.clear()
        elif code in (38, 48, 58):
            width = 3 if codes[i + 1] == 5 else 5
            state[{38: "fg", 48: "bg", 58: "ul"}[code]] = tuple(codes[i + 1:i + width])
            i += width - 1
        elif 30 <= code <= 37 or 90 <= code <= 97:
            state["fg"] = code
        elif 40 <= code <= 47 or 100 <= code <= 107:
            state["bg"] = code
        elif code == 39:
            state.pop("fg", None)
        elif code == 49:
            state.pop("bg", None)
        elif code in _OFF:
            for attribute in _OFF[code]:
                state.pop(f"a{attribute}", None)
        else:
            state[f"a{code}"] = True
        i += 1


def play(stream: str) -> tuple[dict[tuple[int, int], tuple[str, tuple]], list[tuple[str, tuple]]]:
    """(cells, style-dependent sequences with the style they saw)."""
    state: dict[str, object] = {}
    cells: dict[tuple[int, int], tuple[str, tuple]] = {}
    seen: list[tuple[str, tuple]] = []
    row = col = 1
    for m in _TOKEN.finditer(stream):
        sgr, r, c, string, csi, esc, char = m.groups()
        style = tuple(sorted(state.items()))
        if sgr is not None:
            _apply(sgr, state)
        elif r is not None:
            row, col = int(r or 1), int(c or 1)
        elif char is not None:
            cells[row, col] = (char, style)
            col += 1
        else:
            seen.append((string or csi or esc, style))
    seen.append(("end", tuple(sorted(state.items()))))
    return cells, seen


_COLOURS = ["31", "97", "38;5;12", "38;5;200", "38;2;10;20;30", "38;2;250;0;7"]
_BACKS = ["40", "104", "48;5;17", "48;2;0;0;0", "48;2;1;2;3"]


def _random_style(rng: random.Random) -> str:
    codes = [str(a) for a in rng.sample([1, 2, 3, 4, 7, 9], rng.randint(0, 2))]
    if rng.random() < 0.8:
        codes.append(rng.choice(_COLOURS))
    if rng.random() < 0.7:
        codes.append(rng.choice(_BACKS))
    return ";".join(codes)


def textual_like_frame(rng: random.Random, rows: int = 6) -> str:
    """What Textual writes: a cursor position per line, then `ESC[style m text ESC[0m` per
    segment, sometimes plain text, sometimes a sequence that is not SGR."""
    out = []
    for row in range(1, rows + 1):
        out.append(f"\x1b[{row};1H")
        for _ in range(rng.randint(1, 12)):
            text = rng.choice(["▀", "ab", " ", "x", "…"])
            style = _random_style(rng)
            roll = rng.random()
            if roll < 0.1:
                out.append(text)
            elif roll < 0.15:
                out.append(rng.choice(["\x1b[K", "\x1b[?25l", "\x1bPq#0;2;0;0;0~-\x1b\\",
                                       "\x1b_Ga=d,d=I,i=3\x1b\\", "\x1b]8;;http://x\x1b\\",
                                       "\x1b7", "\x1b8"]))
            elif roll < 0.2:
                out.append(f"\x1b[{style};4:3m{text}\x1b[0m")  # a form the compactor leaves
            elif roll < 0.25:
                out.append(f"\x1b[58;2;1;2;3;{style}m{text}\x1b[0m")
            else:
                out.append(f"\x1b[{style}m{text}\x1b[0m" if style else text)
    return "".join(out)


@pytest.mark.parametrize("seed", range(200))
def test_the_compacted_stream_draws_the_same_screen(seed: int) -> None:
    rng = random.Random(seed)
    compactor = SgrCompactor()
    original = compacted = ""
    for _ in range(3):  # several writes: the state carries over
        frame = textual_like_frame(rng)
        original += frame
        compacted += compactor.compact(frame)
    assert play(compacted) == play(original)


def test_a_half_cell_picture_costs_much_less() -> None:
    """A picture's neighbouring cells often share a colour (sky, sea, shadow)."""
    rng = random.Random(1)
    top, bottom, cells = 20, 21, []
    for _ in range(400):
        top = top + 1 if rng.random() < 0.3 else top
        bottom = bottom + 1 if rng.random() < 0.3 else bottom
        cells.append(f"\x1b[38;5;{top % 200 + 16};48;5;{bottom % 200 + 16}m▀\x1b[0m")
    frame = "\x1b[1;1H" + "".join(cells)
    compacted = SgrCompactor().compact(frame)
    assert play(compacted) == play(frame)
    assert len(compacted.encode()) < 0.6 * len(frame.encode())


def test_the_same_style_again_costs_nothing() -> None:
    out = SgrCompactor().compact("\x1b[1;1H\x1b[31mab\x1b[0m\x1b[31mcd\x1b[0m")
    assert out == "\x1b[1;1H\x1b[0;31mabcd\x1b[0m"


def test_an_attribute_turned_off_is_turned_off_alone() -> None:
    compactor = SgrCompactor()
    compactor.compact("\x1b[1;2;31mA")
    assert compactor.compact("\x1b[0m\x1b[2;31mB\x1b[0m") == "\x1b[22;2mB\x1b[0m"


def test_a_cut_sequence_passes_through_untouched() -> None:
    compactor = SgrCompactor()
    assert compactor.compact("\x1b[31mA\x1b[0m\x1bPq#0;2;0") == "\x1b[0;31mA\x1b[0m\x1bPq#0;2;0"
