"""What the API takes in an imagine's structured fields, checked before anything is sent
(docs/api-notes.md#imagine-fields): one set of rules for the imagine form and `mjtui imagine`.

Each check takes what a person typed and answers (value, "") or (None, why not); the why
is short enough to stand under a form field and reads after the field's name on stderr.
No Textual here.
"""

from __future__ import annotations

import re
from dataclasses import replace

from mjtui.api.client import ImagineRequest
from mjtui.api.requests import SPEEDS

VERSIONS = ("8.1", "7", "6.1", "5.2", "5.1")  # `--v` values the API takes
NIJI_VERSIONS = ("7", "6")  # with niji: true these become Niji versions
QUALITIES = ("0.25", "0.5", "1", "2")
INT_RANGES: dict[str, tuple[int, int]] = {
    "stylize": (0, 1000),
    "chaos": (0, 100),
    "weird": (0, 3000),
    "seed": (0, 4294967295),
}
# The reference and repeat fields (not in the imagine form's number fields).
REFERENCE_RANGES: dict[str, tuple[int, int]] = {"sw": (0, 1000), "cw": (0, 100), "repeat": (2, 40)}
IW_RANGE = (0.0, 3.0)
VERSION_HINT = f"{' '.join(VERSIONS)} niji {'/'.join(NIJI_VERSIONS)}"
_RATIO = re.compile(r"^\s*(\d{1,4})\s*:\s*(\d{1,4})\s*$")
_NIJI = re.compile(r"^niji\s*(\S*)$", re.IGNORECASE)
_STYLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


def check_int(text: str, low: int, high: int) -> tuple[int | None, str]:
    """An optional whole number in [low, high]: (value, "") or (None, why not)."""
    text = text.strip()
    if not text:
        return None, ""
    if not re.fullmatch(r"-?\d+", text):
        return None, f"whole number {low}-{high}"
    value = int(text)
    if value > high:
        return None, f"at most {high}"
    if value < low:
        return None, f"at least {low}"
    return value, ""


def check_ratio(text: str) -> tuple[str | None, str]:
    """An optional aspect ratio W:H with both sides positive, normalised to `W:H`."""
    if not text.strip():
        return None, ""
    match = _RATIO.match(text)
    if not match or not int(match.group(1)) or not int(match.group(2)):
        return None, "W:H, like 16:9"
    return f"{int(match.group(1))}:{int(match.group(2))}", ""


def check_version(text: str) -> tuple[str | None, bool | None, str]:
    """An optional version: (version, niji, "") or (None, None, why not).

    `7`, `6.1`... are Midjourney versions; `niji 6` (or `niji` alone) sets niji with that
    version, the way the API takes it (version "6" plus niji true)."""
    text = text.strip()
    if not text:
        return None, None, ""
    niji = _NIJI.match(text)
    if niji:
        number = niji.group(1)
        if not number:
            return None, True, ""
        if number in NIJI_VERSIONS:
            return number, True, ""
        return None, None, f"not niji {number}: niji {'/'.join(NIJI_VERSIONS)}"
    if text.lower().startswith("v"):
        text = text[1:].strip()
    if text in VERSIONS:
        return text, None, ""
    return None, None, f"not {text}: {VERSION_HINT}"


def check_quality(text: str) -> tuple[str | None, str]:
    text = text.strip()
    if not text:
        return None, ""
    return (text, "") if text in QUALITIES else (None, f"one of {', '.join(QUALITIES)}")


def check_style(text: str) -> tuple[str | None, str]:
    text = text.strip()
    if not text:
        return None, ""
    return (text, "") if _STYLE.match(text) else (None, "one word, like raw")


def check_request(request: ImagineRequest) -> tuple[ImagineRequest, dict[str, str]]:
    """The request with its fields normalised, and {field: why} for each one the API would
    not take (empty when all is well). Fields set to None are not checked."""
    errors: dict[str, str] = {}
    fixed = request
    if not request.prompt.strip():
        errors["prompt"] = "the prompt is empty"
    if request.size is not None:
        size, errors["size"] = check_ratio(request.size)
        fixed = replace(fixed, size=size or request.size)
    if request.version is not None:
        version, niji, errors["version"] = check_version(request.version)
        if not errors["version"]:
            fixed = replace(fixed, version=version, niji=niji or request.niji)
    if request.niji and fixed.version is not None and fixed.version not in NIJI_VERSIONS:
        errors["version"] = f"niji takes {' or '.join(NIJI_VERSIONS)}, not {fixed.version}"
    for name, (low, high) in (INT_RANGES | REFERENCE_RANGES).items():
        value = getattr(request, name)
        if value is not None:
            errors[name] = check_int(str(value), low, high)[1]
    if request.iw is not None and not IW_RANGE[0] <= request.iw <= IW_RANGE[1]:
        errors["iw"] = f"{IW_RANGE[0]:g} to {IW_RANGE[1]:g}"
    if request.quality is not None:
        errors["quality"] = check_quality(request.quality)[1]
    if request.style is not None:
        errors["style"] = check_style(request.style)[1]
    if request.speed is not None and request.speed not in SPEEDS:
        errors["speed"] = f"one of {', '.join(SPEEDS)}"
    if request.draft and fixed.version in ("6.1", "5.2", "5.1"):
        errors["draft"] = "draft needs version 7 or later"
    return fixed, {name: why for name, why in errors.items() if why}
