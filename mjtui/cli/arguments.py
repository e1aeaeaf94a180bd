"""The command line's arguments: every option and subcommand, and how they are parsed.

Common options work before or after the subcommand (`mjtui --demo status` and
`mjtui status --demo`).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence

from mjtui import __version__
from mjtui.api.addresses import DEFAULT_BASE_URL, check_task_id
from mjtui.api.errors import ApimartError
from mjtui.api.requests import SPEEDS
from mjtui.buttons import CLI_NAMES
from mjtui.cli.kind_arguments import (
    COMMAND_HELP,
    add_kind_commands,
    image_prompt_options,
    submit_options,
)
from mjtui.known_terminals import IMAGE_MODES
from mjtui.notify import MODES as NOTIFY_MODES
from mjtui.text import printable

EPILOG = """\
exit codes: 0 success, 1 a task failed or a query errored, 2 usage error,
            3 authentication or configuration error, 70 the dashboard crashed
environment: APIMART_API_KEY (token), APIMART_BASE_URL, MJTUI_POLL_INTERVAL, MJTUI_IMAGES,
             MJTUI_CONFIG_DIR, MJTUI_DATA_DIR, MJTUI_CACHE_DIR
"""



def _common_options() -> argparse.ArgumentParser:
    """Options every command takes. Defaults are SUPPRESSed so a later parse never resets
    what an earlier one set: that is what lets them stand before or after the command."""
    common = argparse.ArgumentParser(prog="mjtui", add_help=False)
    group = common.add_argument_group("common options")
    sup = argparse.SUPPRESS
    group.add_argument("--base-url", default=sup, metavar="URL",
                       help=f"API base URL (env APIMART_BASE_URL; default {DEFAULT_BASE_URL})")
    group.add_argument("--session", default=sup, metavar="NAME|PATH",
                       help="session name (in the data folder) or path to a session .toml file")
    group.add_argument("--poll-interval", type=float, default=sup, metavar="SECONDS",
                       help="seconds between polls of a running task (default 4)")
    group.add_argument("--demo", action="store_true", default=sup,
                       help="use the built-in fake API with demo jobs (no token, no network)")
    group.add_argument("--images", choices=IMAGE_MODES, default=sup,
                       help="image preview protocol in the dashboard (default auto)")
    group.add_argument("--read-only", action="store_true", default=sup,
                       help="dashboard: watch only, disable every action that starts a job")
    group.add_argument("--notify", choices=(*NOTIFY_MODES, "on"), default=sup, metavar="MODE",
                       help="desktop notifications through the terminal: auto, osc9, osc99, "
                            "osc777, bell or off (default: notify in the config, auto); "
                            "`watch --notify` turns them on for a script")
    return common


def _imagine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("prompt", help="the prompt text")
    group = parser.add_argument_group("structured fields (appended to the prompt by the API)")
    group.add_argument("--ar", "--aspect-ratio", dest="size", metavar="W:H", help="aspect ratio, e.g. 16:9")
    group.add_argument("--version", "--v", dest="version", metavar="V", help="model version: 8.1, 7, 6.1, ...")
    group.add_argument("--stylize", "--s", dest="stylize", type=int, metavar="0-1000")
    group.add_argument("--chaos", "--c", dest="chaos", type=int, metavar="0-100")
    group.add_argument("--quality", "--q", dest="quality", metavar="Q", help="0.25, 0.5, 1 or 2")
    group.add_argument("--seed", type=int)
    group.add_argument("--no", "--negative-prompt", dest="negative_prompt", metavar="TEXT")
    group.add_argument("--style", metavar="STYLE", help="e.g. raw")
    group.add_argument("--weird", "--w", dest="weird", type=int, metavar="0-3000")
    group.add_argument("--speed", choices=SPEEDS)
    group.add_argument("--tile", action="store_true", default=None)
    group.add_argument("--niji", action="store_true", default=None)
    group.add_argument("--raw", action="store_true", default=None)
    group.add_argument("--draft", action="store_true", default=None)
    image_prompt_options(group)


def build_parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The top-level (dashboard) parser and one parser per subcommand."""
    common = _common_options()
    top = argparse.ArgumentParser(
        prog="mjtui",
        description="A keyboard-driven terminal dashboard for Midjourney jobs on the apimart API.\n"
        "With no command it opens the dashboard; `mjtui ID...` adds those task IDs first.",
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands:\n"
        "  status     print each task's state once (--json for JSON Lines)\n"
        "  watch      print a line per change until every task is finished\n"
        "  imagine    start a new job from a prompt and print its task ID\n"
        "  action     press a button (U1, V2, reroll, zoom-2x, ...) and print the new task ID\n"
        "  modal      answer a task waiting in MODAL (Vary Region, Custom Zoom)\n"
        "  history    search the session and the archive, newest first\n"
        "  archive    move finished tasks from the session to the archive now\n"
        "  restore    bring archived tasks back into the session\n"
        + COMMAND_HELP +
        "  fake-server  run the fake apimart API on a loopback port\n"
        "  info       print versions, config and session paths\n"
        "run `mjtui COMMAND --help` for a command's options\n\n" + EPILOG,
    )
    top.add_argument("--version", action="version", version=f"mjtui {__version__}")
    top.add_argument("ids", nargs="*", metavar="ID", help="task IDs to add to the session")

    def sub(name: str, help_text: str) -> argparse.ArgumentParser:
        return argparse.ArgumentParser(
            prog=f"mjtui {name}", description=help_text, parents=[common], epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    commands: dict[str, argparse.ArgumentParser] = {}
    p = commands["status"] = sub("status", "Print each task's state once (the session's tasks when no ID is given).")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--json", action="store_true", help="JSON Lines, one object per task")

    p = commands["watch"] = sub("watch", "Print a line per change until every task is finished.")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--json", action="store_true", help="JSON Lines, one object per change")

    p = commands["imagine"] = sub("imagine", "Start a new job and print its task ID.")
    _imagine_options(p)
    submit_options(p, speed=False)  # --speed is one of the imagine fields above

    p = commands["action"] = sub(
        "action",
        "Press a button of a finished task and print the new task ID.\n\n"
        + textwrap.fill(f"BUTTON: U1-U4, V1-V4, {', '.join(CLI_NAMES)}, or a raw customId "
                        "from the task's buttons.", width=88),
    )
    p.add_argument("id", metavar="ID")
    p.add_argument("button", metavar="BUTTON")
    p.add_argument("--again", action="store_true",
                   help="press a button already pressed on this task (another billed job)")
    submit_options(p)

    p = commands["modal"] = sub(
        "modal",
        "Answer a task waiting in MODAL; the same task ID then runs.\n\n"
        "Vary (Region): mark what to repaint with --region X,Y,W,H (repeatable), in fractions\n"
        "of the image (0-1, origin top left: 0.25,0.5,0.5,0.25 is the middle half of the\n"
        "lower part) or in pixels with a px suffix (100,200,300,150px). The mask is built at\n"
        "the parent's picture size (1024x1024 when unknown) and sent inline.",
    )
    p.add_argument("id", metavar="ID")
    p.add_argument("--prompt", help="the new prompt (empty: the parent's prompt is used)")
    p.add_argument("--mask-url", help="PNG mask URL or data: URI (white = repaint)")
    p.add_argument("--region", action="append", default=[], metavar="X,Y,W,H",
                   help="a rectangle to repaint, fractions 0-1 or pixels with px (repeatable)")
    p.add_argument("--dry-run", action="store_true",
                   help="print what would be sent (and write --mask-out), post nothing")
    p.add_argument("--mask-out", metavar="PATH", help="write the mask built from --region as PNG")
    submit_options(p)

    p = commands["history"] = sub(
        "history",
        "The tasks of the session and the archive that match, newest first, as status prints\n"
        "them. TEXT: words each matching the start of a word in the ID, prompt or label.\n"
        "Without --session the archive of every session is searched; with it, that one's.")
    p.add_argument("text", nargs="?", default="", metavar="TEXT")
    p.add_argument("--json", action="store_true", help="JSON Lines, as status --json")
    p.add_argument("--limit", type=int, default=50, metavar="N",
                   help="at most N tasks (default 50; 0 means all)")
    p.add_argument("--status", metavar="S", help="only this status: SUCCESS, FAILURE, ... or DONE, FAILED, ...")
    p.add_argument("--since", metavar="DATE",
                   help="only tasks added since DATE (2025-11-28, or a date-time; UTC unless it says)")

    p = commands["archive"] = sub(
        "archive",
        "Move finished tasks from the session to the archive now: by the configured rules\n"
        "(archive_after_days, session_max_tasks; labelled tasks stay), or with --older-than\n"
        "every finished task added (or restored) longer ago, labelled or not.")
    p.add_argument("--older-than", metavar="DURATION",
                   help="30d, 12h, 90m, 2w, 45s (a bare number is days; 0 moves every finished task)")

    p = commands["restore"] = sub("restore", "Bring archived tasks back into the session.")
    p.add_argument("ids", nargs="+", metavar="ID")

    p = commands["fake-server"] = sub("fake-server", "Run the fake apimart API on a loopback port.")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    p.add_argument("--token", default="sk-fake-token", help="the token the fake accepts")
    p.add_argument("--run-seconds", type=float, default=12.0, help="how long a job runs")
    p.add_argument("--queue-seconds", type=float, default=2.0, help="how long a job waits queued")
    p.add_argument("--seed-demo", action="store_true", help="start with the demo jobs")

    commands["info"] = sub("info", "Print versions, config, session and cache paths.")
    add_kind_commands(sub, commands, _imagine_options)
    return top, commands


_OPTIONS_WITH_VALUE = {"--base-url", "--session", "--poll-interval", "--images", "--notify"}


def split_command(argv: Sequence[str]) -> tuple[list[str], str | None, list[str]]:
    """Split argv into (options before the command, command, the rest).

    The command is the first bare word that names one; common options and their values
    before it are skipped, so `mjtui --session work status` finds `status`.
    """
    _, commands = build_parsers()
    skip_next = False
    for position, token in enumerate(argv):
        if skip_next:
            skip_next = False
            continue
        if token == "--":
            break
        if token.startswith("-"):
            skip_next = token in _OPTIONS_WITH_VALUE
            continue
        if token in commands:
            return list(argv[:position]), token, list(argv[position + 1 :])
        break
    return list(argv), None, []


def _bare_notify_flags(argv: Sequence[str]) -> list[str]:
    """`--notify` not followed by a mode means "on, as configured": `watch --notify ID` works."""
    out = list(argv)
    for position, token in enumerate(out):
        if token == "--":
            break
        following = out[position + 1] if position + 1 < len(out) else ""
        if token == "--notify" and following not in NOTIFY_MODES:
            out[position] = "--notify=on"
    return out


def refused_task_id(ids: list[str]) -> bool:
    """Say on stderr why the first argument that is not a task ID is refused; True if one
    was (the caller exits 2, having sent nothing)."""
    for task_id in ids:
        try:
            check_task_id(task_id)
        except ApimartError as exc:
            print(f"mjtui: {printable(str(exc))}", file=sys.stderr, flush=True)
            return True
    return False


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    argv = _bare_notify_flags(argv)
    top, commands = build_parsers()
    before, command, rest = split_command(argv)
    if command is None:
        args = top.parse_args(before)
        args.command = None
        return args
    # Options before the command first, then the command's own (which may repeat them).
    common = _common_options()
    namespace = common.parse_args(before) if before else argparse.Namespace()
    args = commands[command].parse_args(rest, namespace=namespace)
    args.command = command
    return args
