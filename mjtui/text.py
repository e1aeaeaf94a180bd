"""Make untrusted API text safe to print in a terminal.

Prompts, fail reasons and IDs come from the API and may carry escape sequences (ANSI, OSC 52,
OSC 8), bidi overrides or NUL. Printed raw they could recolour, retitle or even write the
user's clipboard. `printable` renders every such character as a visible escape instead, so the
user sees exactly what the API sent. (Rich/Textual markup is a separate concern: the UI never
parses API text as markup.)
"""

from __future__ import annotations

import unicodedata

# Bidi controls that reorder what follows (Trojan Source); shown, never obeyed.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape(char: str) -> str:
    code = ord(char)
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    if char == "\r":
        return "\\r"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def is_unsafe_char(char: str) -> bool:
    """Control, format-control (bidi) and separator characters a terminal may act on, and
    lone surrogates (from a JSON `\\ud83d` escape): no terminal can be sent those at all."""
    if char in _BIDI:
        return True
    category = unicodedata.category(char)
    return category in ("Cc", "Cs", "Zl", "Zp") or (
        category == "Cf" and char not in "\u200d\ufe0f"
    )


def printable(text: str, *, keep_newlines: bool = False, limit: int | None = None) -> str:
    """`text` with every unsafe character replaced by a visible escape like `\\x1b`.

    Zero-width joiners and variation selectors stay (emoji need them). With `limit`, the
    result is cut to that many characters with an ellipsis.
    """
    if text.isprintable() and not any(c in _BIDI for c in text):
        if limit is not None and len(text) > limit:
            return text[: max(0, limit - 1)] + "…"
        return text
    pieces = [
        char if (keep_newlines and char == "\n") or not is_unsafe_char(char) else _escape(char)
        for char in text
    ]
    # The limit counts what is shown (escapes included), and never splits an escape.
    if limit is not None and sum(len(p) for p in pieces) > limit:
        kept, size = [], 0
        for piece in pieces:
            if size + len(piece) > max(0, limit - 1):
                break
            kept.append(piece)
            size += len(piece)
        return "".join(kept) + "…"
    return "".join(pieces)
