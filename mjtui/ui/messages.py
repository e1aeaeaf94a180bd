"""The dashboard's messages: small, each saying one thing that happened.

The poller's news arrives in bursts, so those messages collapse in the queue (`can_replace`):
only the latest for a task, the latest health, the latest download progress are handled.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from mjtui.tracker import Health, TaskUpdate


@dataclass
class TaskChanged(Message):
    """The poller has news about one task. A burst for one task collapses to the latest."""

    update: TaskUpdate

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TaskChanged) and message.update.task_id == self.update.task_id


@dataclass
class HealthChanged(Message):
    """The API's health as the poller sees it changed."""

    health: Health

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, HealthChanged)


@dataclass
class DownloadProgress(Message):
    """How a download of originals is going, for the status line ("" once it ended)."""

    text: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DownloadProgress)


@dataclass
class PrefixChanged(Message):
    """A U or V prefix now waits for its tile digit ("" once used or cancelled)."""

    letter: str
