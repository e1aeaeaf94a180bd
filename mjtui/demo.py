"""The built-in demo: seed the in-process fake, and keep its jobs between runs.

The fake forgets everything when the process ends, but the demo session file does not. So
the fake's jobs are saved beside the session (`<session>.fake.json`) and restored on the
next `--demo` run: quitting and reopening the demo shows the same jobs, still alive.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path

from mjtui.api.models import Status, Task
from mjtui.fake import FakeApimart
from mjtui.fake.demo import seed_demo_jobs
from mjtui.fake.jobs import Job
from mjtui.session import Session, TrackedTask, atomic_files

STATE_VERSION = 1


def demo_state_path(session: Session) -> Path:
    return session.path.with_name(session.path.name + ".fake.json")


def _restore(fake: FakeApimart, path: Path) -> bool:
    """Load saved fake jobs; False (and nothing loaded) if the file is missing or bad."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            return False
        known = {f.name for f in fields(Job)}
        jobs = [Job(**{k: v for k, v in item.items() if k in known}) for item in data["jobs"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return False
    for job in jobs:
        fake.store.add(job)
    return True


def prepare_demo(fake: FakeApimart, session: Session) -> None:
    """Restore the demo's jobs, or seed fresh ones, track them in the session and save them
    at once: the session is saved while the app runs, so a demo that is killed (its terminal
    closed) must find its jobs again, not come back with them all expired beside new ones."""
    if _restore(fake, demo_state_path(session)):
        return
    for job in seed_demo_jobs(fake):
        task = Task(id=job.id, status=Status.UNKNOWN, prompt=job.prompt)
        session.add(TrackedTask(task=task, label=job.label, parent_id=job.parent_id or "",
                                origin=job.action.lower()))
    save_demo_state(fake, session)


def save_demo_state(fake: FakeApimart, session: Session) -> None:
    """Write the fake's jobs beside the session, atomically; failures are not fatal."""
    path = demo_state_path(session)
    payload = {"version": STATE_VERSION, "jobs": [asdict(j) for j in fake.store.jobs.values()]}
    try:
        atomic_files.make_dirs(path.parent)
        atomic_files.atomic_write(path, json.dumps(payload).encode())
    except OSError:
        pass
