"""Wiring shared by the CLI and the dashboard: settings -> API client, real or demo."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mjtui import __version__
from mjtui.config import Settings
from mjtui.session import Session, load_session, resolve_session_path

if TYPE_CHECKING:
    from mjtui.api.client import ApimartClient
    from mjtui.fake import FakeApimart

DEMO_BASE_URL = "http://demo.apimart.invalid"
DEMO_SESSION = "demo"
USER_AGENT = f"mjtui/{__version__}"  # on every request mjtui makes


def __getattr__(name: str) -> Any:
    """`ApimartClient` (and with it httpx) is imported when first used: `history`, `archive`
    and `restore` never call the API and start faster without it. Tests replace it here."""
    if name == "ApimartClient":
        from mjtui.api.client import ApimartClient

        globals()["ApimartClient"] = ApimartClient
        return ApimartClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class Backend:
    """The client to use, and the in-process fake behind it in demo mode."""

    client: ApimartClient
    fake: FakeApimart | None = None


def make_backend(settings: Settings) -> Backend:
    """The API client for these settings; `--demo` plugs in the in-process fake.

    The fake is imported only in demo mode, so real runs never load it.
    """
    import httpx

    client_class = sys.modules[__name__].ApimartClient  # a test's replacement, if any
    if settings.demo:
        from mjtui.fake import FakeApimart
        from mjtui.fake.demo import DEMO_TOKEN

        fake = FakeApimart(tokens={DEMO_TOKEN})
        client = client_class(
            DEMO_TOKEN,
            DEMO_BASE_URL,
            transport=httpx.ASGITransport(app=fake),
            max_connections=settings.max_concurrency,
            user_agent=USER_AGENT,
        )
        return Backend(client, fake)
    settings.require_token()
    client = client_class(settings.token, settings.base_url,
                           max_connections=settings.max_concurrency, user_agent=USER_AGENT)
    return Backend(client)


def settings_from_args(args: object) -> Settings:
    """Settings from the config file and environment, overridden by the command line."""
    from mjtui.config import load_settings

    overrides = {
        name: getattr(args, name)
        for name in ("base_url", "session", "poll_interval", "demo", "images", "read_only",
                     "notify")
        if getattr(args, name, None) not in (None, "on")  # bare --notify: as configured
    }
    return load_settings(overrides)


def open_session(settings: Settings) -> Session:
    """Load the session the settings name (`demo` in demo mode unless one was given)."""
    name = settings.session or (DEMO_SESSION if settings.demo else None)
    return load_session(resolve_session_path(name))
