"""The working set: the tasks a user tracks, kept in a session TOML file between runs.

`model` holds the in-memory `Session` and its `TrackedTask`s, `file_format` the TOML layout
(docs/session-format.md), `store` loading, merging and atomic saving, `atomic_files` the
crash-safe file primitives (plain `OSError`s; the store turns them into `SessionError`).
No Textual here. The names below are the package's public surface.
"""

from mjtui.errors import SessionError
from mjtui.session.model import (
    MODAL_WINDOW,
    SCHEMA_VERSION,
    Session,
    TrackedTask,
    ViewState,
    modal_time_left,
    session_name,
)
from mjtui.session.store import load_session, resolve_session_path, save_session

__all__ = ["MODAL_WINDOW", "SCHEMA_VERSION", "Session", "SessionError", "TrackedTask",
           "ViewState", "load_session", "modal_time_left", "resolve_session_path",
           "save_session", "session_name"]
