"""Dashboard side of the archive: the move rules in the background (with progress, the table
usable all along), `H` to open the archive screen and come back from it with a task, `i`
for the gallery of the table's finished pictures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.widgets import Static

from mjtui.config import Settings
from mjtui.jobs import Jobs
from mjtui.session import Session
from mjtui.text import printable
from mjtui.ui.widgets.task_table import TaskTable

BANNER_AT_LEAST = 200  # a move this big shows a progress banner (smaller ones are instant)
Notify = Callable[..., None]  # Textual's notify


class ArchiveKeys:
    """The archive's moves and screens, seen from the dashboard.

    It gets what it needs: the session, the job service, the settings and clock, the
    banner and the table, the app's notify / dialog / worker / thread calls, and the
    dashboard's calls to follow the session, show the selected task and run a key's action."""

    def __init__(self, session: Session, jobs: Jobs, settings: Settings, *,
                 clock: Callable[[], float], banner: Callable[[], Static],
                 table: Callable[[], TaskTable], notify: Notify,
                 push_screen_wait: Callable[[Any], Any], run_worker: Callable[..., Any],
                 call_from_thread: Callable[..., Any], sync: Callable[[], None],
                 rebuild: Callable[[], None], show_selected: Callable[[], None],
                 run_action: Callable[[str], Awaitable[Any]]) -> None:
        self.session, self.jobs, self.settings, self.clock = session, jobs, settings, clock
        self.banner, self.table, self.notify = banner, table, notify
        self.push_screen_wait, self.run_worker = push_screen_wait, run_worker
        self.call_from_thread, self.sync, self.rebuild = call_from_thread, sync, rebuild
        self.show_selected, self.run_action = show_selected, run_action
        self.archiving = False

    def start_archiving(self) -> None:
        self.run_worker(self._archive_moves, thread=True, group="archive-moves",
                        exclusive=True, exit_on_error=False)

    def _archive_moves(self) -> None:
        """Apply the move rules (a first migration may move tens of thousands of tasks):
        SQLite and the disk in this thread, progress and the table's update on the UI's."""
        from mjtui.archive import ArchiveError
        from mjtui.archive.moves import auto_move
        from mjtui.session import SessionError

        def progress(done: int, total: int) -> None:
            if total >= BANNER_AT_LEAST:
                self.call_from_thread(self.show_progress, done, total)

        self.archiving = True
        try:
            moved = auto_move(self.session, None, after_days=self.settings.archive_after_days,
                              max_tasks=self.settings.session_max_tasks, progress=progress,
                              now=self.clock())
        except (ArchiveError, SessionError, OSError) as exc:
            self.call_from_thread(self.failed, str(exc))
            return
        finally:
            self.archiving = False
        self.call_from_thread(self.done, moved)

    def show_progress(self, done: int, total: int) -> None:
        banner = self.banner()
        banner.update(f"Moving finished tasks to the archive: {done:,} of {total:,} "
                      "(the dashboard stays usable)")
        banner.display = done < total

    def done(self, moved: int) -> None:
        self.banner().display = False
        if moved:
            self.rebuild()  # the rows left, at once: removing thousands one by one is slow
            self.sync()  # the poller and the marks forget the rest
            self.show_selected()
            self.notify(f"moved {moved:,} finished task{'s' * (moved != 1)} to the archive "
                        "(H opens it)", markup=False)

    def failed(self, message: str) -> None:
        self.banner().display = False
        self.notify(f"tasks not archived: {printable(message, limit=300)}",
                    title="Archive", severity="warning", timeout=10, markup=False)

    def gallery(self) -> None:
        self.run_worker(self._gallery(), group="dialogs")

    async def _gallery(self) -> None:
        """The table's finished pictures as thumbnails, in the table's order."""
        from mjtui.ui.screens.gallery import GalleryScreen

        table = self.table()
        order = [str(table.coordinate_to_cell_key((n, 0)).row_key.value)
                 for n in range(table.row_count)]
        tasks = [t for t in (self.session.get(task_id) for task_id in order)
                 if t is not None and t.task.status.is_final]
        chosen = await self.push_screen_wait(GalleryScreen(tasks, table.selected_id))
        if chosen:
            table.select(chosen)
            self.show_selected()

    def archive(self) -> None:
        self.run_worker(self._archive(), group="dialogs")

    async def _archive(self) -> None:
        """Open the archive: search, detail, preview; it answers with what to do next."""
        from mjtui.ui.screens.archive import ArchiveScreen

        choice = await self.push_screen_wait(ArchiveScreen())
        if choice is None:
            return
        task_id, then = choice
        if not await self.jobs.bring_back(task_id):
            self.notify(f"{printable(task_id)} is not in the archive any more", markup=False)
            return
        self.sync()
        self.table().select(task_id)
        self.show_selected()
        if then:
            await self.run_action(then)
