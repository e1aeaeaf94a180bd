"""A disposable copy of the last decoded session, as JSON, to skip parsing unchanged TOML.

tomllib is pure Python: 500 tasks take ~0.2 s to parse, which every CLI call would pay.
JSON decodes ten times faster. The copy lives in the cache folder, named after the session
file, and holds the digest of the exact TOML bytes it was decoded from; it is used only when
the file's bytes have that digest now, so it always says what parsing would. A missing,
torn or foreign copy is ignored (the TOML is parsed, as without it). It is written without
fsync: it is never the only copy of anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mjtui.paths import cache_dir
from mjtui.session.model import TrackedTask, ViewState

FORMAT = 1
Texts = dict[str, tuple[TrackedTask, str]]  # task ID -> (the task, its JSON text)


def _where(session_path: Path) -> Path:
    name = hashlib.blake2b(os.fsencode(os.path.realpath(session_path)), digest_size=12)
    return cache_dir() / "sessions" / f"{name.hexdigest()}.json"


def read(session_path: Path, digest: bytes) -> tuple[ViewState, list[TrackedTask], list[str], bool] | None:
    """(view, tasks, warnings, lossy) decoded from TOML bytes with this digest, or None."""
    from mjtui.session.file_format import task_from_record

    try:
        data = json.loads(_where(session_path).read_bytes())
        if data.get("format") != FORMAT or data.get("digest") != digest.hex():
            return None
        view = ViewState(**{k: str(v) for k, v in data["view"].items()})
        tasks = [task_from_record(record) for record in data["tasks"]]
        return view, tasks, [str(w) for w in data["warnings"]], bool(data["lossy"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def write(session_path: Path, digest: bytes, view: ViewState, tasks: list[TrackedTask],
          warnings: list[str], lossy: bool, texts: Texts | None = None) -> Texts:
    """Keep a copy of a decoded session; returns the per-task texts to pass next time (a
    task object unchanged since then reuses its text)."""
    from mjtui.session.file_format import read_back_record

    texts = texts or {}
    fresh: Texts = {}
    for tracked in tasks:
        hit = texts.get(tracked.id)
        text = hit[1] if hit is not None and hit[0] is tracked else json.dumps(
            read_back_record(tracked), ensure_ascii=True, separators=(",", ":"))
        fresh[tracked.id] = (tracked, text)
    head: dict[str, Any] = {"format": FORMAT, "digest": digest.hex(), "warnings": warnings,
                            "lossy": lossy, "view": asdict(view)}
    body = json.dumps(head, ensure_ascii=True)[:-1] + ', "tasks": [' + ",".join(
        text for _, text in fresh.values()) + "]}"
    target = _where(session_path)
    temp = ""
    try:
        from mjtui.session.atomic_files import make_dirs

        make_dirs(target.parent)
        with tempfile.NamedTemporaryFile("w", dir=target.parent, suffix=".tmp", delete=False,
                                         encoding="ascii") as handle:
            temp = handle.name
            handle.write(body)
        os.replace(temp, target)
    except OSError:  # no cache folder: the next load parses the TOML, nothing worse
        if temp:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    return fresh
