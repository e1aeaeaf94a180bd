"""The commands that start billed jobs: `imagine`, `action` (press a button) and `modal`
(answer a task waiting for input). Every one goes through the jobs service, which owns the
billing guards; a refusal posts nothing and exits 2 or 1.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from mjtui import buttons
from mjtui.api.client import ImagineRequest
from mjtui.api.errors import ApimartError, Unauthorized
from mjtui.api.models import Status, SubmitResult, Task
from mjtui.cli.context import Context
from mjtui.cli.query import watch_ids
from mjtui.errors import (
    EXIT_OK,
    EXIT_TASK_FAILED,
    EXIT_USAGE,
    JobRefused,
    UnknownButton,
    exit_code_of,
)
from mjtui.imagine_fields import check_request
from mjtui.text import printable


async def _submitted(ctx: Context, result: SubmitResult, parent: str, origin: str) -> int:
    ctx.remember_new(result, parent, origin, getattr(ctx.args, "label", ""))
    ctx.print(printable(result.task_id))  # a valid ID may still hold bidi controls
    if getattr(ctx.args, "watch", False):
        return await watch_ids(ctx, [result.task_id])
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


async def run_imagine(ctx: Context) -> int:
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


async def run_action(ctx: Context) -> int:
    task_id, name = ctx.args.id, ctx.args.button  # the ID was checked in run_command
    try:
        buttons.parse_name(name)
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
        submission = buttons.resolve(task_id, name, parent.buttons)
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


async def run_modal(ctx: Context) -> int:
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
        return await watch_ids(ctx, [result.task_id])
    return EXIT_OK
