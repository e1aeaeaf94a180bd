"""An imagine request as Midjourney's prompt string, and a prompt string read back into one.

The API appends the structured fields to the prompt as flags (`--ar 16:9 --v 7`, image
prompts first); `final_prompt` shows that string before anything is sent. `parse_prompt`
reads a task's prompt the other way, so "use prompt" fills each field it can and leaves
what it does not know in the prompt text. No Textual here.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import replace
from typing import Any

from mjtui.api.client import ImagineRequest
from mjtui.imagine_fields import check_ratio, check_version

# (field, flag) in the order Midjourney prints them.
_VALUE_FLAGS: tuple[tuple[str, str], ...] = (
    ("size", "--ar"), ("version", "--v"), ("stylize", "--s"), ("chaos", "--c"),
    ("quality", "--q"), ("weird", "--w"), ("seed", "--seed"), ("style", "--style"),
    ("iw", "--iw"), ("sref", "--sref"), ("sw", "--sw"), ("cref", "--cref"), ("cw", "--cw"),
    ("repeat", "--repeat"),
)
_BOOL_FLAGS: tuple[tuple[str, str], ...] = (("tile", "--tile"), ("raw", "--raw"),
                                            ("draft", "--draft"))
# Every spelling a prompt may use -> the field it sets.
_ALIASES: dict[str, str] = {
    "ar": "size", "aspect": "size", "v": "version", "version": "version", "s": "stylize",
    "stylize": "stylize", "c": "chaos", "chaos": "chaos", "q": "quality", "quality": "quality",
    "w": "weird", "weird": "weird", "seed": "seed", "style": "style", "iw": "iw",
    "sref": "sref", "sw": "sw", "cref": "cref", "cw": "cw", "repeat": "repeat", "r": "repeat",
    "no": "negative_prompt", "niji": "niji", "tile": "tile", "raw": "raw", "draft": "draft",
    "relax": "speed", "fast": "speed", "turbo": "speed",
}
_INTS = {"stylize", "chaos", "weird", "seed", "sw", "cw", "repeat"}
_FLAG = re.compile(r"(?:^|\s)--([A-Za-z]+)(?=\s|$)")
_URL = re.compile(r"^(?:https?://\S+|<https?://\S+>)$", re.IGNORECASE)


def _number(value: float) -> str:
    return f"{value:g}"


def final_prompt(request: ImagineRequest) -> str:
    """The prompt as Midjourney will read it: image prompts, the text, then the flags."""
    parts = [*request.image_urls, request.prompt.strip()]
    for name, flag in _VALUE_FLAGS:
        value = getattr(request, name)
        if value is None or value == "":
            continue
        if name == "version" and request.niji:
            continue  # said by --niji below
        parts.append(f"{flag} {_number(value) if isinstance(value, float) else value}")
    if request.niji:
        parts.append(f"--niji {request.version}" if request.version else "--niji")
    for name, flag in _BOOL_FLAGS:
        if getattr(request, name):
            parts.append(flag)
    if request.negative_prompt:
        parts.append(f"--no {request.negative_prompt.strip()}")
    if request.speed:
        parts.append(f"--{request.speed}")
    return " ".join(p for p in parts if p)


def _convert(name: str, value: str) -> Any:
    """A flag's value as the request field takes it; None when it is not one."""
    if name == "size":
        return check_ratio(value)[0]
    if name == "version":
        return check_version(value)[0]
    try:
        if name in _INTS:
            return int(value)
        if name == "iw":
            return float(value)
    except ValueError:
        return None
    return value


def parse_prompt(text: str) -> ImagineRequest:
    """A prompt string read into a request: leading image URLs become image prompts, known
    flags their fields; unknown flags and anything unreadable stay in the prompt text."""
    text = " ".join(text.split())
    words = text.split(" ") if text else []
    images: list[str] = []
    while words and _URL.match(words[0]):
        images.append(words.pop(0).strip("<>"))
    rest = " ".join(words)
    found: dict[str, Any] = {}
    kept: list[str] = []
    matches = list(_FLAG.finditer(rest))
    kept.append(rest[:matches[0].start()] if matches else rest)
    for n, match in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(rest)
        flag, value = match.group(1).lower(), rest[match.end():end].strip()
        name = _ALIASES.get(flag)
        if not _apply(found, name, flag, value):
            kept.append(rest[match.start():end])
    prompt = " ".join(part.strip() for part in kept if part.strip())
    return replace(ImagineRequest(prompt=prompt, image_urls=tuple(images)), **found)


def _apply(found: dict[str, Any], name: str | None, flag: str, value: str) -> bool:
    """Set the field a flag names; False when the flag (or its value) is not understood."""
    if name is None or name in found:
        return False
    if name in ("tile", "raw", "draft"):
        if value:
            return False  # a flag without a value, followed by words: leave it as written
        found[name] = True
        return True
    if name == "speed":
        if value:
            return False
        found[name] = flag
        return True
    if name == "niji":
        if value and not re.fullmatch(r"\d+(?:\.\d+)?", value):
            return False
        found["niji"] = True
        if value:
            found["version"] = value
        return True
    if name == "negative_prompt":
        if not value:
            return False
        found[name] = value
        return True
    if not value or " " in value:
        return False  # a value flag takes one word; more is prompt text we keep
    converted = _convert(name, value.strip("<>"))
    if converted is None:
        return False
    found[name] = converted
    return True


def quoted_paths(text: str) -> list[str]:
    """Image arguments typed into one field: separated by spaces, quotes around a path
    holding spaces ('~/my pics/a.png'); unbalanced quotes split on spaces."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()
