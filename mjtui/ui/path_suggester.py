"""Completion of local image paths in a text field (Textual's Input suggester).

The last word typed is completed to the longest name it can only grow into, among the
folders and image files (JPEG, PNG, WebP, GIF) beside it; right arrow accepts it. URLs are
not completed. The folder is listed in a thread, never on the UI's event loop.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from textual.suggester import Suggester

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")
MAX_ENTRIES = 2000  # a huge folder is not listed past this


def complete_path(word: str) -> str | None:
    """`word` grown to the common start of the names that match it, or None."""
    if not word or "://" in word:
        return None
    folder_part, _, start = word.rpartition("/")
    folder = Path(os.path.expanduser(folder_part + "/" if folder_part or word.startswith("/")
                                     else "."))
    names: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for n, entry in enumerate(entries):
                if n >= MAX_ENTRIES:
                    break
                if not entry.name.startswith(start) or (
                        entry.name.startswith(".") and not start.startswith(".")):
                    continue
                if entry.is_dir():
                    names.append(entry.name + "/")
                elif entry.name.lower().endswith(IMAGE_SUFFIXES):
                    names.append(entry.name)
    except OSError:
        return None
    if not names:
        return None
    common = os.path.commonprefix(names)
    if len(common) <= len(start):
        return None
    return word[:len(word) - len(start)] + common


class PathSuggester(Suggester):
    """Suggests the rest of the path being typed as the field's last word."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        head, space, word = value.rpartition(" ")
        grown = await asyncio.to_thread(complete_path, word)
        return None if grown is None else head + space + grown
