"""Shared fixtures: isolated user folders, and a fake apimart on a loopback port."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# textual-image probes the terminal when first imported. Under pytest there is no terminal
# to ask: fix the cell size and hide stdin before anything imports it (anchors.md B.6).
sys.__stdin__ = None  # type: ignore[misc]
try:
    from textual_image._terminal import CellSize, get_cell_size

    get_cell_size._result = CellSize(10, 20)  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - textual-image is a hard dependency
    pass


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point config, data and cache folders into tmp_path; no test touches the real ones,
    and no test picks up a real API key from the environment."""
    for name in ("CONFIG", "DATA", "CACHE"):
        folder = tmp_path / name.lower()
        monkeypatch.setenv(f"MJTUI_{name}_DIR", str(folder))
    for name in ("APIMART_API_KEY", "APIMART_BASE_URL", "MJTUI_POLL_INTERVAL", "MJTUI_IMAGES"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path
