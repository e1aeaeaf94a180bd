"""Small renderers shared by the table, the detail pane and the status line.

Everything built from API text goes through `safe_text`: a `rich.text.Text` made from the
string itself (never parsed as markup) with escape sequences shown, not obeyed.
"""

from __future__ import annotations

import time

from rich.style import Style
from rich.text import Text

from mjtui.api.models import Status, Task
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
    Status.UNKNOWN: "…",
}

BAR_WIDTH = 10


def safe_text(value: str, style: str = "", *, limit: int | None = None) -> Text:
    """API text as a literal Text: markup characters stay visible, escapes are shown."""
    return Text(printable(value, limit=limit), style=style, no_wrap=False)


def status_component(status: Status) -> str:
    """The component class (styled in tcss) for a status: `status--in_progress`, ..."""
    return f"status--{status.value.lower()}"


STATUS_COMPONENTS = {status_component(s) for s in Status} | {"status--stalled", "bar--empty"}


SHORT_LABELS = {**STATUS_LABELS, Status.MODAL: "MODAL"}  # table cells are narrow


def status_badge(status: Status, style: Style, stalled_style: Style, *, stalled: bool = False,
                 short: bool = False) -> Text:
    """` DONE ` in the status colour; a stalled task gets a marker after it."""
    label = (SHORT_LABELS if short else STATUS_LABELS)[status]
    text = Text(f" {label} ", style=style)
    if stalled:
        text.append("⚠" if short else " ⚠ stalled", style=stalled_style)
    return text


def progress_bar(progress: int, style: Style, empty: Style, width: int = BAR_WIDTH) -> Text:
    """A block bar plus the percentage."""
    filled = round(width * progress / 100)
    bar = Text("█" * filled, style=style)
    bar.append("░" * (width - filled), style=empty)
    bar.append(f" {progress:>3}%")
    return bar


def short_id(task_id: str, length: int = 10) -> str:
    """The distinctive end of a ULID-like ID (`task_01K…XYZ` share their prefix)."""
    clean = printable(task_id)
    return clean if len(clean) <= length else "…" + clean[-(length - 1) :]


def ago(then: float | None, now: float | None = None) -> str:
    """A compact age: 12s, 5m, 3h, 2d. Empty when unknown."""
    if not then:
        return ""
    seconds = max(0, int((now if now is not None else time.time()) - then))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def clock_time(then: float | None) -> str:
    if not then:
        return "–"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(then))


def display_name(tracked: TrackedTask) -> str:
    """What a row is called: the user's label, else the prompt, else the action, else the ID
    (a task added by ID shows its ID until the first answer)."""
    task = tracked.task
    return tracked.label or task.prompt or task.action.title() or task.id


def row_matches(tracked: TrackedTask, needle: str) -> bool:
    """The `/` filter: case-insensitive substring over prompt, ID, label, status, action.
    A leading `!` inverts it."""
    needle = needle.strip().lower()
    if not needle:
        return True
    invert = needle.startswith("!")
    needle = needle[1:] if invert else needle
    task: Task = tracked.task
    haystack = " ".join(
        (task.prompt, task.id, tracked.label, task.status.value, STATUS_LABELS[task.status],
         task.action, tracked.origin)
    ).lower()
    return (needle in haystack) != invert
