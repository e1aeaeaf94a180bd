"""printable(): API text never drives the terminal, but emoji and CJK survive intact."""

from __future__ import annotations

import pytest

from mjtui.text import is_unsafe_char, printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a \x1b[31mred\x1b[0m", "a \\x1b[31mred\\x1b[0m"),  # ANSI colour
        ("\x1b]52;c;aGVsbG8=\x07", "\\x1b]52;c;aGVsbG8=\\x07"),  # OSC 52 clipboard write
        ("\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
         "\\x1b]8;;https://evil\\x1b\\link\\x1b]8;;\\x1b\\"),
        ("\x1b]0;new title\x07", "\\x1b]0;new title\\x07"),  # window title
        ("\x9b31m", "\\x9b31m"),  # 8-bit CSI
        ("a\x00b", "a\\x00b"),  # NUL
        ("bell\x07", "bell\\x07"),
        ("del\x7f", "del\\x7f"),
        ("back\x08space", "back\\x08space"),
        ("one\ntwo", "one\\ntwo"),
        ("cr\roverwrite", "cr\\roverwrite"),
        ("tab\there", "tab\\there"),
        ("access = \u202e}\u2066if admin\u2069\u2066 begin",  # Trojan Source
         "access = \\u202e}\\u2066if admin\\u2069\\u2066 begin"),
        ("rtl \u200f mark \u200e", "rtl \\u200f mark \\u200e"),
        ("arabic letter mark \u061c", "arabic letter mark \\u061c"),
        ("line\u2028sep\u2029para", "line\\u2028sep\\u2029para"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("bom\ufeff", "bom\\ufeff"),
    ],
)
def test_unsafe_characters_are_shown_escaped(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert "\x1b" not in printable(raw) and "\x07" not in printable(raw)


@pytest.mark.parametrize(
    "text",
    [
        "a lighthouse on a cliff at dusk --ar 3:2 --v 7",
        "👩\u200d👩\u200d👧\u200d👦 family",  # ZWJ sequence
        "🏳️\u200d🌈 flag",  # VS16 + ZWJ
        "❤️ 1️⃣ 2️⃣ 🔄 ⬅️",  # variation selectors and keycaps (button emoji)
        "赛博朋克城市的夜景，霓虹灯",  # CJK
        "東京の夜 ネオン",
        "서울의 밤",
        "cafe\u0301 naïve",  # combining accent
        "Ελληνικά и кириллица",
        "",
    ],
)
def test_safe_text_is_untouched(text: str) -> None:
    assert printable(text) == text
    assert printable(text, keep_newlines=True) == text


def test_keep_newlines() -> None:
    assert printable("one\ntwo\x1b[2J", keep_newlines=True) == "one\ntwo\\x1b[2J"
    assert printable("cr\r\n", keep_newlines=True) == "cr\\r\n"


def test_limit_counts_shown_characters() -> None:
    assert printable("abcdef", limit=4) == "abc…"
    assert printable("abcd", limit=4) == "abcd"
    assert printable("abcdef", limit=0) == "…"
    assert printable("中文字中文字", limit=3) == "中文…"
    # Escapes count, and are never cut in half.
    shown = printable("a\x1bbcdef", limit=4)
    assert shown == "a…" and len(shown) <= 4
    assert len(printable("\x1b" * 100, limit=80)) <= 80
    assert printable("\x1b" * 100, limit=80).endswith("\\x1b…")
    assert printable("a\x1bb", limit=10) == "a\\x1bb"


def test_is_unsafe_char() -> None:
    for char in "\x00\x1b\x07\x7f\x9b\u202e\u2066\u2028\u200b\n\t":
        assert is_unsafe_char(char), repr(char)
    for char in "a 中\u200d\ufe0f😀é":
        assert not is_unsafe_char(char), repr(char)
