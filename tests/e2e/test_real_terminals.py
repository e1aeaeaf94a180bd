"""scripts/real_terminals.py on one real terminal (xterm -tn xterm-256color) under Xvfb.

Skipped, with the reason, where Xvfb, xterm, ImageMagick's `import` or xdotool are missing
(`apt-get install xvfb xterm imagemagick xdotool`), where Xvfb does not start, or when
MJTUI_SKIP_REAL_TERMINALS is set. Bounded: the script gets 180 s, then SIGTERM (it kills
its Xvfb and terminals), then SIGKILL.

Only xterm-256color runs here: no graphics protocol, so the app must pick half-cell and the
pane must hold a picture whatever the probe work does for Sixel and Kitty. The full table
(Sixel in xterm -ti vt340, kitty) is `python scripts/real_terminals.py`, see bench/README.md.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "real_terminals.py"
TOOLS = {"Xvfb": "xvfb", "xterm": "xterm", "import": "imagemagick", "xdotool": "xdotool"}
BUDGET = 180  # seconds for the whole script
XVFB_FAILED = 3  # the script's exit status when Xvfb is installed but does not start


def _skip_reason() -> str:
    if os.environ.get("MJTUI_SKIP_REAL_TERMINALS"):
        return "MJTUI_SKIP_REAL_TERMINALS is set"
    if not sys.platform.startswith("linux"):
        return "real terminals are checked on Linux under Xvfb only"
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        packages = " ".join(sorted({TOOLS[tool] for tool in missing}))
        return f"not installed: {', '.join(missing)} (apt-get install {packages})"
    return ""


needs_terminals = pytest.mark.skipif(bool(_skip_reason()), reason=_skip_reason() or "runs")


def _run(argv: list[str]) -> tuple[int, str, str]:
    proc = subprocess.Popen([sys.executable, str(SCRIPT), *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        out, err = proc.communicate(timeout=BUDGET)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)  # its finally blocks end Xvfb and the terminal
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        pytest.fail(f"scripts/real_terminals.py took more than {BUDGET} s")
    return proc.returncode, out, err


@needs_terminals
def test_xterm_256color_shows_a_half_cell_picture(tmp_path: Path) -> None:
    code, out, err = _run(["--only", "xterm-256color", "--no-query", "--no-diagnostics",
                           "--settle", "12",
                           "--json", "--out", str(tmp_path)])
    if code == XVFB_FAILED:
        pytest.skip(f"Xvfb does not start here: {out[-300:]} {err[-300:]}")
    report = json.loads(out)
    [result] = report["terminals"]
    assert result["terminal"] == "xterm-256color"
    assert result["status"] == "ran", result
    assert result["app_exit"] == 0, result
    assert result["sent"] == "halfcell", result["wire"]
    assert result["verdict"] == "picture", (result["detail"], result["stats"])
    assert "cells" in result["detail"]
    shot = tmp_path / "xterm-256color.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert code == 0


def test_the_judge_tells_blank_tofu_and_picture_apart() -> None:
    """The judge alone, on drawn panes: one colour, a repeated glyph box, an image."""
    np = pytest.importorskip("numpy")
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import real_terminals as rt
    finally:
        sys.path.remove(str(SCRIPT.parent))
    cell = (9, 20)
    blank = np.zeros((200, 360, 3), np.uint8) + 30
    assert rt.judge(rt.region_stats(blank, cell))[0] == "blank"
    box = np.zeros((20, 9, 3), np.uint8)
    box[2:18, 1] = box[2:18, 7] = box[2, 1:8] = box[17, 1:8] = (200, 60, 90)
    tofu = np.tile(box, (10, 40, 1))
    assert rt.judge(rt.region_stats(tofu, cell))[0] == "tofu"
    y, x = np.mgrid[0:200, 0:360]
    picture = np.stack([x * 255 // 360, y * 255 // 200, (x + y) % 256], axis=2).astype(np.uint8)
    verdict, detail = rt.judge(rt.region_stats(picture, cell))
    assert (verdict, "pixels" in detail) == ("picture", True)
    blocks = picture[::10, ::9].repeat(10, axis=0).repeat(9, axis=1)[:200, :360]
    verdict, detail = rt.judge(rt.region_stats(blocks, cell))
    assert (verdict, "cells" in detail) == ("picture", True)
