"""Settings: precedence, the config file's rules, base URL safety, and the token never shown."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mjtui import paths
from mjtui.api.addresses import check_base_url
from mjtui.api.client import ApimartClient
from mjtui.api.errors import ApimartError, InsecureBaseUrl
from mjtui.config import ConfigError, Settings, load_settings

TOKEN = "sk-SECRET-4f9c2e1d8b7a"


@pytest.fixture(autouse=True)
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("CONFIG", "DATA", "CACHE"):
        monkeypatch.setenv(f"MJTUI_{name}_DIR", str(tmp_path / name.lower()))
    return tmp_path


def write_config(dirs: Path, text: str, mode: int = 0o600) -> Path:
    path = dirs / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
    return path


# -- paths -------------------------------------------------------------------------------
def test_paths_follow_env_and_create_nothing(dirs: Path) -> None:
    assert paths.config_file() == dirs / "config" / "config.toml"
    assert paths.sessions_dir() == dirs / "data" / "sessions"
    assert paths.cache_dir() == dirs / "cache"
    assert not any(dirs.iterdir())


def test_paths_default_to_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MJTUI_CONFIG_DIR")
    assert paths.config_dir().name == "mjtui"
    assert paths.default_download_dir().name == "mjtui"


# -- precedence --------------------------------------------------------------------------
def test_defaults_without_file_or_env() -> None:
    settings = load_settings({}, env={})
    assert settings.base_url == "https://api.apimart.ai"
    assert (settings.token, settings.token_source) == ("", "")
    assert settings.poll_interval == 4.0 and settings.images == "auto"
    assert settings.download_dir.endswith("mjtui") and settings.bell
    assert settings.warnings == () and dict(settings.keymap) == {}
    assert settings.config_path == str(paths.config_file())


def test_file_then_env_then_cli(dirs: Path) -> None:
    path = write_config(
        dirs,
        f"""
api_key = "{TOKEN}"
base_url = "https://file.example/"
poll_interval = 10
session = "work"
images = "sixel"
image_cache_mb = 50
download_dir = "~/pics"
bell = false
theme = "nord"
read_only = true
max_concurrency = 3
[keymap]
add-tasks = "A,ctrl+a"
""",
    )
    from_file = load_settings({}, env={})
    assert from_file.token == TOKEN and from_file.token_source == f"config file {path}"
    assert from_file.base_url == "https://file.example"
    assert (from_file.poll_interval, from_file.session, from_file.images) == (10.0, "work", "sixel")
    assert (from_file.image_cache_mb, from_file.bell, from_file.theme) == (50, False, "nord")
    assert from_file.read_only and from_file.max_concurrency == 3
    assert from_file.download_dir == str(Path("~/pics").expanduser())
    assert dict(from_file.keymap) == {"add-tasks": "A,ctrl+a"}

    env = {
        "APIMART_API_KEY": "sk-from-env",
        "APIMART_BASE_URL": "https://env.example",
        "MJTUI_POLL_INTERVAL": "5",
        "MJTUI_IMAGES": "halfcell",
    }
    from_env = load_settings({}, env=env)
    assert from_env.token == "sk-from-env" and from_env.token_source == "env APIMART_API_KEY"
    assert (from_env.base_url, from_env.poll_interval, from_env.images) == (
        "https://env.example",
        5.0,
        "halfcell",
    )
    assert from_env.theme == "nord"  # untouched keys still come from the file

    cli = load_settings(
        {
            "base_url": "http://127.0.0.1:8000/",
            "poll_interval": 3,
            "images": "none",
            "session": None,
            "demo": True,
        },
        env=env,
    )
    assert (cli.base_url, cli.poll_interval, cli.images) == ("http://127.0.0.1:8000", 3.0, "none")
    assert cli.session == "work" and cli.demo  # None means "not given on the command line"


def test_empty_env_values_are_ignored(dirs: Path) -> None:
    write_config(dirs, f'api_key = "{TOKEN}"\n')
    assert load_settings({}, env={"APIMART_API_KEY": "  "}).token == TOKEN


def test_explicit_config_path_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    assert load_settings({}, env={}, config_path=path).config_path == str(path)
    path.write_text("theme = 'x'\n")
    assert load_settings({}, env={}, config_path=path).theme == "x"


def test_poll_interval_is_clamped_with_a_warning() -> None:
    low = load_settings({"poll_interval": 0.2}, env={})
    assert low.poll_interval == 1.0 and "poll_interval" in low.warnings[0]
    assert load_settings({}, env={"MJTUI_POLL_INTERVAL": "9999"}).poll_interval == 300.0


@pytest.mark.parametrize(
    ("env", "match"),
    [
        ({"MJTUI_POLL_INTERVAL": "soon"}, "MJTUI_POLL_INTERVAL must be a number"),
        ({"MJTUI_POLL_INTERVAL": "nan"}, "finite"),
        ({"MJTUI_IMAGES": "kitty"}, "env MJTUI_IMAGES: images must be one of"),
        ({"APIMART_BASE_URL": "ftp://x.example"}, "env APIMART_BASE_URL: base URL must"),
    ],
)
def test_bad_env_values(env: dict[str, str], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_settings({}, env=env)


def test_bad_cli_values() -> None:
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings({"colour": "red"}, env={})
    with pytest.raises(ConfigError, match="read_only must be true or false"):
        load_settings({"read_only": "yes"}, env={})


# -- the config file ---------------------------------------------------------------------
def test_world_readable_file_with_api_key_is_refused(dirs: Path) -> None:
    path = write_config(dirs, f'api_key = "{TOKEN}"\n', mode=0o644)
    with pytest.raises(ConfigError) as info:
        load_settings({}, env={})
    message = str(info.value)
    assert message == (
        f"{path} holds api_key but is readable by others (mode 0o644); run: chmod 600 {path}"
    )
    assert TOKEN not in message
    os.chmod(path, 0o640)
    with pytest.raises(ConfigError, match="mode 0o640"):
        load_settings({}, env={})


def test_readable_file_without_api_key_is_fine(dirs: Path) -> None:
    write_config(dirs, 'theme = "gruvbox"\n', mode=0o644)
    assert load_settings({}, env={}).theme == "gruvbox"


def test_parse_error_names_path_and_line(dirs: Path) -> None:
    path = write_config(dirs, f'api_key = "{TOKEN}"\ntheme = "a"\nbell = maybe\n')
    with pytest.raises(ConfigError) as info:
        load_settings({}, env={})
    assert info.value.path == path and info.value.line == 3
    assert str(path) in str(info.value) and "line 3" in str(info.value)
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ('bell = "yes"', "bell must be true or false, not a string"),
        ("poll_interval = '4'", "poll_interval must be a number of seconds"),
        ("max_concurrency = 2.5", "max_concurrency must be an integer, not a float"),
        ("keymap = 'x'", "keymap must be a table"),
        ("api_key = 12345", "api_key must be a string, not an integer"),
        ("[keymap]\nquit = 1", "keymap values must be strings"),
        ("[keymap]\n'dashboard.add' = 'a'", "unknown action id 'dashboard.add' in \\[keymap\\]"),
        ("[keymap]\nreroll = 's'", "key 's' is bound twice in \\[keymap\\]: to 'sort' and to 'reroll'"),
        ("[keymap]\nfilter = 'ctrl+p'", "key 'ctrl\\+p' is bound twice .* the app's own key"),
        ("image_cache_mb = -1", "image_cache_mb must be 0 or more"),
        ("base_url = 'http://api.example.com'", "plain http:// to api.example.com"),
    ],
)
def test_wrong_types_name_file_and_key(dirs: Path, line: str, match: str) -> None:
    path = write_config(dirs, line + "\n")
    with pytest.raises(ConfigError, match=match) as info:
        load_settings({}, env={})
    assert str(path) in str(info.value)


def test_unknown_keys_warn_with_close_matches(dirs: Path) -> None:
    path = write_config(dirs, 'poll_intervall = 5\nthemes = "x"\nzzz = 1\n')
    settings = load_settings({}, env={})
    assert settings.poll_interval == 4.0
    assert f"{path}: unknown key 'poll_intervall' ignored (did you mean 'poll_interval'?)" in (
        settings.warnings
    )
    assert any("'themes'" in w and "'theme'" in w for w in settings.warnings)
    assert any("'zzz' ignored" in w and "did you mean" not in w for w in settings.warnings)


# -- base URL ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.apimart.ai/", "https://api.apimart.ai"),
        ("https://proxy.example/apimart//", "https://proxy.example/apimart"),
        ("http://localhost:8000/", "http://localhost:8000"),
        ("http://LOCALHOST", "http://LOCALHOST"),
        ("http://127.0.0.1:9", "http://127.0.0.1:9"),
        ("http://127.8.9.10", "http://127.8.9.10"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("  https://api.apimart.ai  ", "https://api.apimart.ai"),
    ],
)
def test_base_url_accepted(url: str, expected: str) -> None:
    settings = load_settings({}, env={"APIMART_BASE_URL": url})
    assert settings.base_url == expected


@pytest.mark.parametrize(
    ("url", "match"),
    [
        (
            "http://api.apimart.ai",
            (
                "plain http:// to api.apimart.ai would send your API key "
                "in clear; use https:// or a loopback address"
            ),
        ),
        ("http://10.0.0.1", "plain http://"),
        ("http://localhost.evil.com", "plain http://"),
        ("http://128.0.0.1", "plain http://"),
        ("ftp://api.apimart.ai", "must look like https://host"),
        ("api.apimart.ai", "must look like https://host"),
        ("https://", "must look like https://host"),
        ("https://api.apimart.ai:99999", "not a valid URL"),
        ("https://a b.example", "spaces or control characters"),
        ("https://api.example/?x=1", "query or fragment"),
    ],
)
def test_base_url_refused(url: str, match: str) -> None:
    """The settings refuse what the client refuses, in the client's words, naming the source."""
    with pytest.raises(ConfigError, match=match) as info:
        load_settings({}, env={"APIMART_BASE_URL": url})
    assert str(info.value).startswith("env APIMART_BASE_URL: ")
    with pytest.raises(ApimartError) as checked:
        check_base_url(url)
    assert str(info.value) == f"env APIMART_BASE_URL: {checked.value.message}"


def test_base_url_with_credentials_is_refused_without_echoing_them() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"base_url": f"https://user:{TOKEN}@api.example"}, env={})
    assert TOKEN not in str(info.value)


# -- the token is never shown ------------------------------------------------------------
def test_repr_and_messages_hide_the_token(dirs: Path) -> None:
    write_config(dirs, f'api_key = "{TOKEN}"\nunknown_thing = "{TOKEN}"\n')
    settings = load_settings({}, env={})
    assert settings.token == TOKEN
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)
    assert "token=" not in repr(settings)
    assert all(TOKEN not in w for w in settings.warnings)
    assert TOKEN not in repr(Settings(token=TOKEN))


def test_require_token() -> None:
    settings = load_settings({}, env={})
    with pytest.raises(ConfigError) as info:
        settings.require_token()
    assert str(info.value) == (
        f"no API key: set APIMART_API_KEY or put api_key in {paths.config_file()} (chmod 600)"
    )
    assert load_settings({"demo": True}, env={}).require_token() == ""
    assert load_settings({}, env={"APIMART_API_KEY": TOKEN}).require_token() == TOKEN


def test_preview_width_from_file_and_env(dirs: Path) -> None:
    assert load_settings({}, env={}).preview_width == 40
    write_config(dirs, "preview_width = 0\n")
    assert load_settings({}, env={}).preview_width == 0  # fill the pane
    assert load_settings({}, env={"MJTUI_PREVIEW_WIDTH": "60"}).preview_width == 60


@pytest.mark.parametrize(("env", "message"), [
    ({"MJTUI_PREVIEW_WIDTH": "wide"}, "MJTUI_PREVIEW_WIDTH must be a number of columns"),
    ({"MJTUI_PREVIEW_WIDTH": "4"}, "preview_width must be 0 (fill the pane) or 8-290"),
])
def test_a_bad_preview_width_is_refused(dirs: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings({}, env=env)


def test_a_key_no_header_can_carry_is_refused_in_the_same_words_by_settings_and_client() -> None:
    bad = "sk-abc\u200bdef"
    with pytest.raises(ConfigError) as refused:
        load_settings({}, env={"APIMART_API_KEY": bad})
    with pytest.raises(InsecureBaseUrl) as client_refused:
        ApimartClient(bad)
    assert "(U+200B) at character 7" in client_refused.value.message
    assert str(refused.value) == f"env APIMART_API_KEY: {client_refused.value.message}"


def test_an_unknown_keymap_id_names_it_and_the_known_ones(dirs: Path) -> None:
    write_config(dirs, "[keymap]\nupscal = 'U'\n")
    with pytest.raises(ConfigError) as info:
        load_settings({}, env={})
    message = str(info.value)
    assert info.value.exit_code == 3 and "'upscal'" in message
    assert "upscale" in message and "add-tasks" in message and "tile-1" in message


def test_a_keymap_that_moves_keys_around_is_fine(dirs: Path) -> None:
    # `s` leaves sort for reroll and sort takes `S`: no key is bound twice.
    write_config(dirs, "[keymap]\nreroll = 's'\nsort = 'S'\nfilter = 'slash,ctrl+f'\n")
    assert dict(load_settings({}, env={}).keymap) == {
        "reroll": "s", "sort": "S", "filter": "slash,ctrl+f"}


@pytest.mark.parametrize("key", ["?", "question_mark"])
def test_a_key_bound_twice_is_found_however_it_is_written(dirs: Path, key: str) -> None:
    # `?` is help's question_mark: giving it to upscale leaves help one key short.
    path = write_config(dirs, f"[keymap]\nupscale = '{key}'\n")
    with pytest.raises(ConfigError) as info:
        load_settings({}, env={})
    message = str(info.value)
    assert info.value.exit_code == 3 and str(path) in message
    assert "key '?' is bound twice" in message and "'upscale'" in message and "'help'" in message
    write_config(dirs, f"[keymap]\nupscale = '{key}'\nhelp = 'f1'\n")
    assert load_settings({}, env={}).keymap["upscale"] == key
