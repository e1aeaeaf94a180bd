"""Tell the terminal's answers to queries apart from what the user typed.

Over SSH a terminal's reply to a query can arrive long after the program stopped waiting
for it. Textual's input parser does not know those replies, so `ESC [ ? 62 ; 4 c` used to
reach the dashboard as the keys `?`, `6`, `2`, `;`, `4`, `c`: a filter typed by nobody, or
worse, hotkeys. `ReplyFilter` sits between the raw input and the parser and takes out every
reply of a shape mjtui's start-up probe can cause, whenever it arrives:

- `CSI ? ... c` and `CSI > ... c` (device attributes, DA1 / DA2),
- `CSI 4|6|8 ; h ; w t` (window and cell size in pixels or cells),
- `APC G ... ST` (the Kitty graphics protocol's answers),
- `DCS >| ... ST` (XTVERSION), `DCS 0|1 $ r ... ST` (DECRQSS), `DCS 0|1 + r ... ST` (XTGETTCAP),
- `OSC 4|10|11|12 ; ... ST` (colour answers).

None of these can be typed on a keyboard, and none is a sequence Textual itself asks for
(its in-band resize is `CSI 48 ; ... t`, its mode queries answer `CSI ? ... $ y`; both pass).
Bracketed pastes pass untouched, whatever they hold. No Textual import: the start-up probe
uses the same filter before Textual exists.
"""

from __future__ import annotations

from collections.abc import Callable

ESC = "\x1b"
ST = "\x1b\\"
BEL = "\x07"
PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"

HOLD_SECONDS = 0.1  # a possible reply cut by the end of a read waits this long for its rest
MAX_REPLY = 4096  # longer "replies" are not replies: let them through rather than hold them

_DCS_REPLIES = (">|", "0$r", "1$r", "0+r", "1+r")
_OSC_REPLIES = ("4;", "10;", "11;", "12;")

# What `_classify` says about the text at an ESC: keep it, it is a reply, a paste starts,
# or the text ends before anything can be said.
_KEEP, _REPLY, _PASTE, _PARTIAL = "keep", "reply", "paste", "partial"


def _string_end(data: str, start: int) -> int | None:
    """Index just past the ST (or BEL) ending a string sequence, or None if not there yet."""
    st, bel = data.find(ST, start), data.find(BEL, start)
    ends = [i + len(ST) for i in (st,) if i >= 0] + [i + 1 for i in (bel,) if i >= 0]
    return min(ends) if ends else None


def _string_reply(data: str, pos: int, intros: tuple[str, ...]) -> tuple[str, int]:
    """A DCS / OSC / APC at `pos` (2 characters of introducer) whose body starts with an intro."""
    body = data[pos + 2 : pos + 2 + max(map(len, intros))]
    if not any(body.startswith(intro) for intro in intros):
        if any(intro.startswith(body) for intro in intros) and pos + 2 + len(body) == len(data):
            return _PARTIAL, 0
        return _KEEP, 2
    end = _string_end(data, pos + 2)
    if end is None:
        return (_PARTIAL, 0) if len(data) - pos < MAX_REPLY else (_KEEP, 2)
    return _REPLY, end - pos


def _csi_reply(params: str, final: str) -> bool:
    if final == "c":
        return params[:1] in ("?", ">")
    if final == "t":
        fields = params.split(";")
        return len(fields) == 3 and fields[0] in ("4", "6", "8") and all(
            field.isdigit() for field in fields
        )
    return False


def _classify(data: str, pos: int) -> tuple[str, int]:
    """What the sequence starting with the ESC at `pos` is, and how long it is."""
    if pos + 1 >= len(data):
        return _PARTIAL, 0
    kind = data[pos + 1]
    if kind == "[":
        end = pos + 2
        while end < len(data) and "\x20" <= data[end] <= "\x3f":
            end += 1
        if end >= len(data):
            return (_PARTIAL, 0) if end - pos < 64 else (_KEEP, end - pos)
        final = data[end]
        if not "\x40" <= final <= "\x7e":
            return _KEEP, end - pos
        length = end + 1 - pos
        if data[pos : pos + length] == PASTE_START:
            return _PASTE, length
        return (_REPLY if _csi_reply(data[pos + 2 : end], final) else _KEEP), length
    if kind == "_":
        return _string_reply(data, pos, ("G",))
    if kind == "P":
        return _string_reply(data, pos, _DCS_REPLIES)
    if kind == "]":
        return _string_reply(data, pos, _OSC_REPLIES)
    return _KEEP, 1


def _partial_suffix(text: str, marker: str) -> int:
    """Length of the longest end of `text` that begins `marker` (a marker cut by a read)."""
    for length in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-length:]):
            return length
    return 0


class ReplyFilter:
    """Stateful: feed it input as it arrives; it returns what is not a terminal reply.

    A possible reply cut by the end of a read is held until the next read, or until
    `flush` finds it older than HOLD_SECONDS (a lone ESC key, say), then passed on.
    """

    def __init__(
        self, on_reply: Callable[[str], None] | None = None, *, expecting: bool = True
    ) -> None:
        self.on_reply = on_reply
        self.swallowed = 0  # replies taken out so far (shown in Diagnostics)
        # Whether answers may still be on their way (the probe's DA1 sentinel not seen yet).
        # Only then is a lone ESC at the end of a read held: otherwise it is the Escape key,
        # and holding it would only make Escape slower.
        self.expecting = expecting
        self._held = ""
        self._held_since = 0.0
        self._in_paste = False

    def feed(self, text: str, now: float) -> str:
        if not self._held:
            self._held_since = now  # held text keeps the time its first part arrived
        data, self._held = self._held + text, ""
        out: list[str] = []
        pos = 0
        while pos < len(data):
            if self._in_paste:
                end = data.find(PASTE_END, pos)
                if end < 0:
                    keep = _partial_suffix(data[pos:], PASTE_END)
                    out.append(data[pos : len(data) - keep])
                    self._hold(data[len(data) - keep :])
                    break
                out.append(data[pos : end + len(PASTE_END)])
                pos, self._in_paste = end + len(PASTE_END), False
                continue
            esc = data.find(ESC, pos)
            if esc < 0:
                out.append(data[pos:])
                break
            out.append(data[pos:esc])
            kind, length = _classify(data, esc)
            if kind == _PARTIAL and esc == len(data) - 1 and not self.expecting:
                kind, length = _KEEP, 1  # a lone ESC, with no answer due: the Escape key
            if kind == _PARTIAL:
                self._hold(data[esc:])
                break
            sequence = data[esc : esc + length]
            if kind == _REPLY:
                self.swallowed += 1
                if sequence.startswith("\x1b[?") and sequence.endswith("c"):
                    self.expecting = False  # the sentinel: every answer due has come
                if self.on_reply is not None:
                    self.on_reply(sequence)
            else:
                out.append(sequence)
                self._in_paste = kind == _PASTE
            pos = esc + length
        return "".join(out)

    def flush(self, now: float, *, force: bool = False) -> str:
        """Pass on held text that waited HOLD_SECONDS (or any, with `force`) for its rest."""
        if self._held and (force or now - self._held_since >= HOLD_SECONDS):
            held, self._held = self._held, ""
            return held
        return ""

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def _hold(self, text: str) -> None:
        self._held = text
