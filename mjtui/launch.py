"""Start the dashboard: settings, session, image protocol probe, then `App.run()`.

Order matters: textual-image asks the terminal what it supports when first imported, and the
answer is lost once Textual owns stdin, so the probe runs here, before the app starts.
"""

from __future__ import annotations

import argparse
import sys
import time

from mjtui.api.addresses import validate_task_id
from mjtui.api.errors import ApimartError
from mjtui.api.models import Task
from mjtui.cli import EXIT_CONFIG, EXIT_OK, EXIT_USAGE
from mjtui.config import ConfigError
from mjtui.runtime import make_backend, open_session, settings_from_args
from mjtui.session import SessionError, TrackedTask, save_session
from mjtui.text import printable


def run_dashboard(args: argparse.Namespace) -> int:
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
        try:
            validate_task_id(task_id)
        except ApimartError as exc:
            print(f"mjtui: {printable(str(exc))}", file=sys.stderr)
            return EXIT_USAGE
        session.add(TrackedTask(task=Task(id=task_id), origin="added", added_at=time.time()))
    if backend.fake is not None:
        from mjtui.demo import prepare_demo

        prepare_demo(backend.fake, session)

    # The app's modules load first, so the probe's answers do not wait for the imports.
    from mjtui.ui.app import MjtuiApp
    from mjtui.ui.preview import current_facts, detect_terminal_protocol, restore_terminal_mode

    protocol = detect_terminal_protocol(settings.images)
    app = MjtuiApp(settings, session, backend, image_protocol=protocol.name)
    if sys.platform != "win32":
        from mjtui.ui.input_driver import ReplyFilteringDriver

        facts = current_facts()
        if facts is not None and facts.answers is not None:
            ReplyFilteringDriver.typed_during_probe = facts.answers.leftover
        app.driver_class = ReplyFilteringDriver
    try:
        app.run()
    finally:
        restore_terminal_mode()
        try:
            save_session(session)
        except SessionError as exc:
            print(f"mjtui: session not saved: {exc}", file=sys.stderr)
        if backend.fake is not None:
            from mjtui.demo import save_demo_state

            save_demo_state(backend.fake, session)
    return EXIT_OK
