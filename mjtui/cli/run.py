"""The headless subcommands: status, watch, imagine, describe, blend, edits, video, action,
modal, upload, balance, info, fake-server.

`run_command` checks the arguments, opens the settings, session and client, and hands
over to the command's module (`query` reads, `kinds` starts new jobs, `submit` presses
buttons and answers MODAL tasks, `account` uploads and reads the balance). Each command records
the tasks it touches in the session, so the dashboard shows them later. Nothing here
imports Textual.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from mjtui.api.errors import ApimartError
from mjtui.archive.moves import bring_back
from mjtui.cli.account import run_balance, run_upload
from mjtui.cli.arguments import refused_task_id
from mjtui.cli.context import Context
from mjtui.cli.history import archived_lookup, auto_move_for_cli
from mjtui.cli.kinds import run_blend, run_describe, run_edits, run_imagine, run_video
from mjtui.cli.mask import option_problem
from mjtui.cli.query import run_status, run_watch
from mjtui.cli.submit import run_action, run_modal
from mjtui.errors import (
    EXIT_CONFIG,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    ArchiveError,
    ConfigError,
    SessionError,
)
from mjtui.runtime import make_backend, open_session, settings_from_args
from mjtui.text import printable


def run_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run one subcommand; returns the exit code."""
    out = out or sys.stdout
    if refused_task_id(_task_id_arguments(args)):  # a usage error: before config, before any request
        return EXIT_USAGE
    if args.command == "modal" and (problem := option_problem(args)):
        print(f"mjtui: {printable(problem)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        settings = settings_from_args(args)
        if args.command == "fake-server":
            return _fake_server(args)
        if args.command == "info":
            from mjtui.cli.info import print_info

            print_info(settings, out)
            return EXIT_OK
        for warning in settings.warnings:  # a clamped poll interval, an unknown config key
            print(f"mjtui: warning: {printable(warning)}", file=sys.stderr)
        session = open_session(settings)
        auto_move_for_cli(settings, session)
        archived = archived_lookup(_task_id_arguments(args), session)
        if args.command in ("action", "modal") and archived:
            bring_back(session, list(archived))  # its pressed buttons guard the billing
            archived = {}
        backend = make_backend(settings)
    except (ConfigError, SessionError, ArchiveError) as exc:
        print(f"mjtui: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except ApimartError as exc:  # an insecure base URL
        print(f"mjtui: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    handler = _HANDLERS[args.command]
    context = Context(args, backend, session, out, settings.poll_interval,
                      read_only=settings.read_only)
    context.stall_after = settings.stall_after
    context.archived = archived
    if getattr(args, "notify", None) is not None:  # only when asked: scripts get no surprises
        context.notify_mode = settings.notify
    try:
        return asyncio.run(context.run(handler))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _task_id_arguments(args: argparse.Namespace) -> list[str]:
    """The task IDs a command was given on its command line (`status`, `watch`: ids;
    `action`, `modal`: id)."""
    if args.command in ("status", "watch"):
        return list(args.ids)
    if args.command in ("action", "modal"):
        return [args.id]
    if args.command == "video" and args.task is not None:
        return [args.task]
    return []


def _fake_server(args: argparse.Namespace) -> int:
    from mjtui.fake.server import serve

    print(f"fake apimart on http://{args.host}:{args.port}  token: {args.token}", flush=True)
    try:
        serve(
            host=args.host, port=args.port, tokens={args.token}, demo=args.seed_demo,
            run_seconds=args.run_seconds, queue_seconds=args.queue_seconds,
        )
    except ValueError as exc:
        print(f"mjtui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        pass
    return EXIT_OK


_HANDLERS: dict[str, Callable[[Context], Awaitable[int]]] = {
    "status": run_status,
    "watch": run_watch,
    "imagine": run_imagine,
    "action": run_action,
    "modal": run_modal,
    "describe": run_describe,
    "blend": run_blend,
    "edits": run_edits,
    "video": run_video,
    "upload": run_upload,
    "balance": run_balance,
}
