"""What the dashboard adds to each task's row: the poller's error or stall, the user's mark."""

from __future__ import annotations

from collections.abc import Callable

from mjtui.ui.widgets.task_columns import RowState


class RowStates:
    """Row states by task ID, the marked tasks, and how many rows are stalled (kept as
    states change, so the status line never counts 1,000 rows)."""

    def __init__(self) -> None:
        self._states: dict[str, RowState] = {}
        self.marked: set[str] = set()
        self.stalled = 0
        self.on_stalled: Callable[[int], None] = lambda count: None  # told each change

    def _count_stalled(self, change: int) -> None:
        if change:
            self.stalled += change
            self.on_stalled(self.stalled)

    def of(self, task_id: str) -> RowState:
        """The row's state, with its mark."""
        state = self._states.get(task_id, RowState())
        marked = task_id in self.marked
        return state if state.marked == marked else RowState(state.stalled, state.error, marked)

    def set(self, task_id: str, stalled: bool, error: str) -> None:
        old = self._states.get(task_id, RowState())
        self._count_stalled(int(stalled) - int(old.stalled))
        self._states[task_id] = RowState(stalled, error)

    def note_error(self, task_id: str, message: str) -> None:
        """A submission from this row failed: its detail says so (the stall stays)."""
        self.set(task_id, self._states.get(task_id, RowState()).stalled, message)

    def toggle_mark(self, task_id: str) -> None:
        self.marked.symmetric_difference_update({task_id})

    def clear_marks(self) -> set[str]:
        """Unmark every task; the ones that were marked."""
        marked, self.marked = self.marked, set()
        return marked

    def forget(self, task_id: str) -> None:
        self.marked.discard(task_id)
        old = self._states.pop(task_id, None)
        if old is not None and old.stalled:
            self._count_stalled(-1)
