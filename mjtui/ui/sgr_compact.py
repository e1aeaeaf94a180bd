"""Fewer bytes per frame: colour and style changes written as differences, not in full.

Textual writes every segment as `ESC[<full style>m text ESC[0m`: a reset after each piece of
text and the whole style again before the next, even when the next piece has the same
style or differs only in its background. Over a slow SSH link those codes are most of what a
frame costs (a half-cell picture is one segment per cell). `SgrCompactor` rewrites the
stream so that each SGR change says only what changed, and says nothing when nothing did.

The screen that results is the same cell for cell: the compactor tracks the style the text
*should* have (what Textual asked for) and the style the terminal *has* (what we last sent),
and before any text makes the second equal to the first. Anything it does not fully
understand resets the terminal and states the style in full, as Textual would have.
Sequences other than SGR and cursor positioning (erases, mode changes, images, links) may
depend on the current style, so the style is made exact before them and at the end of
every write.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# A token: an SGR sequence, a cursor position, another CSI, a string sequence (DCS, APC,
# OSC, PM, SOS; unterminated ones run to the end), another escape, or plain text.
_TOKEN = re.compile(
    r"(?P<sgr>\x1b\[[0-9;:]*m)"
    r"|(?P<cup>\x1b\[[0-9;]*H)"
    r"|(?P<csi>\x1b\[[0-?]*[ -/]*[@-~])"
    r"|(?P<string>\x1b[P_\]^X].*?(?:\x1b\\|\x07|\Z))"
    r"|(?P<esc>\x1b.?)"
    r"|(?P<text>[^\x1b]+)",
    re.DOTALL,
)
# Attributes Textual turns on (it never sends the "off" codes: it resets instead).
_ATTRIBUTES = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 21, 51, 52, 53})
# The code that turns each attribute off (ECMA-48); 22 ends both bold and faint, 24 both
# underlines, 25 both blinks, 54 both frames.
_OFF = {1: 22, 2: 22, 3: 23, 4: 24, 21: 24, 5: 25, 6: 25, 7: 27, 8: 28, 9: 29,
        51: 54, 52: 54, 53: 55}


@dataclass(frozen=True, slots=True)
class _Style:
    attributes: frozenset[int] = frozenset()
    foreground: str = ""  # the colour's codes as sent ("31", "38;5;12", "38;2;1;2;3"), or ""
    background: str = ""


_DEFAULT = _Style()
_OPAQUE = -1  # an attribute meaning "whatever that sequence we passed through did"


def _parse(params: str, style: _Style) -> _Style | None:
    """`style` after the SGR parameters `params`, or None when they hold something we do not
    model (colon sub-parameters, underline colour, unknown codes)."""
    if ":" in params:
        return None
    codes = [int(code) if code else 0 for code in params.split(";")] if params else [0]
    if _OPAQUE in style.attributes and codes[0] != 0:
        return None  # a change to a style we do not know is not ours to shorten either
    attributes, foreground, background = set(style.attributes), style.foreground, style.background
    index = 0
    while index < len(codes):
        code = codes[index]
        if code == 0:
            attributes, foreground, background = set(), "", ""
        elif code in _ATTRIBUTES:
            attributes.add(code)
        elif 30 <= code <= 37 or 90 <= code <= 97:
            foreground = str(code)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            background = str(code)
        elif code == 39:
            foreground = ""
        elif code == 49:
            background = ""
        elif code in (38, 48):
            kind = codes[index + 1] if index + 1 < len(codes) else -1
            width = 3 if kind == 5 else 5 if kind == 2 else 0
            if not width or index + width > len(codes):
                return None
            colour = ";".join(str(part) for part in codes[index:index + width])
            if code == 38:
                foreground = colour
            else:
                background = colour
            index += width - 1
        else:
            return None
        index += 1
    return _Style(frozenset(attributes), foreground, background)


def _full(style: _Style) -> str:
    codes = [str(code) for code in sorted(style.attributes)]
    codes += [colour for colour in (style.foreground, style.background) if colour]
    return ";".join(codes)


def _transition(have: _Style | None, want: _Style) -> str:
    """The shortest SGR sequence we use to go from `have` (None: unknown) to `want`."""
    if have == want:
        return ""
    if have is None or _OPAQUE in have.attributes:
        codes = _full(want)
        return f"\x1b[0;{codes}m" if codes else "\x1b[0m"
    if want == _DEFAULT:
        return "\x1b[0m"
    off = sorted({_OFF[code] for code in have.attributes - want.attributes})
    # An off code may end a second attribute that is still wanted (22: bold and faint).
    ended = {code for code in have.attributes if _OFF[code] in off}
    codes = [str(code) for code in off]
    codes += [str(code) for code in sorted(want.attributes - (have.attributes - ended))]
    if want.foreground != have.foreground:
        codes.append(want.foreground or "39")
    if want.background != have.background:
        codes.append(want.background or "49")
    return f"\x1b[{';'.join(codes)}m"


# Memos: a frame repeats the same few styles, and parsing them is most of the cost. Styles
# are interned, so "the same style" is an identity test; both memos are dropped when large.
_MEMO_LIMIT = 20_000
_MISSING = object()
_PARSED: dict[tuple[str, _Style | None], _Style | None] = {}
_TRANSITIONS: dict[tuple[_Style | None, _Style], str] = {}
_INTERNED: dict[_Style, _Style] = {_DEFAULT: _DEFAULT}


def _intern(style: _Style | None) -> _Style | None:
    return None if style is None else _INTERNED.setdefault(style, style)


class SgrCompactor:
    """Rewrites terminal output so SGR codes state differences; keeps its state between writes.

    Starts not knowing the terminal's style, so the first change is sent in full."""

    def __init__(self) -> None:
        self._want: _Style = _DEFAULT  # the style the text should have now
        self._have: _Style | None = None  # the style the terminal has (None: not known)

    def compact(self, data: str) -> str:
        out: list[str] = []
        append = out.append
        parsed = _PARSED
        for match in _TOKEN.finditer(data):
            kind, token = match.lastgroup, match.group()
            if kind == "text":
                if self._have is not self._want:
                    self._settle(append)
                append(token)
            elif kind == "sgr":
                key = (token, self._want)
                style = parsed.get(key, _MISSING)
                if style is _MISSING:
                    style = parsed[key] = _intern(_parse(token[2:-1], self._want))
                if style is None:  # not ours to shorten: the style so far, then it as is
                    self._settle(append)
                    append(token)
                    self._want = self._have = _Style(frozenset({_OPAQUE}), token)
                    continue
                self._want = style
            elif kind == "cup":
                append(token)
            else:
                self._settle(append)
                append(token)
                if token in ("\x1b7", "\x1b8", "\x1bc", "\x1b") or token.endswith("!p"):
                    self._have = None  # a saved style restored, a reset, or a cut sequence
        self._settle(append)
        if len(parsed) > _MEMO_LIMIT or len(_TRANSITIONS) > _MEMO_LIMIT:
            parsed.clear()
            _TRANSITIONS.clear()
            _INTERNED.clear()
            _INTERNED[_DEFAULT] = _DEFAULT
        return "".join(out)

    def _settle(self, append: Callable[[str], None]) -> None:
        """Make the terminal's style the wanted one (the shortest step, memoised)."""
        have, want = self._have, self._want
        if have is not want:
            step = _TRANSITIONS.get((have, want))
            if step is None:
                step = _TRANSITIONS[have, want] = _transition(have, want)
            append(step)
            self._have = want
