"""`mjtui`: the dashboard by default, headless subcommands for scripts.

Headless paths never import Textual, so they run without a TTY. Exit codes: 0 success,
1 a task failed or a query errored, 2 usage, 3 auth or config, 70 the dashboard crashed
(`mjtui.errors` holds them all).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from mjtui.cli.arguments import parse_args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    if args.command is None:
        from mjtui.cli.launch import run_dashboard

        return run_dashboard(args)
    if args.command in ("history", "archive", "restore"):  # no API: skip the client's imports
        from mjtui.cli.history import run_archive_cli

        return run_archive_cli(args)
    from mjtui.cli.run import run_command

    return run_command(args)
