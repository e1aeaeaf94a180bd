"""Every error mjtui reports to a user, each with the exit code it ends a command with.

The exit codes are a contract (README, scripts): 0 success, 1 a task failed or a query
errored, 2 usage, 3 authentication or configuration, 70 the dashboard crashed, 130 Ctrl-C.
This module imports nothing from the app, so every layer can raise these errors. The API
layer keeps its own `ApimartError` family (it imports no other mjtui module);
`API_EXIT_CODES` says which exit code each of its kinds ends a command with.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

EXIT_OK = 0
EXIT_TASK_FAILED = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_CRASH = 70  # EX_SOFTWARE: the dashboard hit a bug (trace written, session saved)
EXIT_INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C

# `ApimartError.kind` -> exit code, for the kinds that are not "a query errored" (1).
API_EXIT_CODES = {"invalid_id": EXIT_USAGE, "unauthorized": EXIT_CONFIG}


class MjtuiError(Exception):
    """Base of mjtui's own errors; `exit_code` is what a command exits with on it."""

    exit_code: ClassVar[int] = EXIT_TASK_FAILED


class ConfigError(MjtuiError):
    """Settings we refuse to start with; the message says where and how to fix it."""

    exit_code = EXIT_CONFIG

    def __init__(self, message: str, *, path: Path | None = None, line: int | None = None):
        super().__init__(message)
        self.path = path
        self.line = line


class SessionError(MjtuiError):
    """A session file we cannot read or must not overwrite; the message names the file."""

    exit_code = EXIT_CONFIG

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.column = column


class ArchiveError(MjtuiError):
    """The archive (mjtui.archive) cannot be read or must not be written; the message names
    the file, which is left as it is."""

    exit_code = EXIT_CONFIG


RefusalReason = Literal["read_only", "unknown_task", "not_ready", "used", "busy", "not_modal",
                        "unknown_outcome"]
# Refusals that are the caller's to fix (exit 2); the rest say the task is not ready (1).
USAGE_REFUSALS: frozenset[str] = frozenset({"read_only", "used", "not_modal"})


class JobRefused(MjtuiError):
    """A billing guard stopped a submission; nothing was posted. `reason` says which guard."""

    def __init__(self, reason: RefusalReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        return EXIT_USAGE if self.reason in USAGE_REFUSALS else EXIT_TASK_FAILED


class UnknownButton(MjtuiError, ValueError):
    """A name that is neither a known action nor a customId, one the task does not offer, or
    one mjtui does not send (no documented endpoint: `mjtui.buttons.NOT_SENT`)."""

    exit_code = EXIT_USAGE


class ImageError(MjtuiError):
    """Why an image cannot be shown, short enough for a preview pane ("not an image")."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MaskError(MjtuiError, ValueError):
    """A Vary (Region) region or mask that cannot be used, with the reason in words."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def exit_code_of(error: BaseException) -> int:
    """The exit code a command ends with on `error`: its own, or its API kind's, else 1."""
    if isinstance(error, MjtuiError):
        return error.exit_code
    return API_EXIT_CODES.get(getattr(error, "kind", ""), EXIT_TASK_FAILED)
