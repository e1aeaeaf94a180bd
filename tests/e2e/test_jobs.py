"""The job service's billing guards, against the service itself and through the CLI.

The dashboard's side of the same guards: tests/ui/test_followups.py and tests/ui/test_guards.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cli_fixtures import TOKEN, cli, point_at

from mjtui import buttons
from mjtui.api.client import ApimartClient, ImagineRequest
from mjtui.api.errors import OutcomeUnknown
from mjtui.api.models import Status, Submission, Task
from mjtui.errors import JobRefused
from mjtui.fake import FakeApimart, LoopbackFakeServer
from mjtui.jobs import Jobs
from mjtui.session import TrackedTask, load_session, resolve_session_path

GEN = "/v1/midjourney/generations"


class Setup:
    def __init__(self, tmp_path: Path, *, read_only: bool = False) -> None:
        self.fake = FakeApimart(queue_seconds=0.0, run_seconds=0.0)
        self.client = ApimartClient(TOKEN, "http://fake.test",
                                    transport=httpx.ASGITransport(app=self.fake))
        self.session = load_session(tmp_path / "s.toml")
        self.saves: list[int] = []
        self.jobs = Jobs(self.client, self.session, read_only=read_only,
                         on_change=lambda: self.saves.append(1))

    def posts(self) -> list[str]:
        return [r.path for r in self.fake.requests if r.method == "POST"]

    async def finished_grid(self) -> tuple[str, Submission]:
        job = self.fake.create_job(TOKEN, "IMAGINE", "a red fox")
        job.submitted_at -= 120
        task = await self.client.get_task(job.id)
        assert task.status is Status.SUCCESS
        self.session.add(TrackedTask(task=task, added_at=0.0))
        return job.id, buttons.resolve(job.id, "U1", task.buttons)


async def test_a_used_button_needs_again(tmp_path: Path) -> None:
    env = Setup(tmp_path)
    task_id, u1 = await env.finished_grid()
    await env.jobs.press(task_id, u1, "U1")
    assert u1.body["custom_id"] in env.session.get(task_id).used_buttons and env.saves
    with pytest.raises(JobRefused) as refused:
        await env.jobs.press(task_id, u1, "U1")
    assert refused.value.reason == "used"
    await env.jobs.press(task_id, u1, "U1", again=True)
    assert len(env.posts()) == 2


async def test_one_press_while_the_first_is_in_flight(tmp_path: Path) -> None:
    env = Setup(tmp_path)
    task_id, u1 = await env.finished_grid()
    release = asyncio.Event()
    real_submit = env.client.submit

    async def slow_submit(submission: Submission):  # type: ignore[no-untyped-def]
        await release.wait()
        return await real_submit(submission)

    env.client.submit = slow_submit  # type: ignore[method-assign]
    first = asyncio.create_task(env.jobs.press(task_id, u1, "U1"))
    await asyncio.sleep(0)
    with pytest.raises(JobRefused) as refused:
        await env.jobs.press(task_id, u1, "U1", again=True)
    assert refused.value.reason == "busy"
    release.set()
    await asyncio.wait_for(first, 5)
    assert len(env.posts()) == 1


async def test_an_unanswered_post_marks_the_button_used(tmp_path: Path) -> None:
    env = Setup(tmp_path)
    task_id, u1 = await env.finished_grid()

    async def lost(submission: Submission):  # type: ignore[no-untyped-def]
        raise OutcomeUnknown("no answer within the timeout")

    env.client.submit = lost  # type: ignore[method-assign]
    with pytest.raises(OutcomeUnknown):
        await env.jobs.press(task_id, u1, "U1")
    with pytest.raises(JobRefused) as refused:
        await env.jobs.press(task_id, u1, "U1")
    assert refused.value.reason == "used"


async def test_only_a_success_parent_and_only_known_tasks(tmp_path: Path) -> None:
    env = Setup(tmp_path)
    running = env.fake.create_job(TOKEN, "IMAGINE", "still going", run_s=600)
    env.session.add(TrackedTask(task=Task(id=running.id, status=Status.IN_PROGRESS), added_at=0))
    submission = Submission("upscale", {"task_id": running.id, "index": 0})
    with pytest.raises(JobRefused) as refused:
        await env.jobs.press(running.id, submission, "U1")
    assert refused.value.reason == "not_ready"
    with pytest.raises(JobRefused) as refused:
        await env.jobs.press("task_01KKJB9SJAF9J0DBXNTMRGPSGJ", submission, "U1")
    assert refused.value.reason == "unknown_task"
    assert env.posts() == []


async def test_modal_answers_only_tasks_in_modal(tmp_path: Path) -> None:
    env = Setup(tmp_path)
    task_id, _ = await env.finished_grid()
    with pytest.raises(JobRefused) as refused:
        await env.jobs.answer_modal(task_id, prompt="x", mask_url=None)
    assert refused.value.reason == "not_modal" and env.posts() == []


async def test_read_only_refuses_everything(tmp_path: Path) -> None:
    env = Setup(tmp_path, read_only=True)
    env.session.add(TrackedTask(task=Task(id="task_01KKJB9SJAF9J0DBXNTMRGPSGJ",
                                          status=Status.MODAL), added_at=0))
    for attempt in (
        env.jobs.imagine(ImagineRequest(prompt="a cat")),
        env.jobs.answer_modal("task_01KKJB9SJAF9J0DBXNTMRGPSGJ", prompt=None, mask_url=None),
        env.jobs.press("task_01KKJB9SJAF9J0DBXNTMRGPSGJ",
                       Submission("upscale", {"task_id": "x", "index": 0}), "U1"),
    ):
        with pytest.raises(JobRefused) as refused:
            await attempt
        assert refused.value.reason == "read_only"
    assert env.posts() == []


# -- through the CLI -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackFakeServer]:
    with LoopbackFakeServer(FakeApimart(queue_seconds=0.0, run_seconds=0.0)) as srv:
        yield srv


@pytest.fixture
def fake(server: LoopbackFakeServer, monkeypatch: pytest.MonkeyPatch,
         isolated_dirs: Path) -> FakeApimart:
    return point_at(server, monkeypatch)


def upscale_posts(fake: FakeApimart) -> int:
    return len(fake.requests_for(f"{GEN}/upscale", "POST"))


def test_cli_action_twice_needs_again(capsys: pytest.CaptureFixture[str],
                                      fake: FakeApimart) -> None:
    code, out, _ = cli(capsys, "imagine", "a harbour")
    grid = out.strip()
    fake.job(grid).submitted_at -= 120
    assert cli(capsys, "action", grid, "U1")[0] == 0
    code, out, err = cli(capsys, "action", grid, "U1")
    assert code == 2 and "--again" in err and out == ""
    assert upscale_posts(fake) == 1
    code, out, _ = cli(capsys, "action", grid, "U1", "--again")
    assert code == 0 and out.strip().startswith("task_")
    assert upscale_posts(fake) == 2
    session = load_session(resolve_session_path(None))
    assert len(session.children_of(grid)) == 2


def test_cli_read_only_starts_nothing(capsys: pytest.CaptureFixture[str],
                                      fake: FakeApimart) -> None:
    code, _, err = cli(capsys, "--read-only", "imagine", "a cat")
    assert code == 2 and "read-only" in err
    assert fake.requests_for(GEN, "POST") == []
