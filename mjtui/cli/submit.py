"""The commands that press a button (`action`) or answer a task waiting for input
(`modal`), and what every job-starting command shares (`submit_safely`, `announce`,
`submitted`, `current_task`; the new jobs themselves are in `kinds.py`). Every job goes
through the jobs service, which owns the billing guards; a refusal posts nothing and exits
2 or 1.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import replace

from mjtui import buttons
from mjtui.api.errors import ApimartError, Unauthorized
from mjtui.api.models import Status, SubmitResult, Task
from mjtui.cli.context import Context
from mjtui.cli.mask import dry_run_lines, prepare_mask, regions_problem
from mjtui.cli.query import watch_ids
from mjtui.errors import (
    EXIT_OK,
    EXIT_TASK_FAILED,
    EXIT_USAGE,
    JobRefused,
    UnknownButton,
    exit_code_of,
)
from mjtui.images.cache import DiskCache
from mjtui.images.mask_picture import known_size
from mjtui.text import printable


def announce(ctx: Context, result: SubmitResult, parent: str, origin: str) -> None:
    """Record a new task in the session and print its ID (`{"task_id": ...}` with --json)."""
    ctx.remember_new(result, parent, origin, getattr(ctx.args, "label", ""))
    print_task_id(ctx, result.task_id)


def print_task_id(ctx: Context, task_id: str) -> None:
    """The ID of the task a command started: the bare ID, or `{"task_id": ...}` with --json."""
    if getattr(ctx.args, "json", False):
        ctx.print(json.dumps({"task_id": task_id}, ensure_ascii=True))
    else:
        ctx.print(printable(task_id))  # a valid ID may still hold bidi controls


async def submitted(ctx: Context, result: SubmitResult, parent: str, origin: str) -> int:
    """Announce a new task, then watch it with --watch; the exit code."""
    announce(ctx, result, parent, origin)
    if getattr(ctx.args, "watch", False):
        return await watch_ids(ctx, [result.task_id])
    return EXIT_OK


async def submit_safely(ctx: Context, submit: Callable[[], Awaitable[SubmitResult]]) -> SubmitResult | int:
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


async def run_action(ctx: Context) -> int:
    task_id, name = ctx.args.id, ctx.args.button  # the ID was checked in run_command
    try:
        buttons.parse_name(name)
    except UnknownButton:
        if "::" not in name:
            ctx.error(f"unknown button {name!r}; see `mjtui action --help`")
            return EXIT_USAGE
    if refusal := buttons.refusal_of(name):  # no endpoint: refused before any request
        ctx.error(refusal)
        return EXIT_USAGE
    # Act only on what the API says now: a parent at 100% may not be SUCCESS yet.
    parent = await current_task(ctx, task_id)
    if isinstance(parent, int):
        return parent
    if parent.status is not Status.SUCCESS:
        ctx.error(not_pressable(parent))
        return EXIT_TASK_FAILED
    try:
        submission = buttons.resolve(task_id, name, parent.buttons)
    except UnknownButton as exc:
        ctx.error(str(exc))
        return EXIT_USAGE
    result = await submit_safely(
        ctx, lambda: ctx.jobs.press(task_id, submission, name, again=ctx.args.again,
                                    speed=ctx.args.speed))
    if isinstance(result, int):
        return result
    return await submitted(ctx, result, parent=task_id, origin=name)


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


async def current_task(ctx: Context, task_id: str) -> Task | int:
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


async def run_modal(ctx: Context) -> int:
    task_id = ctx.args.id  # checked in run_command
    # A pixel region past a picture whose size is known here is refused before any request.
    size = known_size(ctx.session, task_id, DiskCache()) if ctx.args.region else None
    if size is not None and (problem := regions_problem(ctx.args.region, size)):
        ctx.error(problem)
        return EXIT_USAGE
    # Answer only what the API says waits in MODAL now: anything else posts nothing.
    current = await current_task(ctx, task_id)
    if isinstance(current, int):
        return current
    # A task not in MODAL is refused below: no picture is fetched for its mask first.
    wanted = ctx.args.region and (ctx.args.dry_run or current.status is Status.MODAL)
    prepared = await prepare_mask(ctx, task_id, size) if wanted else None
    if isinstance(prepared, int):
        return prepared
    mask_url = prepared.url if prepared else ctx.args.mask_url
    if ctx.args.dry_run:
        for line in dry_run_lines(current, ctx.args.prompt, mask_url, prepared,
                                  ctx.args.speed):
            ctx.print(line)
        return EXIT_OK
    result = await submit_safely(ctx, lambda: ctx.jobs.answer_modal(
        task_id, prompt=ctx.args.prompt, mask_url=mask_url, speed=ctx.args.speed))
    if isinstance(result, int):
        return result
    tracked = ctx.session.get(task_id)
    # The task left MODAL: record that, keeping what the session knew of it.
    ctx.remember(replace(tracked.task, status=result.status, progress=0) if tracked
                 else Task(id=task_id, status=result.status))
    if ctx.args.label:  # the same task runs on: --label names it
        ctx.session.set_label(task_id, ctx.args.label)
    print_task_id(ctx, result.task_id)
    if ctx.args.watch:
        return await watch_ids(ctx, [result.task_id])
    return EXIT_OK
