"""`mjtui.api.pool`: the O(1) connection pool the client uses on a real network, checked over
real loopback sockets against the fake (connection counts as the server saw them)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from fault_helpers import HangingUpServer, RawServer, free_port, repeat

from mjtui.api.client import ApimartClient, ImagineRequest
from mjtui.api.errors import NetworkError
from mjtui.api.pool import PooledTransport, build_transport
from mjtui.fake import FakeApimart
from mjtui.fake.server import LoopbackFakeServer

TOKEN = "sk-pool-token"


@pytest.fixture
def server() -> Iterator[LoopbackFakeServer]:
    with LoopbackFakeServer(FakeApimart(tokens={TOKEN})) as srv:
        yield srv


def limits(size: int, expiry: float = 30.0) -> httpx.Limits:
    return httpx.Limits(max_connections=size, max_keepalive_connections=size,
                        keepalive_expiry=expiry)


async def test_the_client_uses_the_pool_without_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "example.com")  # a bypass list alone is no proxy
    assert isinstance(build_transport(limits(4)), PooledTransport)


async def test_a_proxy_in_the_environment_leaves_it_to_httpx(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert build_transport(limits(4)) is None
    async with ApimartClient(TOKEN, "https://api.apimart.ai") as client:
        # httpx built its own transport and mounted the proxy from the environment.
        assert not isinstance(client.http._transport, PooledTransport)
        assert any(mount is not None for mount in client.http._mounts.values())


async def test_many_concurrent_polls_open_no_more_connections_than_the_pool(
        server: LoopbackFakeServer) -> None:
    async with ApimartClient(TOKEN, server.base_url, max_connections=4) as client:
        created = [(await client.submit(ImagineRequest("a quiet harbour").submission())).task_id
                   for _ in range(3)]
        gate = asyncio.Semaphore(8)  # more callers than connections: they queue for a slot

        async def poll(task_id: str) -> str:
            async with gate:
                return (await client.get_task(task_id)).id

        ids = [created[n % 3] for n in range(200)]
        assert await asyncio.gather(*(poll(i) for i in ids)) == ids
        assert client.http._transport.connections_opened <= 4
    assert server.connections_opened <= 4


async def test_a_connection_the_server_closed_is_replaced(server: LoopbackFakeServer) -> None:
    transport = PooledTransport(limits(2))
    async with httpx.AsyncClient(transport=transport, base_url=server.base_url,
                                 headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        assert (await http.get("/v1/midjourney/nope")).status_code == 404
        # Connection: close makes the server hang up after this answer.
        response = await http.get("/v1/midjourney/nope", headers={"Connection": "close"})
        assert response.status_code == 404
        assert (await http.get("/v1/midjourney/nope")).status_code == 404
    assert transport.connections_opened == 2
    assert server.connections_opened == 2


async def test_a_body_left_half_read_gives_its_slot_back() -> None:
    transport = PooledTransport(limits(1))
    async with RawServer([], repeat(b"x" * 4096, 4_000_000)) as raw, \
            httpx.AsyncClient(transport=transport, base_url=raw.base_url) as http:
        async with http.stream("GET", "/big") as response:
            async for _chunk in response.aiter_raw():
                break  # stop after the first piece: the rest is still on the socket
        # The one slot is free again; that connection was not kept (a fresh one serves).
        async with http.stream("GET", "/big") as response:
            assert response.status_code == 200
        assert transport.connections_opened == 2
        assert raw.sent < 4_000_000


async def test_waiting_for_a_slot_times_out_as_httpx_does(server: LoopbackFakeServer) -> None:
    transport = PooledTransport(limits(1))
    timeout = httpx.Timeout(5.0, pool=0.2)
    async with httpx.AsyncClient(transport=transport, base_url=server.base_url,
                                 timeout=timeout) as http:
        async with http.stream("GET", "/v1/midjourney/x"):
            with pytest.raises(httpx.PoolTimeout):
                await http.get("/v1/midjourney/y")
        assert (await http.get("/v1/midjourney/y")).status_code in (401, 404)


async def test_a_cancelled_request_gives_its_slot_back(server: LoopbackFakeServer) -> None:
    transport = PooledTransport(limits(1))
    async with httpx.AsyncClient(transport=transport, base_url=server.base_url) as http:
        waiting = asyncio.create_task(http.get("/v1/midjourney/x"))
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        response = await asyncio.wait_for(http.get("/v1/midjourney/x"), 5)
        assert response.status_code in (401, 404)


async def test_connection_errors_are_httpx_errors() -> None:
    transport = PooledTransport(limits(2))
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{free_port()}/")
        with pytest.raises(httpx.UnsupportedProtocol):
            await transport.handle_async_request(httpx.Request("GET", "ftp://127.0.0.1/x"))
    async with ApimartClient(TOKEN, f"http://127.0.0.1:{free_port()}") as client:
        with pytest.raises(NetworkError, match="cannot reach"):
            await client.get_task("abc")


async def test_idle_connections_go_oldest_first_past_the_limit(
        server: LoopbackFakeServer) -> None:
    transport = PooledTransport(httpx.Limits(max_connections=4, max_keepalive_connections=1))
    async with httpx.AsyncClient(transport=transport, base_url=server.base_url) as http:
        await asyncio.gather(*(http.get("/v1/midjourney/x") for _ in range(4)))
        assert len(transport._pool._idle) == 1
        await http.get("/v1/midjourney/x")
    assert len(transport._pool._idle) == 0  # closing the client closed it


async def test_a_get_on_a_connection_the_server_just_closed_is_sent_again() -> None:
    transport = PooledTransport(limits(2))
    async with HangingUpServer(answered=1) as server, \
            httpx.AsyncClient(transport=transport, base_url=server.base_url) as http:
        assert (await http.get("/a")).text == "ok"
        # The idle connection looks fine, but the server hangs up on the next request.
        assert (await http.get("/b")).text == "ok"
        assert server.requests == [b"GET", b"GET", b"GET"]
        assert server.connections == transport.connections_opened == 2


async def test_a_post_is_never_sent_twice() -> None:
    transport = PooledTransport(limits(2))
    async with HangingUpServer(answered=1) as server, \
            httpx.AsyncClient(transport=transport, base_url=server.base_url) as http:
        assert (await http.post("/v1/midjourney/generations")).text == "ok"
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("/v1/midjourney/generations")
        assert server.requests == [b"POST", b"POST"]
        assert server.connections == 1


async def test_a_get_failing_on_a_new_connection_is_not_sent_again() -> None:
    transport = PooledTransport(limits(2))
    async with HangingUpServer(answered=0) as server, \
            httpx.AsyncClient(transport=transport, base_url=server.base_url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/a")
        assert server.requests == [b"GET"]
