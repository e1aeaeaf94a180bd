"""`mjtui info`: the facts about this run (mjtui/facts.py), one section after another."""

from __future__ import annotations

from typing import TextIO

from mjtui.config import Settings
from mjtui.facts import settings_facts


def print_info(settings: Settings, out: TextIO) -> None:
    section = ""
    for group, key, value in settings_facts(settings):
        if group != section:
            section = group
            print(f"[{group}]", file=out)
        print(f"  {key:<20} {value}", file=out)
