"""Crash-safe file primitives: atomic replace, private folders, a lock between processes,
and a content fingerprint to tell whether someone else wrote. Generic: every failure is a
plain `OSError` (subclass); callers such as the session store say what it meant to them."""

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

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; single-process use only
    fcntl = None  # type: ignore[assignment]

LOCK_TIMEOUT = 5.0


class LockTimeout(TimeoutError):
    """Another process held the lock on `path` for longer than `timeout` seconds."""

    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__(f"{path} is locked by another process; gave up after {timeout:g} s")
        self.path = path
        self.timeout = timeout


def read_file(path: Path) -> bytes:
    """The file's bytes; raises FileNotFoundError or another OSError."""
    return path.read_bytes()


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
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(target, timeout) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
