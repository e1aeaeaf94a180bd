"""The dashboard's new jobs from a form: `n` (every kind), `e` (use a task's prompt), a
describe's suggestions (`1`-`4`, Imagine all), Animate; and the balance and today's jobs the
status line shows.

Every job starts through `mjtui.new_jobs` and so the jobs service and its guards; local
image files are uploaded in the dialog's worker by the same code as the CLI's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mjtui.api.client import ApimartClient, ImagineRequest
from mjtui.api.errors import ApimartError
from mjtui.api.models import Task
from mjtui.buttons import ButtonKind, ButtonSpec
from mjtui.images.uploads import ImageInputs, ImageRejected
from mjtui.jobs import JobRefused, Jobs
from mjtui.new_jobs import JobRequest, Kind, start_new_job
from mjtui.prompt_flags import parse_prompt
from mjtui.session import Session, TrackedTask
from mjtui.text import printable
from mjtui.tracker.balance import BALANCE_EVERY, BalanceWatch, balance_text
from mjtui.ui.screens.task_buttons import find_spec
from mjtui.ui.widgets.kind_detail import suggestion_of

if TYPE_CHECKING:
    from mjtui.ui.dialogs.imagine import SubmitOutcome

_ANIMATE = (ButtonKind.ANIMATE_LOW, ButtonKind.ANIMATE_HIGH)
BALANCE_FIRST = 5.0  # seconds after start: the tracker's idle check has read it by then
Notify = Callable[..., None]  # Textual's notify


def prompt_of(request: JobRequest) -> str:
    """What the new task's row shows until the API answers."""
    return str(getattr(request, "prompt", "") or "")


class NewJobs:
    """The new-job dialog and what opens it filled in; the balance watch's schedule.

    It gets what it needs: the session, the job service and the client (uploads), the
    balance watch, the selected task, the app's notify / dialog / worker / timer calls, and
    the dashboard's calls to track a new task, select one, show it, say a task's error and
    press a button (Animate)."""

    def __init__(self, session: Session, jobs: Jobs, client: Callable[[], ApimartClient], *,
                 read_only: bool, balance_watch: Callable[[], BalanceWatch],
                 clock: Callable[[], float], selected: Callable[[], TrackedTask | None],
                 notify: Notify, push_screen_wait: Callable[[Any], Any],
                 run_worker: Callable[..., Any], set_interval: Callable[..., Any],
                 set_timer: Callable[..., Any], track_new: Callable[..., bool],
                 select: Callable[[str], None], show_selected: Callable[[], None],
                 report_failure: Callable[[str, str], None],
                 press: Callable[..., Awaitable[str | None]]) -> None:
        self.session, self.jobs, self.client, self.read_only = session, jobs, client, read_only
        self.balance_watch, self.clock, self.selected = balance_watch, clock, selected
        self.notify, self.push_screen_wait, self.run_worker = notify, push_screen_wait, run_worker
        self.set_interval, self.set_timer = set_interval, set_timer
        self.track_new, self.select, self.show_selected = track_new, select, show_selected
        self.report_failure, self.press = report_failure, press

    def menu_choice_handled(self, chosen: ButtonSpec) -> bool:
        """A menu row handled here rather than pressed: a describe's suggestions (never sent
        as a button: the imagine form first, or Imagine all), Animate (motion and clips)."""
        which = suggestion_of(chosen.custom_id)
        if which == "all":
            self.run_worker(self._imagine_all(), group="submit")
        elif isinstance(which, int):
            self.use_suggestion(which)
        elif chosen.kind in _ANIMATE:
            self.run_worker(self._animate(chosen), group="dialogs")
        else:
            return False
        return True

    def open_new_job(self, initial: ImagineRequest | None = None, kind: Kind = "imagine",
                     parent: str = "") -> None:
        """The new-job dialog, its imagine form filled with `initial`; the job it starts is
        filed under `parent` (a describe whose suggestion it uses)."""
        if not self.read_only:
            self.run_worker(self._open_new_job(initial, kind, parent), group="dialogs")

    async def _open_new_job(self, initial: ImagineRequest | None, kind: Kind,
                            parent: str) -> None:
        from mjtui.ui.dialogs.new_job import NewJobDialog

        task_id = await self.push_screen_wait(NewJobDialog(
            lambda kind, request: self.submit_new_job(kind, request, parent=parent),
            initial, kind))
        if task_id:
            self.select(task_id)
            self.notify(f"started {printable(task_id)}", title="Submitted", markup=False)

    async def submit_new_job(self, kind: Kind, request: JobRequest, *,
                             parent: str = "") -> SubmitOutcome:
        """Upload the request's local images, start it once, track the new task."""
        from mjtui.ui.dialogs.imagine import SubmitOutcome

        try:
            result = await start_new_job(self.jobs, ImageInputs(self.client()), kind, request)
        except (JobRefused, ImageRejected) as refused:
            return SubmitOutcome(None, str(refused))  # nothing was started
        except ApimartError as exc:
            self.submitted()  # an upload failed, or the POST: it may have started a job
            return SubmitOutcome(None, exc.message)
        self.submitted()
        parent = getattr(request, "task_id", None) or parent
        self.track_new(Task(id=result.task_id, status=result.status, prompt=prompt_of(request)),
                       origin=kind, parent=parent)
        return SubmitOutcome(result.task_id, None)

    # -- the balance and today's jobs on the status line ----------------------------------

    def watch_balance(self) -> None:
        """Once a minute, read the balance unless the tracker's idle health check just did
        (BalanceWatch); the first look a few seconds in, after that check's own."""
        self.set_interval(BALANCE_EVERY, self._balance_if_due)
        self.set_timer(BALANCE_FIRST, self._balance_if_due)

    def _balance_if_due(self) -> None:
        if self.balance_watch().due():
            self._read_balance()

    def submitted(self) -> None:
        """After any submission: the balance is read again at once."""
        self._read_balance()

    def _read_balance(self) -> None:
        # The coroutine function, not a coroutine: a worker replaced before it starts would
        # leave a coroutine never awaited (a warning at exit).
        self.run_worker(self.balance_watch().refresh, group="balance", exclusive=True)

    def balance_and_today(self) -> tuple[str, int]:
        """The status line's balance words and the count of jobs this session started today
        (tasks it submitted, not ones added by ID)."""
        now = datetime.fromtimestamp(self.clock())
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
        started = sum(1 for t in self.session
                      if t.added_at >= midnight and t.origin not in ("", "added"))
        return balance_text(self.balance_watch().last), started

    # -- keys ----------------------------------------------------------------------------

    async def _animate(self, chosen: ButtonSpec) -> None:
        """Animate: motion and clips asked first, then the task's Animate button of that
        motion pressed once through the jobs service (each clip is billed)."""
        from mjtui.ui.dialogs.animate import AnimateDialog

        tracked = self.selected()
        if tracked is None:
            return
        motion = "high" if chosen.kind is ButtonKind.ANIMATE_HIGH else "low"
        answer = await self.push_screen_wait(AnimateDialog(motion))
        if answer is None:
            return
        motion, batch = answer
        kind = ButtonKind.ANIMATE_HIGH if motion == "high" else ButtonKind.ANIMATE_LOW
        spec = find_spec(tracked, kind) or chosen
        await self.press(tracked, spec, extra={"motion": motion, "batch_size": batch})

    def use_prompt(self) -> None:
        """`e`: the imagine form filled with the task's prompt, flags read back into fields."""
        tracked = self.selected()
        if tracked is None:
            return
        if tracked.task.prompts:
            self.notify("a describe holds four prompts: press 1-4 to use one", markup=False)
            return
        if not tracked.task.prompt.strip():
            self.notify("this task has no prompt to use", severity="warning", markup=False)
            return
        self.open_new_job(parse_prompt(tracked.task.prompt))

    def use_suggestion(self, number: int) -> None:
        """`1`-`4` on a describe: the imagine form filled with that suggestion."""
        tracked = self.selected()
        prompts = tracked.task.prompts if tracked else ()
        if tracked is not None and 1 <= number <= len(prompts):
            self.open_new_job(parse_prompt(prompts[number - 1]), parent=tracked.id)

    async def _imagine_all(self) -> None:
        """Imagine every suggestion of the selected describe, after one confirmation."""
        from mjtui.ui.dialogs.confirm import ConfirmDialog

        tracked = self.selected()
        prompts = tracked.task.prompts if tracked else ()
        if tracked is None or not prompts:
            return
        count = len(prompts)
        body = (f"Imagine all {count} suggestions of {tracked.id}: this starts {count} billed "
                "jobs.")
        if not await self.push_screen_wait(ConfirmDialog("Imagine all", body,
                                                         f"Start {count}")):
            return
        started = 0
        for prompt in prompts:
            outcome = await self.submit_new_job("imagine", ImagineRequest(prompt=prompt),
                                                parent=tracked.id)
            if outcome.error:
                self.report_failure(tracked.id, f"Imagine all stopped: {outcome.error}")
                break
            started += 1
        if started:
            self.show_selected()
            self.notify(f"Imagine all started {started} job{'s' * (started != 1)}",
                        title="Submitted", markup=False)
