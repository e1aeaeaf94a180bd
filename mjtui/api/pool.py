"""An httpx transport whose connection pool costs O(1) per request.

httpcore 1.0.9's `AsyncConnectionPool` walks every queued request against every connection
on each request and on each response close (encode/httpcore#1035, still open), and checks each
idle connection's socket on every pass: under load most of a poll's CPU, which kept a large
dashboard from polling every task once per interval (bench/README.md, "Round 2"). This pool
keeps idle connections in a stack per origin and a semaphore for the requests in flight: one
connection check per request, nothing per close.

It speaks HTTP/1.1 only, which is all the API and the image CDNs need, and is used only when
no proxy is configured (see `build_transport`); httpx's own transport serves the rest.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.request
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpcore
import httpx


def build_transport(limits: httpx.Limits) -> httpx.AsyncBaseTransport | None:
    """The transport an `ApimartClient` talks through on a real network, or None for
    httpx's own: only httpx knows proxies, and it reads them from the environment only
    when it builds the transport itself."""
    if any(scheme != "no" for scheme in urllib.request.getproxies()):
        return None
    return PooledTransport(limits)


class PooledTransport(httpx.AsyncBaseTransport):
    """httpx requests over `ConnectionStack` connections."""

    def __init__(self, limits: httpx.Limits, ssl_context: ssl.SSLContext | None = None) -> None:
        self._pool = ConnectionStack(
            ssl_context or httpx.create_ssl_context(trust_env=True),
            max_connections=limits.max_connections or 100,
            max_idle=limits.max_keepalive_connections or 0,
            keepalive_expiry=limits.keepalive_expiry,
        )

    @property
    def connections_opened(self) -> int:
        return self._pool.connections_opened

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,  # type: ignore[arg-type]
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = await self._pool.handle_async_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),  # type: ignore[arg-type]
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


class ConnectionStack:
    """HTTP/1.1 connections: idle ones stacked per origin, at most `max_connections` in all.

    The most recently used idle connection goes first, so a quiet spell lets the others
    reach `keepalive_expiry` and close instead of all being kept barely alive.
    """

    def __init__(self, ssl_context: ssl.SSLContext, *, max_connections: int, max_idle: int,
                 keepalive_expiry: float | None) -> None:
        self._ssl_context = ssl_context
        self._max_connections = max_connections
        self._max_idle = max_idle
        self._keepalive_expiry = keepalive_expiry
        self._slots = asyncio.Semaphore(max_connections)  # requests in flight
        self._idle: deque[httpcore.AsyncHTTPConnection] = deque()  # oldest on the left
        self._busy = 0
        self._closed = False
        self.connections_opened = 0

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if self._closed:
            raise RuntimeError("the connection pool is closed")
        if request.url.scheme not in (b"http", b"https"):
            raise httpcore.UnsupportedProtocol(f"unsupported URL scheme {request.url.scheme!r}")
        await self._acquire_slot(request.extensions.get("timeout", {}).get("pool"))
        try:
            fresh = False
            while True:
                connection, reused = await self._connection_for(request.url.origin, fresh)
                self._busy += 1
                try:
                    response = await connection.handle_async_request(request)
                except httpcore.ConnectionNotAvailable:
                    # The server closed it between our check and the send: try another.
                    self._busy -= 1
                    await connection.aclose()
                    continue
                except BaseException as exc:
                    self._busy -= 1
                    await connection.aclose()
                    if reused and _may_resend(request, exc):
                        fresh = True  # once more, on a new connection
                        continue
                    raise
                stream = _Releasing(response.stream, self, connection)  # type: ignore[arg-type]
                return httpcore.Response(status=response.status, headers=response.headers,
                                         content=stream, extensions=response.extensions)
        except BaseException:
            self._slots.release()
            raise

    async def _acquire_slot(self, timeout: float | None) -> None:
        try:
            async with asyncio.timeout(timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise httpcore.PoolTimeout("no free connection in the pool in time") from None

    async def _connection_for(self, origin: httpcore.Origin,
                              fresh: bool) -> tuple[httpcore.AsyncHTTPConnection, bool]:
        """A connection to `origin` and whether it served before: the newest idle one
        (unless `fresh`), else a new one."""
        if not fresh:
            for index in range(len(self._idle) - 1, -1, -1):
                connection = self._idle[index]
                if connection.can_handle_request(origin):
                    del self._idle[index]
                    if connection.is_available() and not connection.has_expired():
                        return connection, True
                    await connection.aclose()
                    break  # the older ones for this origin have waited longer: start afresh
        if self._idle and self._busy + len(self._idle) >= self._max_connections:
            await self._idle.popleft().aclose()  # make room: the longest idle goes
        self.connections_opened += 1
        return httpcore.AsyncHTTPConnection(
            origin, ssl_context=self._ssl_context, keepalive_expiry=self._keepalive_expiry
        ), False

    async def _release(self, connection: httpcore.AsyncHTTPConnection) -> None:
        self._busy -= 1
        try:
            if self._closed or not connection.is_available() or self._max_idle == 0:
                await connection.aclose()
            else:
                self._idle.append(connection)
                while len(self._idle) > self._max_idle:
                    await self._idle.popleft().aclose()
        finally:
            self._slots.release()

    async def aclose(self) -> None:
        self._closed = True
        while self._idle:
            await self._idle.pop().aclose()


# A server may close a keep-alive connection just as a request goes out on it (its idle
# timeout, a restart): the request then fails before any answer. A request that changes
# nothing is sent once more on a new connection, as browsers and Go's net/http do; anything
# else (a billed POST) is never sent twice.
_RESENDABLE_METHODS = frozenset({b"GET", b"HEAD", b"OPTIONS"})
_STALE_CONNECTION_ERRORS = (httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError)


def _may_resend(request: httpcore.Request, error: BaseException) -> bool:
    return request.method in _RESENDABLE_METHODS and isinstance(error, _STALE_CONNECTION_ERRORS)


class _Releasing:
    """A response body that hands its connection back to the pool once closed."""

    def __init__(self, stream: AsyncIterator[bytes], pool: ConnectionStack,
                 connection: httpcore.AsyncHTTPConnection) -> None:
        self._stream = stream
        self._pool: ConnectionStack | None = pool
        self._connection = connection

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        try:
            if hasattr(self._stream, "aclose"):
                await self._stream.aclose()
        finally:
            await pool._release(self._connection)


class _ResponseStream(httpx.AsyncByteStream):
    """httpcore's body as httpx's, with httpcore's errors raised as httpx's."""

    def __init__(self, stream: _Releasing) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        with _as_httpx_errors():
            await self._stream.aclose()


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """httpcore's exceptions as the httpx ones of the same name (httpx mirrors them)."""
    try:
        yield
    except Exception as exc:
        for cls in type(exc).__mro__:
            if cls.__module__.startswith("httpcore"):
                mapped = getattr(httpx, cls.__name__, None)
                if isinstance(mapped, type) and issubclass(mapped, httpx.TransportError):
                    raise mapped(str(exc)) from exc
        raise
