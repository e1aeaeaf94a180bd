"""Where mjtui keeps its files: config, data (sessions) and cache folders.

A thin wrapper over platformdirs so every module asks one place. Each folder can be
moved with an environment variable (tests, portable installs, several profiles).
Nothing is created here: writers create folders the first time they write.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "mjtui"

CONFIG_DIR_ENV = "MJTUI_CONFIG_DIR"
DATA_DIR_ENV = "MJTUI_DATA_DIR"
CACHE_DIR_ENV = "MJTUI_CACHE_DIR"


def _from_env(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    """The folder holding config.toml (`MJTUI_CONFIG_DIR` overrides)."""
    return _from_env(CONFIG_DIR_ENV) or Path(
        platformdirs.user_config_dir(APP_NAME, appauthor=False)
    )


def data_dir() -> Path:
    """The folder holding sessions (`MJTUI_DATA_DIR` overrides)."""
    return _from_env(DATA_DIR_ENV) or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """The folder for downloaded images and other disposable files (`MJTUI_CACHE_DIR`)."""
    return _from_env(CACHE_DIR_ENV) or Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The settings file, `config_dir()/config.toml`."""
    return config_dir() / "config.toml"


def sessions_dir() -> Path:
    """The folder for named session files, `data_dir()/sessions`."""
    return data_dir() / "sessions"


def default_download_dir() -> Path:
    """Where saved images go unless configured: the user's pictures folder, `mjtui/` inside."""
    return Path(platformdirs.user_pictures_dir()) / APP_NAME
