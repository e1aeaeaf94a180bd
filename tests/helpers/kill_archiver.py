"""A child process for tests/e2e/test_archive_moves.py: moves tasks between a session and the
archive in a loop until killed.

usage: python tests/helpers/kill_archiver.py SESSION_PATH ARCHIVE_PATH TAG

Loads the session, prints READY, then loops: add 30 finished tasks and save (then prints
their IDs, flushed), move all but the newest 10 finished ones to the archive (the automatic
rule), restore the 3 oldest archived tasks of this run. Every line printed is a task that
must exist afterwards, in the session or in the archive.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mjtui.api.models import Status, Task
from mjtui.archive import Archive
from mjtui.archive.moves import move as move_tasks
from mjtui.archive.moves import move_lock, restore, to_archive
from mjtui.session import TrackedTask, load_session, save_session

PROMPT = "a lighthouse at dusk, oil painting, very detailed " * 4


def main() -> int:
    path, archive_path, tag = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    session = load_session(path)
    print("READY", flush=True)
    n = 0
    while True:
        batch = []
        for _ in range(30):
            task = Task(id=f"task_{tag}{n:012d}", status=Status.SUCCESS, prompt=PROMPT)
            batch.append(TrackedTask(task=task, added_at=1000.0 + n, origin="imagine"))
            n += 1
        for tracked in batch:
            session.add(tracked)
        save_session(session)
        print("\n".join(t.id for t in batch), flush=True)
        with move_lock(session), Archive(archive_path) as archive:
            ids = to_archive(list(session.tasks.values()), 2000.0, 365.0, 10)
            move_tasks(session, archive, ids, chunk=7)
            oldest = [a.id for a in archive.search("", session_path=None, limit=0)
                      if a.id.startswith(f"task_{tag}")][-3:]
            restore(session, archive, oldest, now=1.0)


if __name__ == "__main__":
    sys.exit(main())
