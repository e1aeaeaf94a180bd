"""The commands that only read: `status` (each task once) and `watch` (until every task is
final, with `--notify` through the terminal). They post nothing and bill nothing.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable

from mjtui.api.errors import ApimartError, Unauthorized
from mjtui.api.models import Status, Task, status_after_error
from mjtui.cli.context import Context, emit
from mjtui.errors import EXIT_OK, EXIT_TASK_FAILED
from mjtui.notify import NEWS, BatchedNotifier, JobEvent, choose_notifier, tmux_passthrough
from mjtui.session import modal_time_left
from mjtui.text import printable
from mjtui.tracker import TaskUpdate, Tracker
from mjtui.vocabulary import STATUS_WIDTH

QUERY_CONCURRENCY = 8
WATCH_STATUS_WIDTH = STATUS_WIDTH + len(" (stalled)")  # `watch` can say a task stalled


async def run_status(ctx: Context) -> int:
    ids = list(ctx.args.ids) or list(ctx.session.tasks)
    if not ids:
        ctx.error("no tasks: give task IDs, or add some to the session first")
        return EXIT_OK
    semaphore = asyncio.Semaphore(QUERY_CONCURRENCY)

    async def query(task_id: str) -> tuple[Task, ApimartError | None]:
        cached = ctx.known(task_id)
        known = cached.task if cached else Task(id=task_id)
        try:
            async with semaphore:
                return await ctx.client.get_task(task_id), None
        except Unauthorized:
            raise
        except ApimartError as exc:
            status = status_after_error(exc)
            # A 404 for an ID we never held says nothing of expiry (it may be mistyped).
            if status is Status.FORBIDDEN or (status is not None and cached):
                return known.with_status(status, exc.message), exc
            return known, exc

    results = await asyncio.gather(*(query(task_id) for task_id in ids))
    id_width = max(len(printable(task_id)) for task_id in ids)
    code = EXIT_OK
    for task, error in results:
        if error is None or (ctx.known(task.id) and status_after_error(error)):
            ctx.remember(task)
        emit(ctx, task, error, id_width=id_width)
        if error is not None or task.status is Status.FAILURE:
            code = EXIT_TASK_FAILED
    return code


async def watch_ids(ctx: Context, ids: list[str]) -> int:
    """Poll until every task is final (or waits in MODAL), printing a line per change.

    Every task is polled at least once, so its current state is printed first, even when
    the session already knew it (finished, or unchanged since).
    """
    failed: set[str] = set()
    notifier = _watch_notifier(ctx)
    id_width = max((len(printable(task_id)) for task_id in ids), default=0)

    def on_update(update: TaskUpdate) -> None:
        task = update.task
        if task is None:  # never seen yet, and the first poll failed: say so, keep going
            ctx.error(f"{update.task_id}: {update.error}")
            return
        cached = ctx.known(task.id)
        if task.status in (Status.EXPIRED, Status.FORBIDDEN):
            if cached is not None:  # the API forgot it: keep the results the session has
                task = cached.task.with_status(task.status, task.fail_reason)
                ctx.remember(task)
        else:
            ctx.remember(task)
        emit(ctx, task, update.error, update.stalled, id_width=id_width,
              status_width=WATCH_STATUS_WIDTH)
        if task.status in (Status.FAILURE, Status.EXPIRED, Status.FORBIDDEN):
            failed.add(task.id)
        if notifier is not None:
            _notify_change(ctx, notifier, task)
        if task.status is Status.MODAL:  # it needs input: waiting here would never end
            ctx.error(f"{task.id} waits in MODAL for input: answer it with "
                      f"`mjtui modal {task.id} [--prompt P] [--region X,Y,W,H | --mask-url URL]`")
            tracker.untrack(task.id)
            if not tracker.pending_count:
                tracker.stop()
        ctx.save()

    tracker = Tracker(ctx.client, poll_interval=ctx.poll_interval, on_update=on_update,
                      stall_after=ctx.stall_after)
    for task_id in ids:
        tracker.track(task_id)
    await tracker.run_until_all_final()
    if notifier is not None:
        notifier.flush()  # the last news goes out now, not after the batch window
    return EXIT_TASK_FAILED if failed else EXIT_OK


def _watch_notifier(ctx: Context) -> BatchedNotifier | None:
    """`watch --notify`: notifications to the controlling terminal (stdout may be a pipe)."""
    if not ctx.notify_mode:
        return None
    write = ctx.notify_write or _terminal_writer()
    if write is None:
        ctx.error("--notify: no terminal to notify through (no /dev/tty); notifications off")
        return None
    choice = choose_notifier(ctx.notify_mode, env=os.environ,
                             tmux_passthrough=tmux_passthrough(os.environ))
    loop = asyncio.get_running_loop()
    return BatchedNotifier(choice, write, lambda delay, callback: loop.call_later(delay, callback))


def _terminal_writer() -> Callable[[str], None] | None:
    try:
        tty = open("/dev/tty", "w", encoding="utf-8")  # noqa: SIM115 - lives as long as watch
    except OSError:
        return None

    def write(text: str) -> None:
        tty.write(text)
        tty.flush()

    return write


def _notify_change(ctx: Context, notifier: BatchedNotifier, task: Task) -> None:
    """A notification when a task reaches a final state or MODAL (once per state)."""
    kind = NEWS.get(task.status)
    if kind is None or task.status is ctx.notified.get(task.id):
        return
    ctx.notified[task.id] = task.status
    tracked = ctx.session.get(task.id)
    name = (tracked.label if tracked else "") or task.prompt or task.id
    left = modal_time_left(tracked, time.time()) if tracked and kind == "modal" else None
    notifier.add(JobEvent(kind, name, left))


async def run_watch(ctx: Context) -> int:
    return await watch_ids(ctx, list(ctx.args.ids))
