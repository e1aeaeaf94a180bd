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
from typing import TextIO

from mjtui.api.client import ApimartClient
from mjtui.api.errors import ApimartError, Unauthorized
from mjtui.api.models import Status, SubmitResult, Task
from mjtui.archive.moves import bring_back
from mjtui.cli.history import update_archived
from mjtui.cli.task_lines import task_json, task_line
from mjtui.config import STALL_AFTER
from mjtui.errors import EXIT_CONFIG, EXIT_OK, SessionError
from mjtui.jobs import Jobs
from mjtui.runtime import Backend
from mjtui.session import Session, TrackedTask, save_session
from mjtui.text import printable
from mjtui.vocabulary import STATUS_WIDTH


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
        self.jobs = Jobs(backend.client, session, read_only=read_only, on_change=self.save,
                         restore=lambda task_id: bool(bring_back(session, [task_id])))
        self.stall_after = STALL_AFTER  # seconds without progress before `watch` says stalled
        self.notify_mode = ""  # `watch --notify`: the mode (auto, osc99, ...); "" for none
        self.notify_write: Callable[[str], object] | None = None  # tests: instead of /dev/tty
        self.notified: dict[str, Status] = {}  # the state each task was last notified for
        self.archived: dict[str, TrackedTask] = {}  # asked-for tasks that live in the archive

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

    def known(self, task_id: str) -> TrackedTask | None:
        """What the session, or else the archive, holds of a task."""
        return self.session.get(task_id) or self.archived.get(task_id)

    def remember(self, task: Task) -> None:
        """Record a task's latest state in the session (adding it if new), or in the archive
        for an archived task."""
        now = time.time()
        archived = self.archived.get(task.id) if task.id not in self.session else None
        if archived is not None:
            if archived.task != task:
                self.archived[task.id] = replace(archived, task=task, updated_at=now)
                update_archived(self.archived[task.id])
        elif task.id not in self.session:
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


def emit(ctx: Context, task: Task, error: ApimartError | None, stalled: bool = False,
          id_width: int = 0, status_width: int = STATUS_WIDTH) -> None:
    if getattr(ctx.args, "json", False):
        record = task_json(task, ctx.known(task.id), error)
        if stalled:
            record["stalled"] = True
        ctx.print(json.dumps(record, ensure_ascii=True))
    else:
        ctx.print(task_line(task, error, stalled=stalled, tracked=ctx.known(task.id),
                            id_width=id_width, status_width=status_width))
