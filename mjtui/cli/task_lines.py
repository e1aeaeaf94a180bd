"""How the CLI prints a task: `status --json`'s JSON Lines object and the human line.

Shared by every command that lists tasks (`status`, `watch`, `history`); imports neither
the API client nor httpx, so `history` starts fast.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mjtui import buttons
from mjtui.api.errors import ApimartError
from mjtui.api.models import Status, Task
from mjtui.session import TrackedTask
from mjtui.text import printable
from mjtui.vocabulary import STATUS_WIDTH, action_name, status_label

ACTION_WIDTH = 24  # an action is a short word (IMAGINE, UPSCALE); API text past this is cut


def task_json(task: Task, tracked: TrackedTask | None, error: ApimartError | None) -> dict[str, Any]:
    """One JSON Lines object of `status --json` / `watch --json`."""
    data: dict[str, Any] = {
        "id": task.id,
        "status": task.status.value,
        "progress": task.progress,
        "action": task.action,
        "prompt": task.prompt,
        "fail_reason": task.fail_reason,
        "grid_image_url": task.grid_image_url,
        "image_urls": list(task.image_urls),
        "buttons": [
            {"custom_id": spec.custom_id, "label": spec.label}
            for spec in buttons.describe_all(task.buttons)
        ],
        "label": tracked.label if tracked else "",
        "parent": tracked.parent_id if tracked else "",
        "prompts": list(task.prompts),
        "video_urls": list(task.video_urls),
    }
    if error is not None:
        data["error"] = error.to_dict()
    return data


def task_line(task: Task, error: ApimartError | None = None, *, stalled: bool = False,
              tracked: TrackedTask | None = None, id_width: int = 0,
              status_width: int = STATUS_WIDTH) -> str:
    """One human line: ID, status, progress, action, prompt or reason, in the dashboard's
    words (DONE, RUNNING, U2); IDs padded to `id_width` so a column of lines aligns."""
    status = status_label(task.status) + (" (stalled)" if stalled else "")
    name = action_name(replace(tracked, task=task)) if tracked else task.action
    action = printable(name, limit=ACTION_WIDTH)
    task_id = printable(task.id)
    line = f"{task_id:<{id_width}}  {status:<{status_width}} {task.progress:>3}%  {action:<13} "
    detail = task.fail_reason if task.status in (Status.FAILURE, Status.EXPIRED) else (
        " · ".join(task.prompts) or task.prompt)  # a describe's four prompts, on one line
    # A 404/403 on a task we hold keeps its cached prompt; on one we never saw, say why.
    if error is not None and (error.kind not in ("not_found", "forbidden") or not detail):
        detail = f"[{error.kind}] {error.message}"
    return f"{line} {printable(detail, limit=80)}".rstrip()
