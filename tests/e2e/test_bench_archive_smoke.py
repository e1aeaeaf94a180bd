"""The archive benchmark still runs: 800 tasks instead of 30,000, one run per figure.

Nothing here is timed; the test keeps `bench/bench_archive.py` from rotting."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_archive


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_archive_benchmark_runs_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    results = bench_archive.main(["--tasks", "800", "--runs", "1", "--no-ui"])
    assert results["history_all"][2] == 800  # every task listed, session and archive
    assert results["left_in_session"] == 500  # session_max_tasks: the oldest 300 moved
    table = capsys.readouterr().out
    for target in ("<= 1.5x empty", "< 150 MB", "<= 50 ms", "<= 0.5 s", "not measured"):
        assert target in table
