"""A screen that stays quiet while a dialog covers it (a Textual 8.2 workaround).

A screen shown dimmed under a translucent modal (help, actions menu, every dialog) passes the
regions that changed up to the modal, which redraws them tinted. Textual 8.2's
`Screen._compositor_refresh` also marks those regions dirty on the covered screen again, and
sets its repaint flag, so on the covered screen's next idle (every message it handles: each
poll's task update) they are sent up once more, and again, for as long as the dialog stays
open. The regions pile up; they include the whole screen from the moment the dialog opened,
so the modal drew the whole screen again on every task update, with nothing to see change
(bench/README.md, "What repainted behind a dialog").

`QuietBackground` keeps what the modal needs (the regions go up, and the covered screen's
render cache knows they changed) and drops only the re-marking, so each change underneath
is drawn once, and a dialog over a dashboard that does not change sends nothing.
"""

from __future__ import annotations

from typing import Any, Self

from textual.app import ScreenStackError
from textual.geometry import Region
from textual.screen import Screen


class QuietBackground(Screen[Any]):
    """Mix into a screen that dialogs open over (before `Screen` in the bases)."""

    def _compositor_refresh(self) -> None:
        try:
            covered = self.app.screen is not self
        except ScreenStackError:  # shutting down
            covered = False
        if not covered:
            super()._compositor_refresh()
            return
        required, regions = self._repaint_required, set(self._repaint_regions)
        super()._compositor_refresh()
        # Undo the re-marking: these regions have just been handed to the screen on top.
        self._repaint_required = required
        self._repaint_regions.clear()
        self._repaint_regions.update(regions)


class OpaqueOnTop(Screen[Any]):
    """Mix into a full-screen view opened over the dashboard (before `Screen` in the bases).

    Regions alone come from the screens underneath, which Textual passes up to the screen on
    top on every change (each poll's progress cells). An opaque screen shows nothing of
    them: its picture's rows are not sent again for them."""

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        if regions and not layout and not recompose and self.styles.background.a == 1:
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
