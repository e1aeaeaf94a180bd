"""The headless subcommands: status, watch, imagine, action, modal, info, fake-server.

Each records the tasks it touches in the session, so the dashboard shows them later. Nothing
here imports Textual. API text is printed through `printable`, never raw.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TextIO

from mjtui import actions
from mjtui.api.addresses import check_task_id
from mjtui.api.client import ApimartClient, ImagineRequest
from mjtui.api.errors import ApimartError, NotFound, Unauthorized
from mjtui.api.models import Status, SubmitResult, Task
from mjtui.errors import (
    EXIT_CONFIG,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TASK_FAILED,
    EXIT_USAGE,
    ConfigError,
    JobRefused,
    SessionError,
    UnknownButton,
    exit_code_of,
)
from mjtui.imagine_fields import check_request
from mjtui.jobs import Jobs
from mjtui.notify import NEWS, BatchedNotifier, JobEvent, choose_notifier, tmux_passthrough
from mjtui.runtime import Backend, make_backend, open_session, settings_from_args
from mjtui.session import Session, TrackedTask, modal_time_left, save_session
from mjtui.text import printable
from mjtui.tracker import TaskUpdate, Tracker
from mjtui.vocabulary import STATUS_WIDTH, action_name, status_label

QUERY_CONCURRENCY = 8
WATCH_STATUS_WIDTH = STATUS_WIDTH + len(" (stalled)")  # `watch` can say a task stalled
ACTION_WIDTH = 24  # an action is a short word (IMAGINE, UPSCALE); API text past this is cut


def run_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run one subcommand; returns the exit code."""
    out = out or sys.stdout
    if refused_task_id(_task_id_arguments(args)):  # a usage error: before config, before any request
        return EXIT_USAGE
    try:
        settings = settings_from_args(args)
        if args.command == "fake-server":
            return _fake_server(args)
        if args.command == "info":
            from mjtui.info import print_info

            print_info(settings, out)
            return EXIT_OK
        for warning in settings.warnings:  # a clamped poll interval, an unknown config key
            print(f"mjtui: warning: {printable(warning)}", file=sys.stderr)
        session = open_session(settings)
        backend = make_backend(settings)
    except (ConfigError, SessionError) as exc:
        print(f"mjtui: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except ApimartError as exc:  # an insecure base URL
        print(f"mjtui: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    handler = _HANDLERS[args.command]
    context = Context(args, backend, session, out, settings.poll_interval,
                      read_only=settings.read_only)
    context.stall_after = settings.stall_after
    if getattr(args, "notify", None) is not None:  # only when asked: scripts get no surprises
        context.notify_mode = settings.notify
    try:
        return asyncio.run(context.run(handler))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


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
            for spec in actions.describe_all(task.buttons)
        ],
        "label": tracked.label if tracked else "",
        "parent": tracked.parent_id if tracked else "",
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
    detail = task.fail_reason if task.status in (Status.FAILURE, Status.EXPIRED) else task.prompt
    # A 404/403 on a task we hold keeps its cached prompt; on one we never saw, say why.
    if error is not None and (error.kind not in ("not_found", "forbidden") or not detail):
        detail = f"[{error.kind}] {error.message}"
    return f"{line} {printable(detail, limit=80)}".rstrip()


def _emit(ctx: Context, task: Task, error: ApimartError | None, stalled: bool = False,
          id_width: int = 0, status_width: int = STATUS_WIDTH) -> None:
    if getattr(ctx.args, "json", False):
        record = task_json(task, ctx.session.get(task.id), error)
        if stalled:
            record["stalled"] = True
        ctx.print(json.dumps(record, ensure_ascii=True))
    else:
        ctx.print(task_line(task, error, stalled=stalled, tracked=ctx.session.get(task.id),
                            id_width=id_width, status_width=status_width))


# -- commands ----------------------------------------------------------------------------


def _task_id_arguments(args: argparse.Namespace) -> list[str]:
    """The task IDs a command was given on its command line (`status`, `watch`: ids;
    `action`, `modal`: id)."""
    if args.command in ("status", "watch"):
        return list(args.ids)
    if args.command in ("action", "modal"):
        return [args.id]
    return []


def refused_task_id(ids: list[str]) -> bool:
    """Say on stderr why the first argument that is not a task ID is refused; True if one
    was (the caller exits 2, having sent nothing)."""
    for task_id in ids:
        try:
            check_task_id(task_id)
        except ApimartError as exc:
            print(f"mjtui: {printable(str(exc))}", file=sys.stderr, flush=True)
            return True
    return False


async def _status(ctx: Context) -> int:
    ids = list(ctx.args.ids) or list(ctx.session.tasks)
    if not ids:
        ctx.error("no tasks: give task IDs, or add some to the session first")
        return EXIT_OK
    semaphore = asyncio.Semaphore(QUERY_CONCURRENCY)

    async def query(task_id: str) -> tuple[Task, ApimartError | None]:
        cached = ctx.session.get(task_id)
        known = cached.task if cached else Task(id=task_id)
        try:
            async with semaphore:
                return await ctx.client.get_task(task_id), None
        except Unauthorized:
            raise
        except ApimartError as exc:
            if isinstance(exc, NotFound) and cached:
                return known.with_status(Status.EXPIRED, exc.message), exc
            return known, exc

    results = await asyncio.gather(*(query(task_id) for task_id in ids))
    id_width = max(len(printable(task_id)) for task_id in ids)
    code = EXIT_OK
    for task, error in results:
        if error is None or error.kind in ("not_found", "forbidden"):
            if error is not None and error.kind == "forbidden":
                task = task.with_status(Status.FORBIDDEN, error.message)
            if error is None or task.id in ctx.session:
                ctx.remember(task)
        _emit(ctx, task, error, id_width=id_width)
        if error is not None or task.status is Status.FAILURE:
            code = EXIT_TASK_FAILED
    return code


async def _watch_ids(ctx: Context, ids: list[str]) -> int:
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
        cached = ctx.session.get(task.id)
        if task.status in (Status.EXPIRED, Status.FORBIDDEN):
            if cached is not None:  # the API forgot it: keep the results the session has
                task = cached.task.with_status(task.status, task.fail_reason)
                ctx.remember(task)
        else:
            ctx.remember(task)
        _emit(ctx, task, update.error, update.stalled, id_width=id_width,
              status_width=WATCH_STATUS_WIDTH)
        if task.status in (Status.FAILURE, Status.EXPIRED, Status.FORBIDDEN):
            failed.add(task.id)
        if notifier is not None:
            _notify_change(ctx, notifier, task)
        if task.status is Status.MODAL:  # it needs input: waiting here would never end
            ctx.error(f"{task.id} waits in MODAL for input: answer it with "
                      f"`mjtui modal {task.id} [--prompt P] [--mask-url URL]`")
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


async def _watch(ctx: Context) -> int:
    return await _watch_ids(ctx, list(ctx.args.ids))


async def _submitted(ctx: Context, result: SubmitResult, parent: str, origin: str) -> int:
    ctx.remember_new(result, parent, origin, getattr(ctx.args, "label", ""))
    ctx.print(printable(result.task_id))  # a valid ID may still hold bidi controls
    if getattr(ctx.args, "watch", False):
        return await _watch_ids(ctx, [result.task_id])
    return EXIT_OK


async def _submit_safely(ctx: Context, submit: Callable[[], Awaitable[SubmitResult]]) -> SubmitResult | int:
    try:
        return await submit()
    except JobRefused as exc:  # a billing guard: nothing was posted
        hint = "; pass --again to press it again" if exc.reason == "used" else ""
        ctx.error(f"{exc.message}{hint}")
        return exc.exit_code
    except Unauthorized:
        raise
    except ApimartError as exc:
        ctx.error(str(exc))
        return exit_code_of(exc)


_FLAGS = {"size": "--ar", "negative_prompt": "--no"}


async def _imagine(ctx: Context) -> int:
    a = ctx.args
    request = ImagineRequest(
        prompt=a.prompt, size=a.size, version=a.version, stylize=a.stylize, chaos=a.chaos,
        quality=a.quality, seed=a.seed, negative_prompt=a.negative_prompt, style=a.style,
        weird=a.weird, speed=a.speed, tile=a.tile, niji=a.niji, raw=a.raw, draft=a.draft,
        image_urls=tuple(a.image_urls),
    )
    request, errors = check_request(request)
    if errors:  # the API would refuse it (or worse, take it wrongly): nothing is sent
        for name, why in errors.items():
            ctx.error(why if name == "prompt" else f"{_FLAGS.get(name, '--' + name)}: {why}")
        return EXIT_USAGE
    result = await _submit_safely(ctx, lambda: ctx.jobs.imagine(request))
    if isinstance(result, int):
        return result
    return await _submitted(ctx, result, parent="", origin="imagine")


async def _action(ctx: Context) -> int:
    task_id, name = ctx.args.id, ctx.args.button  # the ID was checked in run_command
    try:
        actions.parse_name(name)
    except UnknownButton:
        if "::" not in name:
            ctx.error(f"unknown button {name!r}; see `mjtui action --help`")
            return EXIT_USAGE
    # Act only on what the API says now: a parent at 100% may not be SUCCESS yet.
    parent = await _current(ctx, task_id)
    if isinstance(parent, int):
        return parent
    if parent.status is not Status.SUCCESS:
        ctx.error(not_pressable(parent))
        return EXIT_TASK_FAILED
    try:
        submission = actions.resolve(task_id, name, parent.buttons)
    except UnknownButton as exc:
        ctx.error(str(exc))
        return EXIT_USAGE
    result = await _submit_safely(
        ctx, lambda: ctx.jobs.press(task_id, submission, name, again=ctx.args.again))
    if isinstance(result, int):
        return result
    return await _submitted(ctx, result, parent=task_id, origin=name)


def not_pressable(task: Task) -> str:
    """Why a task that is not done has no button to press, saying what is true of it."""
    if task.status is Status.FAILURE:
        reason = printable(task.fail_reason, limit=200) or "no reason given"
        return f"task {task.id} failed ({reason}): a failed task has no buttons to press"
    if task.status is Status.MODAL:
        return f"task {task.id} needs input: answer it with `mjtui modal {task.id}`"
    if task.status.is_running:
        return (f"task {task.id} is still running ({task.progress}%): its buttons come when "
                f"it is done; `mjtui watch {task.id}` waits for that")
    return f"task {task.id} is {task.status.value.lower()}: it has no buttons to press"


async def _current(ctx: Context, task_id: str) -> Task | int:
    """The task as the API has it now, recorded in the session (or the exit code)."""
    try:
        task = await ctx.client.get_task(task_id)
    except Unauthorized:
        raise
    except ApimartError as exc:
        ctx.error(f"cannot read task {task_id}: {exc}")
        return EXIT_TASK_FAILED
    ctx.remember(task)
    return task


async def _modal(ctx: Context) -> int:
    task_id = ctx.args.id  # checked in run_command
    # Answer only what the API says waits in MODAL now: anything else posts nothing.
    current = await _current(ctx, task_id)
    if isinstance(current, int):
        return current
    result = await _submit_safely(ctx, lambda: ctx.jobs.answer_modal(
        task_id, prompt=ctx.args.prompt, mask_url=ctx.args.mask_url))
    if isinstance(result, int):
        return result
    tracked = ctx.session.get(task_id)
    # The task left MODAL: record that, keeping what the session knew of it.
    ctx.remember(replace(tracked.task, status=result.status, progress=0) if tracked
                 else Task(id=task_id, status=result.status))
    ctx.print(printable(result.task_id))  # a valid ID may still hold bidi controls
    if ctx.args.watch:
        return await _watch_ids(ctx, [result.task_id])
    return EXIT_OK


def _fake_server(args: argparse.Namespace) -> int:
    from mjtui.fake.server import serve

    print(f"fake apimart on http://{args.host}:{args.port}  token: {args.token}", flush=True)
    try:
        serve(
            host=args.host, port=args.port, tokens={args.token}, demo=args.seed_demo,
            run_seconds=args.run_seconds, queue_seconds=args.queue_seconds,
        )
    except ValueError as exc:
        print(f"mjtui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        pass
    return EXIT_OK


_HANDLERS: dict[str, Callable[[Context], Awaitable[int]]] = {
    "status": _status,
    "watch": _watch,
    "imagine": _imagine,
    "action": _action,
    "modal": _modal,
}
