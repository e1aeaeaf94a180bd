"""Where billed jobs start: every submission and every billing guard, for CLI and dashboard.

Both front ends call `Jobs`; neither posts a job by itself. The guards:
- read-only refuses everything;
- a button is pressed only on a task the session knows as SUCCESS;
- a button already pressed on that task (recorded in the session) needs `again=True`;
- one button on one task is in flight at most once: a repeated key or command posts once;
- a POST that got no answer may have started a job: its button is recorded as used, and it
  is never resent by itself (`OutcomeUnknown` goes back to the caller);
- a MODAL answer goes only to a task the session knows as MODAL;
- a new job (imagine, edits, describe, blend, video) is in flight at most once, and one
  whose POST got no answer is recorded (`unknown_outcomes`) and not sent again as it was
  unless the caller says `again=True`; a video of a task's tile needs that task SUCCESS;
- a follow-up on an archived task first brings it back into the session (`restore`), so
  its pressed buttons guard the billing and the new job's parent is in the session.
A refusal raises `JobRefused` before anything is posted. No Textual import.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from mjtui.api.client import ApimartClient, ImagineRequest
from mjtui.api.errors import OutcomeUnknown
from mjtui.api.models import Status, Submission, SubmitResult
from mjtui.api.requests import BlendRequest, DescribeRequest, VideoRequest
from mjtui.errors import JobRefused
from mjtui.session import Session, TrackedTask


@dataclass(frozen=True, slots=True)
class UnknownOutcome:
    """A new job whose POST got no answer: it may be running, and billed."""

    endpoint: str
    body: dict[str, object]
    at: float


class Jobs:
    """Starts jobs for one session through one client, guards first."""

    def __init__(
        self,
        client: ApimartClient,
        session: Session,
        *,
        read_only: bool = False,
        on_change: Callable[[], object] = lambda: None,
        restore: Callable[[str], bool] | None = None,
    ) -> None:
        self.client = client
        self._restore = restore  # task ID -> True once an archived task is back (blocking)
        self.session = session
        self.read_only = read_only
        self._on_change = on_change  # the session changed (a button used): save it soon
        self._in_flight: set[tuple[str, str]] = set()
        self.unknown_outcomes: list[UnknownOutcome] = []

    # -- guards --------------------------------------------------------------------------------

    def check_press(self, task_id: str, custom_id: str, title: str, *, again: bool = False) -> None:
        """Raise JobRefused if pressing this button now would break a guard."""
        tracked = self._known_writable(task_id)
        if tracked.task.status is not Status.SUCCESS:
            raise JobRefused("not_ready", f"{task_id} is {tracked.task.status.value}, not "
                                          "SUCCESS: it has nothing to press yet")
        if (task_id, custom_id) in self._in_flight:
            raise JobRefused("busy", f"{title} on {task_id} is being submitted already")
        if custom_id and custom_id in tracked.used_buttons and not again:
            raise JobRefused("used", f"{title} was already pressed on {task_id}; pressing it "
                                     "again starts another billed job")

    def check_modal(self, task_id: str) -> None:
        tracked = self._known_writable(task_id)
        if tracked.task.status is not Status.MODAL:
            raise JobRefused("not_modal", f"{task_id} is {tracked.task.status.value}, not "
                                          "MODAL: it waits for no answer")
        if (task_id, "modal") in self._in_flight:
            raise JobRefused("busy", f"the answer to {task_id} is being submitted already")

    def _known_writable(self, task_id: str) -> TrackedTask:
        self.check_writable()
        tracked = self.session.get(task_id)
        if tracked is None:
            raise JobRefused("unknown_task", f"{task_id} is not in the session")
        return tracked

    def check_writable(self) -> None:
        """Raise JobRefused when no job may start at all (read-only)."""
        if self.read_only:
            raise JobRefused("read_only", "read-only: no job is started (read_only in the "
                                          "config, or --read-only)")

    async def bring_back(self, task_id: str) -> bool:
        """An archived task back into the session (in a thread: disk and SQLite); True if
        the session holds the task now."""
        if task_id not in self.session and self._restore is not None:
            await asyncio.to_thread(self._restore, task_id)
        return task_id in self.session

    # -- submissions ---------------------------------------------------------------------------

    async def press(self, task_id: str, submission: Submission, title: str, *,
                    again: bool = False, speed: str | None = None) -> SubmitResult:
        """Press a button: guards, one POST, the button recorded as used (even if the POST
        got no answer: it may have started a job). `speed` (relax, fast, turbo) goes into
        the body when given; the API's default applies otherwise."""
        custom_id = str(submission.body.get("custom_id") or "")
        if speed is not None:
            submission = Submission(submission.endpoint, {**submission.body, "speed": speed})
        await self.bring_back(task_id)
        self.check_press(task_id, custom_id, title, again=again)
        with self._submitting(task_id, custom_id):
            try:
                result = await self.client.submit(submission)
            except OutcomeUnknown:
                self._mark_used(task_id, custom_id)
                raise
        self._mark_used(task_id, custom_id)
        return result

    async def answer_modal(self, task_id: str, *, prompt: str | None, mask_url: str | None,
                           speed: str | None = None) -> SubmitResult:
        """Answer a task waiting in MODAL (Vary Region, Custom Zoom); `speed` as in `press`."""
        await self.bring_back(task_id)
        self.check_modal(task_id)
        with self._submitting(task_id, "modal"):
            return await self.client.modal(task_id, prompt=prompt, mask_url=mask_url,
                                           speed=speed)

    async def imagine(self, request: ImagineRequest, *, again: bool = False) -> SubmitResult:
        return await self.start(request.submission(), again=again)

    async def edits(self, request: ImagineRequest, *, again: bool = False) -> SubmitResult:
        return await self.start(request.submission("edits"), again=again)

    async def describe(self, request: DescribeRequest, *, again: bool = False) -> SubmitResult:
        return await self.start(request.submission(), again=again)

    async def blend(self, request: BlendRequest, *, again: bool = False) -> SubmitResult:
        return await self.start(request.submission(), again=again)

    async def video(self, request: VideoRequest, *, again: bool = False) -> SubmitResult:
        return await self.start(request.submission(), again=again)

    def check_start(self, submission: Submission, *, again: bool = False) -> None:
        """Raise JobRefused if starting this new job now would break a guard."""
        self.check_writable()
        parent = submission.body.get("task_id")
        if isinstance(parent, str):  # a video of a task's tile
            tracked = self._known_writable(parent)
            if tracked.task.status is not Status.SUCCESS:
                raise JobRefused("not_ready", f"{parent} is {tracked.task.status.value}, not "
                                              "SUCCESS: it has no image to use yet")
        key = _job_key(submission)
        if key in self._in_flight:
            raise JobRefused("busy", f"this {submission.endpoint} is being submitted already")
        if not again and any(_job_key(Submission(u.endpoint, u.body)) == key
                             for u in self.unknown_outcomes):
            raise JobRefused("unknown_outcome", f"this {submission.endpoint} was sent before "
                             "and got no answer: it may be running (and billed) already")

    async def start(self, submission: Submission, *, again: bool = False) -> SubmitResult:
        """Start a new job: guards, one POST; a POST without an answer is recorded."""
        self.check_start(submission, again=again)
        with self._submitting(*_job_key(submission)):
            try:
                return await self.client.submit(submission)
            except OutcomeUnknown:
                self.unknown_outcomes.append(
                    UnknownOutcome(submission.endpoint, dict(submission.body), time.time()))
                raise

    @contextmanager
    def _submitting(self, task_id: str, what: str) -> Iterator[None]:
        key = (task_id, what)
        self._in_flight.add(key)
        try:
            yield
        finally:
            self._in_flight.discard(key)

    def _mark_used(self, task_id: str, custom_id: str) -> None:
        if custom_id and self.session.mark_button_used(task_id, custom_id):
            self._on_change()


def _job_key(submission: Submission) -> tuple[str, str]:
    """What makes two new jobs the same: the endpoint and the whole body."""
    return submission.endpoint, json.dumps(submission.body, sort_keys=True, default=str)
