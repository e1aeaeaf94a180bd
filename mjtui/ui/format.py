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
from mjtui.vocabulary import STATUS_LABELS, action_name, display_name, origin_tag

__all__ = ["STATUS_LABELS", "action_name", "display_name", "origin_tag"]  # re-exported

BAR_WIDTH = 10


def safe_text(value: str, style: str = "", *, limit: int | None = None) -> Text:
    """API text as a literal Text: markup characters stay visible, escapes are shown."""
    return Text(printable(value, limit=limit), style=style, no_wrap=False)


def status_component(status: Status) -> str:
    """The component class (styled in tcss) for a status: `status--in_progress`, ..."""
    return f"status--{status.value.lower()}"


STATUS_COMPONENTS = {status_component(s) for s in Status} | {"status--stalled", "bar--empty"}


def status_badge(status: Status, style: Style, stalled_style: Style, *, stalled: bool = False,
                 short: bool = False) -> Text:
    """`DONE` in the status colour (` DONE ` unless short, for a table cell with its own
    padding); a stalled task gets a marker after it."""
    label = STATUS_LABELS[status]
    text = Text(label if short else f" {label} ", style=style)
    if stalled:
        text.append(" ⚠" if short else " ⚠ stalled", style=stalled_style)
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
