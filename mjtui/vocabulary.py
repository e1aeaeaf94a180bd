"""Words for people: status names and task names, the same in the dashboard and the CLI.

No Textual here: the CLI imports it. JSON output keeps the API's own names; everything a
person reads (table, detail pane, lineage, the CLI's plain lines) says these.
"""

from __future__ import annotations

from mjtui import buttons
from mjtui.api.models import Status, Task
from mjtui.buttons import ButtonKind
from mjtui.session import TrackedTask
from mjtui.text import printable

STATUS_LABELS: dict[Status, str] = {
    Status.NOT_START: "QUEUED",
    Status.SUBMITTED: "SUBMITTED",
    Status.IN_PROGRESS: "RUNNING",
    Status.MODAL: "NEEDS INPUT",
    Status.SUCCESS: "DONE",
    Status.FAILURE: "FAILED",
    Status.EXPIRED: "EXPIRED",
    Status.FORBIDDEN: "FORBIDDEN",
    Status.UNKNOWN: "CHECKING",  # tracked, not seen yet: the first poll is on its way
}
STATUS_WIDTH = max(len(label) for label in STATUS_LABELS.values())

# Shorter titles than the catalogue's where a row name needs them.
_SHORT_TITLES: dict[ButtonKind, str] = {
    ButtonKind.ZOOM_OUT_2X: "Zoom 2x",
    ButtonKind.ZOOM_OUT_1_5X: "Zoom 1.5x",
    ButtonKind.ANIMATE_HIGH: "Animate high",
    ButtonKind.ANIMATE_LOW: "Animate low",
}
# Origins that made nothing from another task (the API's action then says enough).
_NOT_FOLLOW_UPS = {"", "imagine", "added", "describe", "blend"}
# The API's action names of follow-ups, for origins saved as an action (`upscale`).
_API_ACTIONS: dict[str, str] = {
    "upscale": "Upscale",
    "variation": "Variation",
    "reroll": "Reroll",
    "inpaint": "Vary (Region)",
    "outpaint": "Zoom",
    "zoom": "Zoom",
    "pan": "Pan",
    "low_variation": "Vary (Subtle)",
    "high_variation": "Vary (Strong)",
    "video": "Animate",
}
SEPARATOR = " · "


def status_label(status: Status) -> str:
    """The word people see for a status: DONE, RUNNING, NEEDS INPUT, ..."""
    return STATUS_LABELS.get(status, status.value)


def origin_tag(tracked: TrackedTask) -> str:
    """What made a follow-up, as people call it: `U2`, `V3`, `Zoom 2x`, `Reroll`; empty for
    an imagine, a task added by ID, or an origin that names no button."""
    origin = printable(tracked.origin).strip()
    if origin.lower() in _NOT_FOLLOW_UPS:
        return ""
    try:
        kind, index = buttons.parse_name(origin)
    except buttons.UnknownButton:
        kind, index = None, None
    if kind is not None:
        if kind in (ButtonKind.UPSCALE, ButtonKind.VARIATION) and index:
            return f"{kind.value[0]}{index}"
        return _SHORT_TITLES.get(kind, kind.value)
    if origin.startswith("MJ::"):  # a raw customId: name it by what it looks like
        kind = buttons.kind_of(origin)
        return _SHORT_TITLES.get(kind, kind.value)
    # An origin we cannot name (text from elsewhere) adds nothing to a row's name: the
    # detail pane shows it as it is.
    return _API_ACTIONS.get(origin.lower().replace("-", "_"), "")


def prompt_line(task: Task) -> str:
    """A task's prompt for one line: a describe's first suggestion (not its keycap text with
    its line breaks), else the prompt as the API gave it ("" when there is none)."""
    return task.prompts[0] if task.prompts else task.prompt


def display_name(tracked: TrackedTask) -> str:
    """What a task is called: the user's label, else `U2 · <prompt>` for a follow-up (the
    prompt alone for an imagine), else the action, else the ID (a task added by ID shows its
    ID until the first answer)."""
    if tracked.label:
        return tracked.label
    task = tracked.task
    tag = origin_tag(tracked)
    prompt = prompt_line(task)
    if prompt:
        return f"{tag}{SEPARATOR}{prompt}" if tag else prompt
    return tag or task.action.title() or task.id


def action_name(tracked: TrackedTask) -> str:
    """The Action column: what made the task (`U2`, `Zoom 2x`), else the API's action
    (`IMAGINE`); empty until the first answer says it."""
    return origin_tag(tracked) or tracked.task.action
