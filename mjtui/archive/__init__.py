"""Finished history in SQLite: the store, its search and the moves to and from the session.

The session TOML is the working set; finished tasks move here (`moves`), one archive per
user in the data folder, shared by every session. Nothing here imports Textual.
"""

from mjtui.archive.store import Archive, ArchivedTask, ArchiveError, archive_path

__all__ = ["Archive", "ArchiveError", "ArchivedTask", "archive_path"]
