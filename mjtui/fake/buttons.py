"""Which buttons a finished job offers, and how follow-up calls pick one.

Button sets follow docs/api-notes.md#buttons (in the order midjourney-proxy's button
factory uses): a 2×2 grid offers U1–U4, 🔄, V1–V4; an upscaled single offers HD
upscales, Vary (Subtle/Strong/Region), zooms, pans, Animate and 🔄; an
HD-upscale result drops the HD upscales and the pans.  v8 drops HD upscale,
zoom and pan.  Auto-matching maps ``index``/``direction``/``zoom_ratio``
to one of the parent's ``customId`` values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

Button = dict[str, Any]

PAN_EMOJI = {"left": "⬅️", "right": "➡️", "up": "⬆️", "down": "⬇️"}
REROLL_EMOJI = "🔄"

# Which button families each follow-up endpoint accepts as custom_id.
ENDPOINT_FAMILIES: dict[str, frozenset[str]] = {
    "upscale": frozenset({"upsample", "upsample_hd"}),
    "variation": frozenset({"variation", "low_variation"}),
    "high-variation": frozenset({"high_variation"}),
    "low-variation": frozenset({"low_variation", "variation"}),
    "reroll": frozenset({"reroll"}),
    "zoom": frozenset({"outpaint", "custom_zoom"}),
    "pan": frozenset({"pan"}),
    "inpaint": frozenset({"inpaint"}),
}
# family of the chosen button -> (MJ action, result kind, starts in MODAL); the kinds are
# mjtui.fake.jobs.GRID/SINGLE/VIDEO (literal here: jobs imports this module).
_EFFECTS = {
    "upsample": ("UPSCALE", "single", False), "upsample_hd": ("UPSCALE", "single", False),
    "reroll": ("REROLL", "grid", False), "outpaint": ("ZOOM", "grid", False),
    "custom_zoom": ("ZOOM", "grid", True), "pan": ("PAN", "grid", False),
    "inpaint": ("INPAINT", "grid", True), "animate": ("VIDEO", "video", False),
}
_VARY_ACTIONS = {"variation": "VARIATION", "low-variation": "LOW_VARIATION",
                 "high-variation": "HIGH_VARIATION"}


def button_effect(endpoint: str, family: str) -> tuple[str, str, bool]:
    """What running a button family via ``endpoint`` creates: (action, kind, MODAL?)."""
    return _EFFECTS.get(family, (_VARY_ACTIONS.get(endpoint, "VARIATION"), "grid", False))


def button(custom_id: str, label: str = "", emoji: str = "") -> Button:
    """One button in the MJ view shape (style 2 = secondary, type 2 = button)."""
    return {"customId": custom_id, "label": label, "emoji": emoji, "style": 2, "type": 2}


def reroll_button(h: str) -> Button:
    return button(f"MJ::JOB::reroll::0::{h}::SOLO", "", REROLL_EMOJI)


def grid_buttons(h: str) -> list[Button]:
    """U1..U4, 🔄, V1..V4 — the 9 buttons of any 2×2 grid result."""
    ups = [button(f"MJ::JOB::upsample::{n}::{h}", f"U{n}") for n in range(1, 5)]
    vars_ = [button(f"MJ::JOB::variation::{n}::{h}", f"V{n}") for n in range(1, 5)]
    return [*ups, reroll_button(h), *vars_]


def version_of(prompt: str) -> str:
    """The model version a prompt asks for: "7" by default, "niji 6", "6.1", "8.1"…"""
    match = re.search(r"--niji(?:\s+(\d+(?:\.\d+)?))?", prompt)
    if match:
        return f"niji {match.group(1) or '6'}"
    match = re.search(r"--(?:v|version)\s+(\d+(?:\.\d+)?)", prompt)
    return match.group(1) if match else "7"


def _numeric_version(version: str) -> float:
    try:
        return float(version.removeprefix("niji").strip())
    except ValueError:
        return 7.0


def hd_prefix(version: str) -> str | None:
    """The customId infix of HD upscales for a model version (None for v8)."""
    num = _numeric_version(version)
    if num >= 8:
        return None
    if num < 6:
        return "v5"
    if version.startswith("niji"):
        return "v7" if num >= 7 else "v6"
    if num >= 7:
        return "v7"
    return "v6r1" if num >= 6.1 else "v6"


def single_buttons(h: str, version: str = "7", hd: bool = False) -> list[Button]:
    """Buttons of an upscaled single image (``hd``: result of an HD upscale)."""
    out: list[Button] = []
    prefix = hd_prefix(version)
    if not hd and prefix == "v5":
        out += [button(f"MJ::JOB::upsample_v5_2x::1::{h}::SOLO", "Upscale (2x)"),
                button(f"MJ::JOB::upsample_v5_4x::1::{h}::SOLO", "Upscale (4x)")]
    elif not hd and prefix:
        out += [button(f"MJ::JOB::upsample_{prefix}_2x_subtle::1::{h}::SOLO", "Upscale (Subtle)"),
                button(f"MJ::JOB::upsample_{prefix}_2x_creative::1::{h}::SOLO",
                       "Upscale (Creative)")]
    out += [button(f"MJ::JOB::low_variation::1::{h}::SOLO", "Vary (Subtle)", "🪄"),
            button(f"MJ::JOB::high_variation::1::{h}::SOLO", "Vary (Strong)", "🪄"),
            button(f"MJ::Inpaint::1::{h}::SOLO", "Vary (Region)", "🖌️")]
    num = _numeric_version(version)
    if 5 <= num < 8:
        out += [button(f"MJ::Outpaint::50::1::{h}::SOLO", "Zoom Out 2x", "🔍"),
                button(f"MJ::Outpaint::75::1::{h}::SOLO", "Zoom Out 1.5x", "🔍"),
                button(f"MJ::CustomZoom::{h}", "Custom Zoom", "🔍")]
        if not hd:
            out += [button(f"MJ::JOB::pan_{d}::1::{h}::SOLO", "", e) for d, e in PAN_EMOJI.items()]
    out += [button(f"MJ::JOB::animate_high::1::{h}::SOLO", "Animate (High motion)", "🎞️"),
            button(f"MJ::JOB::animate_low::1::{h}::SOLO", "Animate (Low motion)", "🎞️"),
            reroll_button(h)]
    return out


def describe_buttons(h: str) -> list[Button]:
    """1️⃣–4️⃣ (imagine suggestion N), 🎉 Imagine all, 🔄 retry
    (docs/api-notes.md#describe)."""
    digits = ["1️⃣", "2️⃣", "3️⃣", "4️⃣"]
    out = [button(f"MJ::Job::PicReader::{n}", "", digits[n - 1]) for n in range(1, 5)]
    return [*out, button("MJ::Job::PicReader::all", "Imagine all", "🎉"),
            button("MJ::Picread::Retry", "", REROLL_EMOJI)]


@dataclass(frozen=True)
class ParsedId:
    """What a customId asks for: family, tile/zoom number and extra detail."""

    family: str  # upsample, upsample_hd, variation, low_variation, high_variation, reroll,
    #              pan, animate, inpaint, outpaint, custom_zoom
    number: int = 1
    detail: str = ""  # pan direction, HD mode (v7_2x_subtle), animate motion, zoom percent
    solo: bool = False


_JOB_RE = re.compile(r"^MJ::JOB::([a-z0-9_]+)::(\d+)::[0-9a-fA-F-]+(::SOLO)?$")


def parse_custom_id(custom_id: str) -> ParsedId | None:
    """Classify a customId; None when it is not a button the fake can run."""
    m = _JOB_RE.match(custom_id)
    if m:
        name, num, solo = m.group(1), int(m.group(2)), bool(m.group(3))
        if name == "upsample":
            return ParsedId("upsample", num)
        if name.startswith("upsample_"):
            return ParsedId("upsample_hd", num, name.removeprefix("upsample_"), solo)
        if name.startswith("pan_"):
            return ParsedId("pan", num, name.removeprefix("pan_"), solo)
        if name.startswith("animate_"):
            return ParsedId("animate", num, name.removeprefix("animate_"), solo)
        if name in ("variation", "low_variation", "high_variation", "reroll"):
            return ParsedId(name, num, "", solo)
        return None
    if m := re.match(r"^MJ::Inpaint::(\d+)::[0-9a-fA-F-]+::SOLO$", custom_id):
        return ParsedId("inpaint", int(m.group(1)), "", True)
    if m := re.match(r"^MJ::Outpaint::(\d+)::(\d+)::[0-9a-fA-F-]+::SOLO$", custom_id):
        return ParsedId("outpaint", int(m.group(2)), m.group(1), True)
    if re.match(r"^MJ::CustomZoom::[0-9a-fA-F-]+$", custom_id):
        return ParsedId("custom_zoom")
    return None


def _find(buttons: list[Button], pred: Any) -> str | None:
    for b in buttons:
        parsed = parse_custom_id(b["customId"])
        if parsed and pred(parsed, b):
            return str(b["customId"])
    return None


def auto_match(endpoint: str, buttons: list[Button], *, index: int = 1,
               direction: str | None = None, zoom_ratio: float | None = None) -> str | None:
    """Pick the parent's customId for a follow-up without ``custom_id``
    (docs/api-notes.md#buttons)."""
    if endpoint == "upscale":
        return _find(buttons, lambda p, b: p.family == "upsample" and p.number == index)
    if endpoint == "variation":
        return (_find(buttons, lambda p, b: p.family == "variation" and not p.solo
                      and p.number == index)
                or _find(buttons, lambda p, b: p.family == "low_variation"))
    if endpoint == "low-variation":
        return (_find(buttons, lambda p, b: p.family == "low_variation")
                or _find(buttons, lambda p, b: p.family == "variation" and p.solo)
                or _find(buttons, lambda p, b: p.family == "variation" and p.number == index))
    if endpoint == "high-variation":
        return _find(buttons, lambda p, b: p.family == "high_variation")
    if endpoint == "reroll":
        return _find(buttons, lambda p, b: p.family == "reroll" or b.get("emoji") == REROLL_EMOJI)
    if endpoint == "pan":
        return _find(buttons, lambda p, b: p.family == "pan" and p.detail == direction)
    if endpoint == "zoom":
        percent = "75" if zoom_ratio is not None and zoom_ratio < 2 else "50"
        return _find(buttons, lambda p, b: p.family == "outpaint" and p.detail == percent)
    if endpoint == "inpaint":
        return _find(buttons, lambda p, b: p.family == "inpaint")
    return None


# --- follow-up requests: validate the body, then pick the parent's button ---------------

DIRECTIONS = ("left", "right", "up", "down")


class ButtonError(ValueError):
    """A follow-up that cannot run; ``str(err)`` is the 400 ``description``."""


@dataclass(frozen=True)
class FollowupArgs:
    """The validated selector fields of a follow-up body."""

    custom_id: str | None
    index: int | None
    direction: str | None
    zoom_ratio: float | None


def check_index(value: Any, lo: int = 1, hi: int = 4) -> int | None:
    """``None`` stays None; anything but an int in [lo, hi] raises the doc's sentence."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ButtonError(f"index must be between {lo} and {hi}")
    return value


def parse_followup(endpoint: str, body: dict[str, Any]) -> FollowupArgs:
    """Check the body fields that need no parent (index, direction, zoom_ratio)."""
    custom_id = body.get("custom_id")
    if custom_id is not None and not isinstance(custom_id, str):
        raise ButtonError("custom_id must be a string")
    index = check_index(body.get("index"))
    direction = body.get("direction")
    if direction is not None and direction not in DIRECTIONS:
        raise ButtonError("direction must be one of left, right, up, down")
    if endpoint == "pan" and not custom_id and direction is None:
        raise ButtonError("direction or custom_id is required for pan")
    ratio = body.get("zoom_ratio")
    if ratio is not None and (isinstance(ratio, bool) or not isinstance(ratio, (int, float))
                              or ratio < 1):
        raise ButtonError("zoom_ratio must be a number of at least 1")
    return FollowupArgs(custom_id or None, index, direction,
                        float(ratio) if ratio is not None else None)


def pick_button(endpoint: str, args: FollowupArgs, task_id: str, parent_kind: str,
                parent_hash: str, parent_hd: bool,
                buttons: list[Button]) -> tuple[str | None, ParsedId]:
    """The customId a follow-up runs and what it means: ``custom_id`` wins, else
    auto-matching (docs/api-notes.md#buttons).  The id is None for Vary (Strong) on a grid tile."""
    if args.custom_id:
        parsed = parse_custom_id(args.custom_id)
        # HD upscale ids are accepted even when not listed (docs/api-notes.md#buttons),
        # but only on a plain upscaled single of that job.
        hd_ok = (parsed is not None and parsed.family == "upsample_hd"
                 and parent_hash in args.custom_id and parent_kind == "single" and not parent_hd)
        if args.custom_id not in {b["customId"] for b in buttons} and not hd_ok:
            raise ButtonError(f"custom_id {args.custom_id} is not a button of task {task_id}")
        if parsed is None or parsed.family not in ENDPOINT_FAMILIES[endpoint]:
            raise ButtonError(f"custom_id {args.custom_id} cannot be used with {endpoint}")
        return args.custom_id, parsed
    if endpoint in ("zoom", "pan", "inpaint") and parent_kind != "single":
        raise ButtonError("This action requires an upscaled task.")
    needs_index = ("upscale", "variation", "low-variation", "high-variation")
    if endpoint in needs_index and parent_kind == "grid" and args.index is None:
        raise ButtonError(f"index or custom_id is required for {endpoint}")
    if endpoint == "upscale" and parent_kind != "grid":
        raise ButtonError(f"task {task_id} is not a grid; pass custom_id for an HD upscale")
    if endpoint == "high-variation" and parent_kind == "grid" and args.index is not None:
        # Vary (Strong) on a grid tile by index, as the API's own workflow example does
        # (docs/api-notes.md#buttons).
        return None, ParsedId("high_variation", args.index)
    custom_id = auto_match(endpoint, buttons, index=args.index or 1,
                           direction=args.direction, zoom_ratio=args.zoom_ratio)
    parsed = parse_custom_id(custom_id) if custom_id else None
    if custom_id is None or parsed is None:
        raise ButtonError(f"no button of task {task_id} matches this {endpoint} request")
    return custom_id, parsed
