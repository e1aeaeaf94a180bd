"""Start the dashboard: settings, session, image protocol probe, then `App.run()`.

Order matters: textual-image asks the terminal what it supports when first imported, and the
answer is lost once Textual owns stdin, so the probe runs here, before the app starts.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from mjtui import __version__
from mjtui.api.addresses import check_task_id
from mjtui.api.errors import ApimartError
from mjtui.api.models import Task
from mjtui.errors import EXIT_CONFIG, EXIT_CRASH, EXIT_OK, EXIT_USAGE, ConfigError, SessionError
from mjtui.paths import cache_dir
from mjtui.runtime import make_backend, open_session, settings_from_args
from mjtui.session import TrackedTask, save_session
from mjtui.text import printable

if TYPE_CHECKING:
    from mjtui.ui.app import MjtuiApp


def run_dashboard(args: argparse.Namespace) -> int:
    for task_id in args.ids:  # a usage error: said before any config, session or request
        try:
            check_task_id(task_id)
        except ApimartError as exc:
            print(f"mjtui: {printable(str(exc))}", file=sys.stderr)
            return EXIT_USAGE
    try:
        settings = settings_from_args(args)
        session = open_session(settings)
        backend = make_backend(settings)
    except SessionError as exc:
        print(f"mjtui: {exc}\nThe file was left untouched; fix or move it, or pick another "
              "session with --session.", file=sys.stderr)
        return EXIT_CONFIG
    except (ConfigError, ApimartError) as exc:
        print(f"mjtui: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    for task_id in args.ids:
        session.add(TrackedTask(task=Task(id=task_id), origin="added", added_at=time.time()))
    if backend.fake is not None:
        from mjtui.demo import prepare_demo

        prepare_demo(backend.fake, session)

    # The app's modules load first, so the probe's answers do not wait for the imports.
    from mjtui.ui.app import MjtuiApp
    from mjtui.ui.preview import current_facts, detect_terminal_protocol, restore_terminal_mode

    protocol = detect_terminal_protocol(settings.images)
    app = MjtuiApp(settings, session, backend, image_protocol=protocol.name, archive_moves=True)
    if sys.platform != "win32":
        from mjtui.ui.input_driver import ReplyFilteringDriver

        facts = current_facts()
        if facts is not None and facts.answers is not None:
            ReplyFilteringDriver.typed_during_probe = facts.answers.leftover
            ReplyFilteringDriver.answers_due = not facts.answers.answered
        app.driver_class = ReplyFilteringDriver
    crash: BaseException | None = None
    saved = False
    try:
        app.run()
    except Exception as exc:  # noqa: BLE001 - reported below, as one raised inside the app is
        crash = exc
    finally:
        restore_terminal_mode()
        try:
            save_session(session)
            saved = True
        except SessionError as exc:
            print(f"mjtui: session not saved: {exc}", file=sys.stderr)
        if backend.fake is not None:
            from mjtui.demo import save_demo_state

            save_demo_state(backend.fake, session)
    crash = crash or ended_on(app)
    if crash is None:
        return EXIT_OK
    return report_crash(crash, saved=saved, secrets=(settings.token,))


def ended_on(app: MjtuiApp) -> BaseException | None:
    """The exception the app ended on: Textual keeps the first one, shows its own pretty
    trace and sets `return_code` to 1, but `run()` returns normally."""
    if not app.return_code:
        return None
    error = getattr(app, "_exception", None)
    return error or RuntimeError(f"the app exited with code {app.return_code}")


def report_crash(error: BaseException, *, saved: bool, secrets: tuple[str, ...] = (),
                 folder: Path | None = None) -> int:
    """Write the full trace to a file only its owner can read, say so in one line on stderr,
    and return EXIT_CRASH. The trace is the plain one (no local variables), secrets blanked."""
    text = "".join(traceback.format_exception(error))
    summary = f"{type(error).__name__}: {error}"
    for secret in filter(None, secrets):
        text, summary = text.replace(secret, "<token>"), summary.replace(secret, "<token>")
    try:
        where = f"full trace in {write_crash_file(text, folder or cache_dir())}"
    except OSError as exc:
        where = f"trace not written ({exc})"
    session = "session saved" if saved else "session NOT saved"
    print(f"mjtui: crashed ({printable(summary, limit=200)}); {where}; {session}",
          file=sys.stderr)
    return EXIT_CRASH


def write_crash_file(text: str, folder: Path) -> Path:
    """`folder/crash-YYYYmmdd-HHMMSS.txt` (local time; -2, -3... if taken), mode 0600."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    header = f"mjtui {__version__} crashed at {time.strftime('%Y-%m-%d %H:%M:%S %z')}\n\n"
    for attempt in range(1, 100):
        path = folder / f"crash-{stamp}{'' if attempt == 1 else f'-{attempt}'}.txt"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(header + text)
        return path
    raise FileExistsError(f"no free crash file name in {folder}")
