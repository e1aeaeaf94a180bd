"""MjtuiApp: owns the session, the API client and the poller; screens do the rest.

Kept thin on purpose: polling lives in `Tracker` (pure asyncio, run here as a worker), data in
`Session`, and everything the user sees in `DashboardScreen` and the dialogs.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from textual import events, work
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.cache import LRUCache
from textual.timer import Timer

from mjtui.config import Settings
from mjtui.images.cache import DiskCache, ImageLoader
from mjtui.images.thumbs import ThumbnailLoader
from mjtui.jobs import Jobs
from mjtui.keys import textual_keymap
from mjtui.paths import cache_dir
from mjtui.runtime import Backend
from mjtui.session import Session, SessionError, save_session
from mjtui.tracker import Tracker
from mjtui.tracker.balance import BalanceWatch
from mjtui.ui.desktop_notifier import DesktopNotifier, notify_choice
from mjtui.ui.key_hold import KeyHold
from mjtui.ui.messages import HealthChanged, TaskChanged
from mjtui.ui.palette import MjtuiCommands
from mjtui.ui.preview import current_facts

STYLES = Path(str(resources.files("mjtui.styles")))  # top-level styles/, installed here
SAVE_DELAY = 1.0  # seconds: bursts of updates become one save


class MjtuiApp(App[None]):
    """The mjtui dashboard."""

    TITLE = "mjtui"
    BINDING_GROUP_TITLE = "App"
    CSS_PATH = sorted(STYLES.glob("*.tcss"))
    COMMANDS = App.COMMANDS | {MjtuiCommands}

    def __init__(
        self,
        settings: Settings,
        session: Session,
        backend: Backend,
        *,
        clock: Callable[[], float] = time.time,
        image_protocol: str = "halfcell",
        start_polling: bool = True,
        archive_moves: bool = False,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.session = session
        self.backend = backend
        self.clock = clock
        self.image_protocol = image_protocol
        self.start_polling = start_polling
        self.archive_moves = archive_moves  # apply the move rules on start (mjtui.archive)
        self.bell_enabled = settings.bell
        # Polls pass through it; the tracker's idle health check reads the balance with it.
        # (The status line reads it on its own tick: no news to pass on.)
        self.balance_watch = BalanceWatch(backend.client)
        self.tracker = Tracker(
            self.balance_watch,
            poll_interval=settings.poll_interval,
            max_concurrency=settings.max_concurrency,
            stall_after=settings.stall_after,
            on_update=lambda update: self.dashboard.post_message(TaskChanged(update)),
            on_health=lambda health: self.dashboard.post_message(HealthChanged(health)),
        )
        self._save_timer: Timer | None = None
        self._gc_threshold: tuple[int, ...] | None = None  # set while start-up is frozen
        self.save_error: str = ""
        self.key_hold = KeyHold(self)
        self.jobs = Jobs(backend.client, session, read_only=settings.read_only,
                         on_change=self.schedule_save, restore=self._restore_archived)
        facts = current_facts()
        version = facts.answers.version if facts is not None and facts.answers else None
        self.desktop_notifier = DesktopNotifier(self, notify_choice(settings.notify, version))
        self.thumbnail_loader: ThumbnailLoader | None = None  # made by the first gallery
        # The gallery's drawn pictures (LRUCache), kept so a gallery opened again is at once.
        self.thumbnail_drawings: LRUCache[object, object] | None = None
        self.image_loader = ImageLoader(
            backend.client,
            DiskCache(cache_dir() / "images", settings.image_cache_mb * 1024 * 1024),
        )
        from mjtui.ui.screens.dashboard import DashboardScreen

        self.dashboard = DashboardScreen(self)  # the home screen; poller news goes to it

    def on_mount(self) -> None:
        if self.settings.keymap:
            self.set_keymap(textual_keymap(self.settings.keymap))  # `ctrl+/` as ctrl+slash
        theme = self.session.view.theme or self.settings.theme
        if theme and theme in self.available_themes:
            self.theme = theme
        self.screen_change_signal.subscribe(self, self.key_hold.screen_changed)
        self.push_screen(self.dashboard)
        for tracked in self.session:
            self.tracker.track(tracked.id, tracked.task)
        if self.start_polling:
            self.run_worker(self.tracker.run(), name="poller", group="poller", exit_on_error=False)
        self.call_after_refresh(self._freeze_startup_objects)

    def _freeze_startup_objects(self) -> None:
        """Keep the cycle collector's full passes short and rare.

        Polling allocates fast, so full passes come often, and each walked everything
        start-up built (the session, the rows, Textual itself) with the UI stuck
        (bench/README.md, "Round 2"). Those objects are frozen out of its view (freed by
        refcount as usual; only cyclic garbage among them waits for `unfreeze`), and a full
        pass waits for 100 younger passes instead of 10."""
        self._gc_threshold = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(self._gc_threshold[0], self._gc_threshold[1], 100)

    async def on_unmount(self) -> None:
        if self._gc_threshold is not None:
            gc.set_threshold(*self._gc_threshold)
            gc.unfreeze()
        self.tracker.stop()
        self.save()
        await self.backend.client.aclose()

    async def on_event(self, event: events.Event) -> None:
        """Keys and pastes typed behind a key that opens an input wait for it; behind one
        that opens a screen, they are dropped once it is up (see KeyHold)."""
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if self.key_hold.hold(event):
                return
            opens = self.key_hold.opens(event) if isinstance(event, events.Key) else None
            await super().on_event(event)
            if opens:
                self.key_hold.start(opens, event)
            return
        if isinstance(event, events.DescendantFocus):
            self.key_hold.focus_moved()
        await super().on_event(event)
        if isinstance(event, events.Key):  # back from the focus, its binding (if any) run
            self.key_hold.key_done(event)

    def pop_screen(self) -> AwaitComplete:
        """The dashboard is never popped. A screen whose closing message came twice in one
        burst of keys (enter enter on the lineage tree) dismissed itself twice, and the
        second pop took the dashboard away: a blank screen, then ScreenStackError."""
        if self.screen is self.dashboard:
            return AwaitComplete.nothing()
        return super().pop_screen()

    def _fatal_error(self) -> None:
        """Textual's exit trace for an unhandled exception, minus its local variables: it is
        printed on the terminal, and the API client's frames hold the Authorization header.
        (The same hook as Textual 8's, through the public `panic`; cli/launch.py writes the
        plain trace to a file and exits EXIT_CRASH.)"""
        from rich.traceback import Traceback

        self.bell()
        self.panic(Traceback(show_locals=False, width=None))

    def watch_theme(self, theme: str) -> None:
        if self.session.set_view(theme=theme):
            self.schedule_save()

    # -- persistence ---------------------------------------------------------------------

    def schedule_save(self) -> None:
        """Save soon: many changes within SAVE_DELAY become one atomic write."""
        if self._save_timer is None:
            self._save_timer = self.set_timer(SAVE_DELAY, self._save_now)

    def _save_now(self) -> None:
        self._save_timer = None
        self._save_in_background()

    @work(thread=True, group="save", exclusive=False)
    def _save_in_background(self) -> None:
        """Encoding 1,000 tasks takes a while on a slow machine: never on the UI thread."""
        self.save()

    def save(self) -> bool:
        """Write the session if it changed; a failure is shown, never fatal.

        Saving merges what another mjtui wrote to the same file, so tasks may appear or go:
        the dashboard and the poller are told (on the UI thread)."""
        before = set(self.session.tasks)
        try:
            saved = save_session(self.session)
        except (SessionError, OSError) as exc:
            message = f"session not saved: {exc}"
            if message != self.save_error:
                self.notify(message, title="Save failed", severity="error", timeout=10, markup=False)
            self.save_error = message
            return False
        self.save_error = ""
        if set(self.session.tasks) != before:
            if self._thread_id == threading.get_ident():
                self.dashboard.sync_with_session()
            else:
                self.call_from_thread(self.dashboard.sync_with_session)
        return saved

    async def action_quit(self) -> None:
        self.tracker.stop()
        self.save()
        self.exit()

    def _restore_archived(self, task_id: str) -> bool:
        """Jobs' hook (in a thread): an archived task back into the session. A failure is
        shown; the follow-up is then refused as on any task the session does not hold."""
        from mjtui.archive.moves import bring_back
        from mjtui.errors import MjtuiError

        try:
            return bool(bring_back(self.session, [task_id]))
        except (MjtuiError, OSError) as exc:
            self.call_from_thread(self.notify, f"not restored from the archive: {exc}",
                                  title="Archive", severity="error", markup=False)
            return False

    def ring_bell(self) -> None:
        if self.bell_enabled:
            self.bell()

    def on_app_focus(self) -> None:
        """The terminal says its window has focus: desktop notifications wait."""
        self.desktop_notifier.focused = True

    def on_app_blur(self) -> None:
        self.desktop_notifier.focused = False

    def action_test_notification(self) -> None:
        notifier = self.desktop_notifier
        if notifier.test():
            self.notify(f"Sent a test notification ({notifier.choice.mode}). "
                        "If none appeared, see Diagnostics.", markup=False)
        else:
            self.notify(f"Desktop notifications are {notifier.choice.mode}: "
                        f"{notifier.choice.reason}", markup=False)
