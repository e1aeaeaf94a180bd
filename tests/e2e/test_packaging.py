"""The wheel ships the styles: built, installed into a fresh venv, run from elsewhere.

The stylesheets live in the top-level styles/ folder and are mapped into the package as
`mjtui.styles` at build time. This builds the real wheel offline (the build backend comes
with the test extra), installs it with no checkout in sight, starts the app headless from
another directory, and checks every stylesheet was loaded from the install and applied.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import asyncio, sys
from pathlib import Path
import mjtui
from mjtui.ui.app import MjtuiApp, STYLES

installed = Path(mjtui.__file__).resolve().parent
assert Path(sys.argv[1]) not in installed.parents, installed   # not the checkout
assert STYLES == installed / "styles", STYLES
names = sorted(p.name for p in STYLES.glob("*.tcss"))
assert names == sorted(p.name for p in (Path(sys.argv[1]) / "styles").glob("*.tcss")), names
assert "dashboard.tcss" in names, names

from mjtui.config import Settings
from mjtui.runtime import make_backend, open_session
from mjtui.demo import prepare_demo

async def main():
    settings = Settings(demo=True, session=str(Path.cwd() / "demo.toml"))
    backend = make_backend(settings)
    session = open_session(settings)
    prepare_demo(backend.fake, session)
    app = MjtuiApp(settings, session, backend, image_protocol="halfcell", start_polling=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        loaded = {Path(path).name for path, _ in app.stylesheet.source if str(path).endswith(".tcss")}
        assert loaded == set(names), loaded
        banner = app.screen.query_one("#paused-banner")
        assert banner.styles.display == "none"            # dashboard.tcss
        assert app.screen.query_one("#status-line").styles.height.value == 1
        await pilot.press("question_mark")                # a dialog: dialogs.tcss
        await pilot.pause()
        assert app.screen.query(".dialog"), "the help dialog is styled as a dialog"
    print("styled from", installed)

asyncio.run(main())
"""


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    found = {".".join(init.parent.relative_to(ROOT).parts)
             for init in (ROOT / "mjtui").rglob("__init__.py")}
    assert found | {"mjtui.styles"} == listed


@pytest.mark.timeout(300)
def test_the_wheel_ships_the_styles(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "-w", str(wheels),
                    "--no-deps", "--no-build-isolation", "-q"],
                   check=True, capture_output=True, cwd=tmp_path, timeout=240)
    wheel = next(wheels.glob("mjtui-*.whl"))
    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=False)
    python = fresh / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # The dependencies come from this test's own environment (no network); mjtui only
    # from the wheel. A plain path entry: the checkout's editable finder is not loaded.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # --ignore-installed: through deps.pth pip also sees this environment's (editable) mjtui
    # and would otherwise call the wheel installed already.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--no-deps", "--no-index", "--ignore-installed", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=120)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "MJTUI_DATA_DIR": str(tmp_path / "data"), "MJTUI_CACHE_DIR": str(tmp_path / "cache"),
           "MJTUI_CONFIG_DIR": str(tmp_path / "config")}
    run = subprocess.run([str(python), "-c", CHECK, str(ROOT)], check=False, cwd=elsewhere, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "styled from" in run.stdout and str(fresh) in run.stdout
