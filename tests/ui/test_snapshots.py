"""Snapshot tests of the key screens (pytest-textual-snapshot), on the frozen demo.

Update after an intended visual change with `pytest tests/test_snapshots.py --snapshot-update`
and look at the SVGs in `tests/__snapshots__/test_snapshots/` before committing them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from snapshot_app import (
    action,
    archive_finished,
    demo_app,
    mask_editor,
    modal_clock_defaults,
    paste,
    press,
    searched,
    select_job,
    steps,
    use_utc,
)
from ui_fixtures import SIZE, START

from mjtui.fake import FakeClock


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times print in UTC; the MODAL dialog's countdown reads the demo's frozen clock."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setitem(modal_clock_defaults(), "clock", FakeClock(START))
    use_utc()
    yield
    monkeypatch.undo()
    time.tzset()


def test_home(snap_compare: Any, tmp_path: Path) -> None:
    app, _env = demo_app(tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=steps())


def test_detail_of_the_upscaled_task(snap_compare: Any, tmp_path: Path) -> None:
    app, env = demo_app(tmp_path)
    run = steps(select_job(env, "U2 of the lighthouse grid"))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_help(snap_compare: Any, tmp_path: Path) -> None:
    app, _env = demo_app(tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=steps(action("help")))


def test_add_dialog(snap_compare: Any, tmp_path: Path) -> None:
    app, env = demo_app(tmp_path)
    text = f"task_01KAAAAAAAAA, task_01KBBBBBBBBB\ntask_01KAAAAAAAAA bad/id {env.demo[0].id}"
    assert snap_compare(app, terminal_size=SIZE, run_before=steps(press("a"), paste(text)))


def test_narrow_80x24(snap_compare: Any, tmp_path: Path) -> None:
    app, _env = demo_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=steps())


def test_actions_menu(snap_compare: Any, tmp_path: Path) -> None:
    app, env = demo_app(tmp_path)
    run = steps(select_job(env, "U2 of the lighthouse grid"), press("x"))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_modal_dialog(snap_compare: Any, tmp_path: Path) -> None:
    app, env = demo_app(tmp_path)
    run = steps(select_job(env, "Vary (Region): awaiting input"), press("m"))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_lineage(snap_compare: Any, tmp_path: Path) -> None:
    app, env = demo_app(tmp_path)
    run = steps(select_job(env, "U2 of the lighthouse grid"), press("L"))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_mask_editor(snap_compare: Any, tmp_path: Path) -> None:
    app, env = demo_app(tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=steps(*mask_editor(env)))


def test_archive_search(snap_compare: Any, tmp_path: Path) -> None:
    app, _env = demo_app(tmp_path)
    run = steps(archive_finished(), press("H"), press("l", "i", "g", "h", "t"), searched(),
                press("tab"))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_gallery(snap_compare: Any, tmp_path: Path) -> None:
    app, _env = demo_app(tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=steps(press("i"), press("right")))


def test_new_job_dialog(snap_compare: Any, tmp_path: Path) -> None:
    app, _env = demo_app(tmp_path)
    run = steps(press("n"), paste("a lighthouse at dusk, volumetric light --ar 3:2 --v 7"))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_describe_detail(snap_compare: Any, tmp_path: Path) -> None:
    app, env = demo_app(tmp_path)
    run = steps(select_job(env, "describe of the lighthouse"))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_video_detail(snap_compare: Any, tmp_path: Path) -> None:
    app, env = demo_app(tmp_path)
    run = steps(select_job(env, "video of U2 (2 clips)"))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)
