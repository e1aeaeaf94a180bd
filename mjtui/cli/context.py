"""What a running headless command needs (its arguments, the client, the jobs service, the
session, stdout) and how it prints a task: one human line or one JSON Lines object.
Nothing here imports Textual. API text is printed through `printable`, never raw.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TextIO

from mjtui import buttons
from mjtui.api.client import ApimartClient
from mjtui.api.errors import ApimartError, Unauthorized
from mjtui.api.models import Status, SubmitResult, Task
from mjtui.errors import EXIT_CONFIG, EXIT_OK, SessionError
from mjtui.jobs import Jobs
from mjtui.runtime import Backend
from mjtui.session import Session, TrackedTask, save_session
from mjtui.text import printable
from mjtui.vocabulary import STATUS_WIDTH, action_name, status_label

ACTION_WIDTH = 24  # an action is a short word (IMAGINE, UPSCALE); API text past this is cut


class Context:
    """What a running command needs: its arguments, the client, the session, stdout."""

    def __init__(
        self,
        args: argparse.Namespace,
        backend: Backend,
        session: Session,
        out: TextIO,
        poll_interval: float,
        *,
        read_only: bool = False,
    ) -> None:
        self.args = args
        self.backend = backend
        self.client: ApimartClient = backend.client
        self.session = session
        self.out = out
        self.poll_interval = poll_interval
        self.save_failed = False
        self.jobs = Jobs(backend.client, session, read_only=read_only, on_change=self.save)
        self.stall_after = 180.0  # seconds without progress before `watch` says stalled
        self.notify_mode = ""  # `watch --notify`: the mode (auto, osc99, ...); "" for none
        self.notify_write: Callable[[str], object] | None = None  # tests: instead of /dev/tty
        self.notified: dict[str, Status] = {}  # the state each task was last notified for

    async def run(self, handler: Callable[[Context], Awaitable[int]]) -> int:
        try:
            async with self.client:
                if self.backend.fake is not None:
                    from mjtui.demo import prepare_demo

                    prepare_demo(self.backend.fake, self.session)
                code = await handler(self)
        except Unauthorized as exc:
            self.error(f"the API key was rejected: {exc.message}")
            code = EXIT_CONFIG
        finally:
            self.save()
            if self.backend.fake is not None:
                from mjtui.demo import save_demo_state

                save_demo_state(self.backend.fake, self.session)
        # A script must not take "ok" to mean its task IDs are in the session file.
        return EXIT_CONFIG if code == EXIT_OK and self.save_failed else code

    # -- session bookkeeping -------------------------------------------------------------

    def remember(self, task: Task) -> None:
        """Record a task's latest state in the session (adding it if new)."""
        now = time.time()
        if task.id not in self.session:
            self.session.add(TrackedTask(task=task, added_at=now, updated_at=now))
        else:
            self.session.update_task(task, now)

    def remember_new(self, result: SubmitResult, parent: str, origin: str, label: str = "") -> None:
        now = time.time()
        task = Task(id=result.task_id, status=result.status)
        self.session.add(
            TrackedTask(task=task, label=label, parent_id=parent, origin=origin, added_at=now)
        )
        self.save()

    def save(self) -> None:
        try:
            save_session(self.session)
        except SessionError as exc:
            self.save_failed = True
            self.error(f"session not saved: {exc}")

    # -- output --------------------------------------------------------------------------

    def print(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def error(self, message: str) -> None:
        print(f"mjtui: {printable(message)}", file=sys.stderr, flush=True)


# -- formatting ------------------------------------------------------------------------------


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


def emit(ctx: Context, task: Task, error: ApimartError | None, stalled: bool = False,
          id_width: int = 0, status_width: int = STATUS_WIDTH) -> None:
    if getattr(ctx.args, "json", False):
        record = task_json(task, ctx.session.get(task.id), error)
        if stalled:
            record["stalled"] = True
        ctx.print(json.dumps(record, ensure_ascii=True))
    else:
        ctx.print(task_line(task, error, stalled=stalled, tracked=ctx.session.get(task.id),
                            id_width=id_width, status_width=status_width))
