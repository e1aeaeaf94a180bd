"""The detail pane's parts that depend on the kind of task: a describe's four suggested
prompts as a numbered list, a video's clips. API text is shown literally (`safe_text`)."""

from __future__ import annotations

import re

from rich.style import Style
from rich.text import Text

from mjtui.api.models import Task
from mjtui.buttons import ButtonSpec
from mjtui.ui.format import safe_text

PROMPT_LIMIT = 1000
URL_LIMIT = 500


_PICREADER = re.compile(r"^MJ::Job::PicReader::(\d|all)$", re.IGNORECASE)


def suggestion_of(custom_id: str) -> int | str | None:
    """A describe's PicReader button: the suggestion it imagines (1-4), "all", or None."""
    match = _PICREADER.match(custom_id)
    if match is None:
        return None
    return "all" if match.group(1).lower() == "all" else int(match.group(1))


def button_title(spec: ButtonSpec) -> str:
    """What a button does here: a PicReader button imagines a suggestion (or all four)."""
    which = suggestion_of(spec.custom_id)
    if which is None:
        return spec.title
    return "Imagine all" if which == "all" else f"Imagine prompt {which}"


def clip_count(task: Task) -> str:
    """`1 clip`, `2 clips`."""
    count = len(task.video_urls)
    return f"{count} clip" if count == 1 else f"{count} clips"


def is_video(task: Task) -> bool:
    return bool(task.video_urls) or task.action == "VIDEO"


def video_rows(task: Task, dim: Style) -> list[tuple[str, Text]]:
    """`Video ▶ 2 clips` and one line per clip URL (on the dashboard `o` opens the first,
    `d` saves them all)."""
    if not is_video(task):
        return []
    if not task.video_urls:
        return [("Video", Text("▶ no clips yet", style=dim))]
    summary = Text(f"▶ {clip_count(task)}")
    clips = Text()
    for url in task.video_urls:
        if clips:
            clips.append("\n")
        clips.append_text(safe_text(url, limit=URL_LIMIT))
    clips.overflow = "fold"  # a URL is never cut: a narrow pane wraps it
    return [("Video", summary), ("Clips", clips)]


def prompt_section(task: Task, key_style: Style, dim: Style) -> list[Text]:
    """The body's last part: a describe's suggestions numbered 1-4 (with the keys that use
    them), else the task's prompt."""
    prompts = task.prompts
    if not prompts:
        return [Text("Prompt", style=key_style),
                safe_text(task.prompt or "(no prompt)", limit=4000)]
    head = Text("Suggested prompts", style=key_style)
    head.append("  1-4 imagine one · x Imagine all", style=dim)
    lines = Text()
    for number, prompt in enumerate(prompts, start=1):
        if lines:
            lines.append("\n")
        lines.append(f"{number}. ", style=key_style)
        lines.append_text(safe_text(prompt, limit=PROMPT_LIMIT))
    return [head, lines]
