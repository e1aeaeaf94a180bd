"""mjtui.errors: one MjtuiError tree, an exit code on each class, the exit codes themselves;
the crash-safe file primitives raise plain OSErrors and the session store words them."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_imports import import_graph

from mjtui import errors
from mjtui.api.errors import InvalidTaskId, NotFound, Unauthorized
from mjtui.errors import (
    ConfigError,
    ImageError,
    JobRefused,
    MjtuiError,
    SessionError,
    UnknownButton,
    exit_code_of,
)
from mjtui.session import atomic_files, load_session


def test_exit_codes_keep_their_values() -> None:
    # README, scripts and the CLI tests rely on these numbers.
    assert (errors.EXIT_OK, errors.EXIT_TASK_FAILED, errors.EXIT_USAGE, errors.EXIT_CONFIG,
            errors.EXIT_CRASH, errors.EXIT_INTERRUPTED) == (0, 1, 2, 3, 70, 130)


@pytest.mark.parametrize(("error", "code"), [
    (ConfigError("bad config"), 3),
    (SessionError("bad session"), 3),
    (UnknownButton("U9"), 2),
    (ImageError("not an image"), 1),
    (JobRefused("used", "pressed already"), 2),
    (JobRefused("read_only", "read-only"), 2),
    (JobRefused("not_modal", "not in MODAL"), 2),
    (JobRefused("not_ready", "still running"), 1),
    (JobRefused("busy", "on its way"), 1),
    (InvalidTaskId("bad id"), 2),
    (Unauthorized("no"), 3),
    (NotFound("gone"), 1),
    (RuntimeError("anything else"), 1),
])
def test_every_error_has_its_exit_code(error: BaseException, code: int) -> None:
    assert exit_code_of(error) == code
    if isinstance(error, MjtuiError):
        assert error.exit_code == code


def test_the_error_module_and_the_file_primitives_import_nothing_from_the_app() -> None:
    graph = import_graph()
    assert graph["mjtui.errors"] == set()
    assert graph["mjtui.session.atomic_files"] == set()


def test_a_lock_timeout_is_a_plain_os_error(tmp_path: Path) -> None:
    target = tmp_path / "s.toml"
    with (atomic_files.file_lock(target), pytest.raises(atomic_files.LockTimeout) as caught,
          atomic_files.file_lock(target, timeout=0.01)):
        pass
    assert isinstance(caught.value, OSError) and not isinstance(caught.value, MjtuiError)


def test_the_store_words_an_unreadable_session_file_as_a_session_error(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-file.toml"
    folder.mkdir()  # reading a folder fails with an OSError that is not FileNotFoundError
    with pytest.raises(SessionError, match="cannot read session file"):
        load_session(folder)
