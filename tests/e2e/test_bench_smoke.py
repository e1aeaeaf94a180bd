"""The scale benchmark still runs: a 50-task version of every measurement, a few seconds each.

Nothing here is timed (the figures mean little on a shared CI machine); the tests only keep
`bench/bench_scale.py`, `bench/bench_soak.py` and `bench/fake_for_bench.py` from rotting as
the app changes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import bench_scale
import bench_soak
import fake_for_bench


def test_fake_for_bench_seeds_running_and_finished_jobs() -> None:
    fake, running, finished = fake_for_bench.make_fake(3, 2)
    assert len(running) == 3 and len(finished) == 2
    assert {fake.state(i).status for i in running} == {"IN_PROGRESS"}
    assert {fake.state(i).status for i in finished} == {"SUCCESS"}
    assert fake.stats(-1e9, 1e9) == {"connections": 0, "by_id": {}, "other": 0}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_scale_benchmark_runs_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    results = bench_scale.main([
        "--tasks", "50", "--finished", "5", "--seconds", "5", "--cpu-seconds", "3",
        "--presses", "6", "--cold-runs", "1",
    ])
    assert results is not None
    for phase in (results.bare, results.tracker, results.dash):
        assert len(phase.per_task) == 50 and phase.polls > 0 and phase.cpu > 0
    assert results.tracker.finished_polls == results.dash.finished_polls == 0
    assert results.dash.keys and results.idle_keys and results.still_keys
    assert results.dash.frames > 0
    assert results.save_first > 0 and results.save_repeat > 0
    assert results.cold["tasks"]["tasks"] == 55 and results.cold["empty"]["tasks"] == 0
    table = capsys.readouterr().out
    for target in ("0.95-1.05x", "<= 1.5x", "p95 < 50 ms", "< 200 MB"):
        assert target in table


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_soak_runs_and_reports(capsys: pytest.CaptureFixture[str]) -> None:
    bench_soak.main(["--tasks", "20", "--minutes", "0.01", "--pause", "0.2"])  # one round of keys
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["minute", "RSS", "MB"]
    report = lines[1].split()
    assert float(report[1]) > 0 and int(report[6]) > 0  # RSS, frames drawn
    assert lines[-1].startswith("peak RSS")
