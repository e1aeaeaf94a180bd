"""Command-line options of the job kinds beyond imagine, and imagine's image options.

`describe`, `blend`, `edits`, `video`, `upload`, `balance`; every submitting command takes
`--speed` and `--json`. An IMAGE is an http(s) URL or a local image file (uploaded once).
Only argparse here: the commands are in `kinds.py` and `account.py`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from mjtui.api.requests import BATCH_SIZES, DIMENSIONS, MOTIONS, SPEEDS

IMAGE_HELP = "an http(s) URL or a local JPEG, PNG, WebP or GIF file (uploaded once)"
COMMAND_HELP = (
    "  describe   four prompts suggested for an image (--watch prints them)\n"
    "  blend      blend 2-4 images into a grid\n"
    "  edits      rewrite an image after a prompt\n"
    "  video      a short clip from an image or a task's tile\n"
    "  upload     upload a local image and print its URL (valid 72 h)\n"
    "  balance    the key's remaining and used balance (--account: the account's too)\n"
)


def submit_options(parser: argparse.ArgumentParser, *, speed: bool = True) -> None:
    """What every submitting command takes besides its own arguments."""
    if speed:
        parser.add_argument("--speed", choices=SPEEDS, help="relax (the API's default), fast, turbo")
    parser.add_argument("--json", action="store_true",
                        help='print {"task_id": ...} (and JSON Lines with --watch)')
    parser.add_argument("--watch", action="store_true", help="then watch it until it finishes")
    parser.add_argument("--label", default="", help="a label for the task in the session")


def image_prompt_options(group: argparse._ArgumentGroup) -> None:
    """imagine's (and edits') image prompts, references and their weights."""
    group.add_argument("--image", "--image-url", dest="image_urls", action="append", default=[],
                       metavar="IMAGE", help=f"an image prompt (repeatable): {IMAGE_HELP}")
    group.add_argument("--sref", metavar="IMAGE", help="a style reference image")
    group.add_argument("--cref", metavar="IMAGE", help="a character reference image")
    group.add_argument("--iw", type=float, metavar="0-3", help="image prompt weight")
    group.add_argument("--sw", type=int, metavar="0-1000", help="style reference weight")
    group.add_argument("--cw", type=int, metavar="0-100", help="character reference weight")
    group.add_argument("--repeat", type=int, metavar="2-40", help="run the job this many times")


def add_kind_commands(
    sub: Callable[[str, str], argparse.ArgumentParser],
    commands: dict[str, argparse.ArgumentParser],
    imagine_fields: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Add the kinds' parsers to `commands`; `sub(name, help)` makes one, `imagine_fields`
    adds imagine's structured field options (edits takes them too)."""
    p = commands["describe"] = sub("describe", "Start a describe: four prompts suggested for an "
                                   "image; prints the new task ID.")
    p.add_argument("image", metavar="IMAGE", help=IMAGE_HELP)
    submit_options(p)

    p = commands["blend"] = sub("blend", "Blend 2-4 images into a grid; prints the new task ID.")
    # dest: `images` is the common --images option (the preview protocol)
    p.add_argument("blend_images", nargs="+", metavar="IMAGE", help=f"2 to 4 images: {IMAGE_HELP}")
    p.add_argument("--dimensions", choices=DIMENSIONS, help="the grid's shape (default square)")
    submit_options(p)

    p = commands["edits"] = sub("edits", "Rewrite an image after a prompt; prints the new task ID.")
    p.add_argument("image", metavar="IMAGE", help=IMAGE_HELP)
    imagine_fields(p)  # PROMPT and the structured fields
    submit_options(p, speed=False)  # --speed is among imagine's fields

    p = commands["video"] = sub(
        "video", "Start a video (about 5 s, always fast) from an IMAGE, or from tile --index of a "
        "finished task; prints the new task ID.")
    p.add_argument("image", nargs="?", metavar="IMAGE", help=f"the first frame: {IMAGE_HELP}")
    p.add_argument("--task", metavar="ID", help="animate a tile of this finished task instead")
    p.add_argument("--index", type=int, choices=(1, 2, 3, 4),
                   help="with --task: which tile, 1-4 like U1-U4 (default 1)")
    p.add_argument("--prompt", help="what should happen in the clip")
    p.add_argument("--motion", choices=MOTIONS, help="low (default) or high motion")
    p.add_argument("--batch-size", type=int, choices=BATCH_SIZES,
                   help="how many clips (each one billed)")
    p.add_argument("--end", metavar="IMAGE", help=f"the last frame: {IMAGE_HELP}")
    submit_options(p)

    p = commands["upload"] = sub("upload", "Upload a local image and print its URL (valid 72 h; "
                                 "the same content is not uploaded again meanwhile).")
    p.add_argument("file", metavar="FILE", help="a JPEG, PNG, WebP or GIF file, at most 20 MB")

    p = commands["balance"] = sub("balance", "Print the API key's remaining and used balance, "
                                  "in the account's own unit.")
    p.add_argument("--account", action="store_true", help="the whole account's balance too")
    p.add_argument("--json", action="store_true",
                   help="the API's numbers: remain_balance, used_balance, unlimited")
