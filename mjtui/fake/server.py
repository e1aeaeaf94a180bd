"""Run :class:`~mjtui.fake.app.FakeApimart` on a real loopback port with uvicorn.

``serve`` blocks (for ``mjtui fake-server``); ``LoopbackFakeServer`` runs the
same app in a background thread on an OS-chosen port for tests that need real
sockets (timeouts, truncated bodies, connection reuse).  Only loopback hosts
are allowed: the fake has well-known tokens and must never face a network.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from types import TracebackType
from typing import Any, Self

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .app import FakeApimart


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ValueError(f"the fake apimart server only listens on loopback, not {host!r}")


def serve(host: str = "127.0.0.1", port: int = 8765, *, demo: bool = False,
          log_level: str = "warning", **fake_kwargs: Any) -> None:
    """Serve a new ``FakeApimart(**fake_kwargs)`` until interrupted (blocking).

    ``demo=True`` seeds the demo jobs (token :data:`mjtui.fake.demo.DEMO_TOKEN`).
    """
    _check_loopback(host)
    fake = FakeApimart(**fake_kwargs)
    if demo:
        from .demo import seed_demo

        seed_demo(fake)
    uvicorn.run(fake, host=host, port=port, log_level=log_level, lifespan="off",
                http="h11", access_log=False)


class LoopbackFakeServer:
    """Context manager: uvicorn in a thread on ``127.0.0.1:<free port>``.

    ``base_url`` is ``http://127.0.0.1:PORT``; ``fake`` is the app (inspect
    ``fake.requests``, add ``fake.faults``); ``connections_opened`` counts the
    TCP connections uvicorn accepted (to check a client's connection reuse).
    """

    def __init__(self, fake: FakeApimart | None = None, port: int = 0, *,
                 log_level: str = "warning", startup_timeout: float = 10.0) -> None:
        self.fake = fake if fake is not None else FakeApimart()
        self.port = port
        self.connections_opened = 0
        self._log_level = log_level
        self._startup_timeout = startup_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _protocol(self) -> type[H11Protocol]:
        owner = self

        class CountingH11Protocol(H11Protocol):
            def connection_made(self, transport: Any) -> None:
                owner.connections_opened += 1
                super().connection_made(transport)

        return CountingH11Protocol

    def start(self) -> LoopbackFakeServer:
        """Bind, start the server thread and wait until it accepts connections."""
        # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY on accepted connections only when
        # the listening socket says TCP; without it Nagle + delayed ACK add ~40 ms per request.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.fake, log_level=self._log_level, lifespan="off",
                                http=self._protocol(), access_log=False,
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"fake-apimart-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the loopback fake apimart server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for its thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
