"""Crash-safe file primitives for the session: atomic replace, private folders, a lock
between processes, and a content fingerprint to tell whether someone else wrote."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from mjtui.session import SessionError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; single-process use only
    fcntl = None  # type: ignore[assignment]

LOCK_TIMEOUT = 5.0


def read_file(path: Path) -> bytes:
    """The file's bytes; FileNotFoundError passes, other errors name the file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        message = f"cannot read session file {path}: {exc.strerror or exc}"
        raise SessionError(message, path=path) from exc


def digest(data: bytes) -> bytes:
    """A fingerprint of file content: "did someone else write since we last looked?".
    Content, not stat: inode numbers are reused and mtimes are coarse."""
    return hashlib.blake2b(data, digest_size=16).digest()


def make_dirs(folder: Path) -> None:
    """Create missing folders, each private to the user (mode 0o700)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for each in reversed(missing):
        with contextlib.suppress(FileExistsError):
            each.mkdir(mode=0o700)


def remove_stale_temps(target: Path) -> None:
    """Delete temp files a killed save left behind. Call only under the lock: then no save
    of this file is in flight, so every match is stale. Only `.<name>.<random>.tmp`: the
    glob alone would also match the in-flight temp file of a session named `<name>.x`
    (`.<name>.x.toml.<random>.tmp`), which another lock protects."""
    ours = re.compile(rf"\.{re.escape(target.name)}\.[^.]+\.tmp")
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        if ours.fullmatch(stale.name):
            with contextlib.suppress(OSError):
                stale.unlink()


def atomic_write(target: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, rename over `target`, fsync the folder.
    The rename is the only step touching `target`; on any failure the temp file goes."""
    temp = ""
    try:
        with tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        ) as handle:
            temp = handle.name
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, target)
    except BaseException:
        if temp:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise
    with contextlib.suppress(OSError):
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def file_lock(target: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive flock on `<file>.lock` (never deleted: deleting lock files races)."""
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    if fcntl is None:  # pragma: no cover
        yield
        return
    lock_path = target.with_name(target.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise SessionError(f"cannot create {lock_path}: {exc.strerror}", path=target) from exc
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SessionError(
                        f"{target} is being saved by another process; gave up after {timeout:g} s",
                        path=target,
                    ) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
