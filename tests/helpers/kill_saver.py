"""A child process for tests/e2e/test_data_safety.py: one mjtui-like writer of a session file.

usage: python tests/helpers/kill_saver.py SESSION_PATH [--tag T] [--count N] [--gate FILE]
                                  [--remove PREFIX] [--poll PREFIX] [--final FILE]

Loads the session once (as the dashboard does), prints READY, waits for `--gate` to exist
if given, then loops: add `task_<tag>_<n>` (or, with `--remove`, remove the next task whose
ID starts with PREFIX), `save_session`, and print the task ID (flushed) only once the save
has returned. `--poll PREFIX` also gives every held task with that prefix a fresh API state
before each save, as the poller would. Without `--count` (or `--remove`) it loops until
killed. `--final FILE`: after the loop, wait for FILE, add `task_<tag>_final`, poll once more,
save, print FINAL.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mjtui.api.models import Status, Task
from mjtui.session import TrackedTask, load_session, save_session

PROMPT = "a lighthouse at dusk, oil painting, very detailed " * 4  # a realistic entry size


def wait_for(path: str) -> None:
    deadline = time.monotonic() + 30
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            sys.exit(f"gave up waiting for {path}")
        time.sleep(0.002)


def poll(session, prefix: str, n: int) -> None:
    for tracked in list(session):
        if tracked.id.startswith(prefix):
            fresh = Task(id=tracked.id, status=Status.IN_PROGRESS, progress=n % 100, prompt=PROMPT)
            session.update_task(fresh, time.time())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--tag", default=str(os.getpid()))
    parser.add_argument("--count", type=int)
    parser.add_argument("--gate")
    parser.add_argument("--remove")
    parser.add_argument("--poll")
    parser.add_argument("--final")
    args = parser.parse_args()

    session = load_session(args.path)
    print("READY", flush=True)
    if args.gate:
        wait_for(args.gate)
    n = 0
    while args.count is None or n < args.count:
        if args.remove is not None:
            left = [t.id for t in session if t.id.startswith(args.remove)]
            if not left:
                break
            task_id = left[0]
            session.remove(task_id)
        else:
            task_id = f"task_{args.tag}_{n:06d}"
            task = Task(id=task_id, status=Status.SUBMITTED, prompt=PROMPT)
            session.add(TrackedTask(task=task, label=f"#{n}", origin="imagine"))
        if args.poll:
            poll(session, args.poll, n)
        save_session(session)
        print(task_id, flush=True)
        n += 1
    if args.final:
        wait_for(args.final)
        session.add(TrackedTask(task=Task(id=f"task_{args.tag}_final"), origin="imagine"))
        if args.poll:
            poll(session, args.poll, n + 1)
        save_session(session)
        print("FINAL", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
