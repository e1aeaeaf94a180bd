"""The button catalogue: what a `customId` does, what to call it, and how to submit it.

Midjourney buttons arrive as opaque `customId`s (`MJ::JOB::upsample::1::<hash>`). This module
turns one into a `ButtonSpec` (its kind, tile index, human title and short CLI name) and
builds the exact apimart request that presses it. Unknown buttons still work: they are sent
through their raw customId to the endpoint of the family their id looks like. A button the
API documents no endpoint for (`NOT_SENT`) is refused with the reason, never guessed at.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from mjtui.api.models import Button, Submission
from mjtui.errors import UnknownButton


class ButtonKind(enum.Enum):
    """What pressing a button does. The value is the human title (index added for U/V)."""

    UPSCALE = "Upscale"
    VARIATION = "Variation"
    REROLL = "Reroll"
    VARY_SUBTLE = "Vary (Subtle)"
    VARY_STRONG = "Vary (Strong)"
    VARY_REGION = "Vary (Region)"
    MAKE_VARIATIONS = "Make Variations"
    ZOOM_OUT_2X = "Zoom Out 2x"
    ZOOM_OUT_1_5X = "Zoom Out 1.5x"
    MAKE_SQUARE = "Make Square"
    CUSTOM_ZOOM = "Custom Zoom"
    PAN_LEFT = "Pan Left"
    PAN_RIGHT = "Pan Right"
    PAN_UP = "Pan Up"
    PAN_DOWN = "Pan Down"
    UPSCALE_SUBTLE = "Upscale (Subtle)"
    UPSCALE_CREATIVE = "Upscale (Creative)"
    UPSCALE_2X = "Upscale (2x)"
    UPSCALE_4X = "Upscale (4x)"
    ANIMATE_HIGH = "Animate (High motion)"
    ANIMATE_LOW = "Animate (Low motion)"
    BOOKMARK = "Bookmark"
    DESCRIBE_AGAIN = "Describe again"  # a describe's 🔄: no endpoint, never sent (NOT_SENT)
    UNKNOWN = "Button"

# (pattern over the customId, kind). First match wins, so specific patterns come first.
_PATTERNS: list[tuple[re.Pattern[str], ButtonKind]] = [
    (re.compile(p, re.IGNORECASE), k)
    for p, k in [
        (r"::upsample_v\d+(?:r\d+)?_2x_subtle::", ButtonKind.UPSCALE_SUBTLE),
        (r"::upsample_v\d+(?:r\d+)?_2x_creative::", ButtonKind.UPSCALE_CREATIVE),
        (r"::upsample_v\d+(?:r\d+)?_2x::", ButtonKind.UPSCALE_2X),
        (r"::upsample_v\d+(?:r\d+)?_4x::", ButtonKind.UPSCALE_4X),
        (r"::upsample::\d+::", ButtonKind.UPSCALE),
        (r"::reroll::", ButtonKind.REROLL),
        (r"::low_variation::", ButtonKind.VARY_SUBTLE),
        (r"::high_variation::", ButtonKind.VARY_STRONG),
        (r"::variation::\d+::[^:]+::SOLO", ButtonKind.MAKE_VARIATIONS),
        (r"::variation::\d+::", ButtonKind.VARIATION),
        (r"^MJ::Inpaint::", ButtonKind.VARY_REGION),
        (r"^MJ::Outpaint::50::", ButtonKind.ZOOM_OUT_2X),
        (r"^MJ::Outpaint::75::", ButtonKind.ZOOM_OUT_1_5X),
        (r"^MJ::Outpaint::100::", ButtonKind.MAKE_SQUARE),
        (r"^MJ::CustomZoom::", ButtonKind.CUSTOM_ZOOM),
        (r"::pan_left::", ButtonKind.PAN_LEFT),
        (r"::pan_right::", ButtonKind.PAN_RIGHT),
        (r"::pan_up::", ButtonKind.PAN_UP),
        (r"::pan_down::", ButtonKind.PAN_DOWN),
        (r"::animate_high::", ButtonKind.ANIMATE_HIGH),
        (r"::animate_low::", ButtonKind.ANIMATE_LOW),
        (r"^MJ::BOOKMARK::", ButtonKind.BOOKMARK),
        (r"^MJ::Picread::Retry", ButtonKind.DESCRIBE_AGAIN),
    ]
]

# Which apimart endpoint presses each kind (docs/api-notes.md#buttons).
_ENDPOINTS: dict[ButtonKind, str] = {
    ButtonKind.UPSCALE: "upscale",
    ButtonKind.UPSCALE_SUBTLE: "upscale",
    ButtonKind.UPSCALE_CREATIVE: "upscale",
    ButtonKind.UPSCALE_2X: "upscale",
    ButtonKind.UPSCALE_4X: "upscale",
    ButtonKind.VARIATION: "variation",
    ButtonKind.MAKE_VARIATIONS: "low-variation",
    ButtonKind.VARY_SUBTLE: "low-variation",
    ButtonKind.VARY_STRONG: "high-variation",
    ButtonKind.VARY_REGION: "inpaint",
    ButtonKind.REROLL: "reroll",
    ButtonKind.ZOOM_OUT_2X: "zoom",
    ButtonKind.ZOOM_OUT_1_5X: "zoom",
    ButtonKind.MAKE_SQUARE: "zoom",
    ButtonKind.CUSTOM_ZOOM: "zoom",
    ButtonKind.PAN_LEFT: "pan",
    ButtonKind.PAN_RIGHT: "pan",
    ButtonKind.PAN_UP: "pan",
    ButtonKind.PAN_DOWN: "pan",
    ButtonKind.ANIMATE_HIGH: "video",
    ButtonKind.ANIMATE_LOW: "video",
}

# Buttons the API offers but documents no endpoint for: mjtui refuses them with the reason
# instead of guessing a billed request that fails (docs/api-notes.md#describe).
# The reason names no button, so it reads after "Describe again: " or "Reroll is off: ".
NOT_SENT: dict[ButtonKind, str] = {
    ButtonKind.DESCRIBE_AGAIN: (
        "a describe's 🔄 has no apimart endpoint, so mjtui does not send it; describe the "
        "picture again with `mjtui describe IMAGE` (or n → Describe in the dashboard)"),
}

# For raw customIds we do not recognise: guess the family from the id's words.
_FAMILY_HINTS = [
    ("upsample", "upscale"),
    ("low_variation", "low-variation"),
    ("high_variation", "high-variation"),
    ("variation", "variation"),
    ("reroll", "reroll"),
    ("inpaint", "inpaint"),
    ("outpaint", "zoom"),
    ("zoom", "zoom"),
    ("pan_", "pan"),
    ("animate", "video"),
]

# Short names used on the command line and in key hints. U1..V4 are added below.
CLI_NAMES: dict[str, ButtonKind] = {
    "reroll": ButtonKind.REROLL,
    "vary-subtle": ButtonKind.VARY_SUBTLE,
    "vary-strong": ButtonKind.VARY_STRONG,
    "vary-region": ButtonKind.VARY_REGION,
    "make-variations": ButtonKind.MAKE_VARIATIONS,
    "zoom-2x": ButtonKind.ZOOM_OUT_2X,
    "zoom-1.5x": ButtonKind.ZOOM_OUT_1_5X,
    "make-square": ButtonKind.MAKE_SQUARE,
    "custom-zoom": ButtonKind.CUSTOM_ZOOM,
    "pan-left": ButtonKind.PAN_LEFT,
    "pan-right": ButtonKind.PAN_RIGHT,
    "pan-up": ButtonKind.PAN_UP,
    "pan-down": ButtonKind.PAN_DOWN,
    "upscale-subtle": ButtonKind.UPSCALE_SUBTLE,
    "upscale-creative": ButtonKind.UPSCALE_CREATIVE,
    "upscale-2x": ButtonKind.UPSCALE_2X,
    "upscale-4x": ButtonKind.UPSCALE_4X,
    "animate-high": ButtonKind.ANIMATE_HIGH,
    "animate-low": ButtonKind.ANIMATE_LOW,
    "describe-again": ButtonKind.DESCRIBE_AGAIN,
}
_CLI_NAME_OF = {kind: name for name, kind in CLI_NAMES.items()}

# What the server's auto-matching needs when we have no button to send
# (docs/api-notes.md#buttons).
_FALLBACK_FIELDS: dict[ButtonKind, dict[str, Any]] = {
    ButtonKind.REROLL: {},
    ButtonKind.VARY_SUBTLE: {"index": 1},
    ButtonKind.VARY_STRONG: {"index": 1},
    ButtonKind.VARY_REGION: {"index": 1},
    ButtonKind.ZOOM_OUT_2X: {"zoom_ratio": 2},
    ButtonKind.ZOOM_OUT_1_5X: {"zoom_ratio": 1.5},
    ButtonKind.PAN_LEFT: {"direction": "left"},
    ButtonKind.PAN_RIGHT: {"direction": "right"},
    ButtonKind.PAN_UP: {"direction": "up"},
    ButtonKind.PAN_DOWN: {"direction": "down"},
    ButtonKind.ANIMATE_HIGH: {"index": 0, "motion": "high"},
    ButtonKind.ANIMATE_LOW: {"index": 0, "motion": "low"},
}

_INDEX = re.compile(r"::(\d)::")
_U_OR_V = re.compile(r"^([UV])([1-4])$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    """What a button is, as far as mjtui is concerned."""

    kind: ButtonKind
    custom_id: str
    index: int | None  # the tile 1-4 for U/V buttons, else None
    label: str  # what the API calls it: label, else emoji, else our title
    title: str  # our human name: "Upscale 2", "Pan Left", ...

    @property
    def name(self) -> str:
        """The short CLI name: U1..U4, V1..V4, reroll, pan-left, ... or the raw customId."""
        if self.kind is ButtonKind.UPSCALE and self.index:
            return f"U{self.index}"
        if self.kind is ButtonKind.VARIATION and self.index:
            return f"V{self.index}"
        return _CLI_NAME_OF.get(self.kind, self.custom_id)

    @property
    def refusal(self) -> str | None:
        """Why mjtui does not send this button (it has no endpoint), else None."""
        return NOT_SENT.get(self.kind)

    @property
    def endpoint(self) -> str:
        """The endpoint that presses it; empty for a button mjtui does not send."""
        if self.refusal:
            return ""
        return _ENDPOINTS.get(self.kind) or _guess_family(self.custom_id)

    def submission(self, task_id: str, **extra: Any) -> Submission:
        """The request that presses this button on `task_id`, by its customId.

        Raises UnknownButton, saying why, for a button mjtui does not send (`refusal`)."""
        if self.refusal:
            raise UnknownButton(_not_sent(self.kind))
        body: dict[str, Any] = {"task_id": task_id, "custom_id": self.custom_id}
        if self.kind in (ButtonKind.ANIMATE_HIGH, ButtonKind.ANIMATE_LOW):
            # The video endpoint takes a 0-based index and a motion, not a customId.
            body = {"task_id": task_id, **_FALLBACK_FIELDS[self.kind]}
        body.update(extra)
        return Submission(self.endpoint, body)


def _guess_family(custom_id: str) -> str:
    lowered = custom_id.lower()
    for hint, endpoint in _FAMILY_HINTS:
        if hint in lowered:
            return endpoint
    # The upscale endpoint takes customIds it does not list (HD upscales:
    # docs/api-notes.md#buttons), so an unknown one goes there.
    return "upscale"


def kind_of(custom_id: str) -> ButtonKind:
    for pattern, kind in _PATTERNS:
        if pattern.search(custom_id):
            return kind
    return ButtonKind.UNKNOWN


def describe(button: Button) -> ButtonSpec:
    """The ButtonSpec of a button the API sent."""
    kind = kind_of(button.custom_id)
    index: int | None = None
    title = kind.value
    if kind in (ButtonKind.UPSCALE, ButtonKind.VARIATION):
        match = _INDEX.search(button.custom_id)
        index = int(match.group(1)) if match else None
        title = f"{kind.value} {index}" if index else kind.value
    label = button.label or button.emoji or title
    if kind is ButtonKind.UNKNOWN and not (button.label or button.emoji):
        label = title = button.custom_id
    return ButtonSpec(kind, button.custom_id, index, label, title)


def describe_all(buttons: tuple[Button, ...] | list[Button]) -> list[ButtonSpec]:
    return [describe(b) for b in buttons]


def parse_name(name: str) -> tuple[ButtonKind, int | None]:
    """Read a CLI button name (U1, v3, reroll, pan-left, ...) into kind and tile index.

    Raises UnknownButton for anything else (callers then try it as a raw customId).
    """
    match = _U_OR_V.match(name.strip())
    if match:
        letter, index = match.group(1).upper(), int(match.group(2))
        return (ButtonKind.UPSCALE if letter == "U" else ButtonKind.VARIATION), index
    kind = CLI_NAMES.get(name.strip().lower())
    if kind is None:
        raise UnknownButton(name)
    return kind, None


def refusal_of(name: str) -> str | None:
    """Why mjtui does not send the button `name` (a CLI name or a raw customId), else None."""
    try:
        kind, _ = parse_name(name)
    except UnknownButton:
        kind = kind_of(name)
    return _not_sent(kind) if kind in NOT_SENT else None


def _not_sent(kind: ButtonKind) -> str:
    return f"{kind.value}: {NOT_SENT[kind]}"


def resolve(task_id: str, name: str, buttons: tuple[Button, ...] | list[Button]) -> Submission:
    """The request for pressing `name` on a task that offers `buttons`.

    Prefers the task's own button (its customId, so the server needs no matching); falls
    back to index / direction / zoom_ratio when the task's buttons are unknown; a raw customId
    is sent as it is. Raises UnknownButton when nothing fits, or when the button is one mjtui
    does not send (`NOT_SENT`, whether the task offers it or not).
    """
    specs = describe_all(buttons)
    try:
        kind, index = parse_name(name)
    except UnknownButton:
        if "::" not in name:
            known = ", ".join(["U1-U4", "V1-V4", *CLI_NAMES])
            raise UnknownButton(f"unknown button {name!r}; use one of {known}, or a customId")
        for spec in specs:
            if spec.custom_id == name:
                return spec.submission(task_id)
        return describe(Button(name)).submission(task_id)
    if kind in NOT_SENT:
        raise UnknownButton(_not_sent(kind))
    for spec in specs:
        if spec.kind is kind and (index is None or spec.index == index):
            return spec.submission(task_id)
    if specs:
        offered = ", ".join(s.name for s in specs) or "none"
        raise UnknownButton(f"task {task_id} does not offer {name}; it offers: {offered}")
    if kind in (ButtonKind.UPSCALE, ButtonKind.VARIATION):
        return Submission(_ENDPOINTS[kind], {"task_id": task_id, "index": index})
    if kind in _FALLBACK_FIELDS:
        return Submission(_ENDPOINTS[kind], {"task_id": task_id, **_FALLBACK_FIELDS[kind]})
    raise UnknownButton(
        f"{name} needs the task's own button (its customId), and its buttons are not known yet"
    )
