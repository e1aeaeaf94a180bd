"""The fake apimart on a real loopback port (uvicorn in a thread)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fake_fixtures import GEN, TOKEN, png

from mjtui.fake import FakeApimart, FakeClock, LoopbackFakeServer, serve


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[LoopbackFakeServer]:
    with LoopbackFakeServer(FakeApimart(clock=clock, seed=5, image_size=128)) as srv:
        yield srv


@pytest.fixture
def client(server: LoopbackFakeServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {TOKEN}"},
                      timeout=5) as c:
        yield c


def test_serves_a_task_and_png_over_http(server, client, clock) -> None:
    assert server.base_url.startswith("http://127.0.0.1:") and server.port > 0
    task_id = client.post(GEN, json={"prompt": "a lighthouse"}).json()["data"][0]["task_id"]
    clock.advance(14)
    view = client.get(f"/v1/midjourney/{task_id}").json()
    assert view["status"] == "SUCCESS"
    assert view["image_urls"][0] == f"{server.base_url}/fake-cdn/{task_id}/0.png"
    resp = httpx.get(view["grid_image_url"])  # absolute URL on the real port, no auth
    assert resp.headers["content-type"] == "image/png" and png(resp.content).size == (128, 128)
    assert server.fake.requests_for(GEN)[0].json_body == {"prompt": "a lighthouse"}
    assert server.connections_opened >= 2  # the keep-alive client + the one-off GET


def test_faults_over_the_http_control_endpoint(server, client) -> None:
    resp = client.post("/_fake/faults", json={"faults": [
        {"kind": "status", "status": 502, "times": 1},
        {"kind": "rate_limit", "retry_after": 1.5, "times": 1}]})
    assert [f["kind"] for f in resp.json()["faults"]] == ["status", "rate_limit"]
    resp = client.get("/v1/balance")
    assert resp.status_code == 502 and "502 Bad Gateway" in resp.text
    resp = client.get("/v1/balance")
    assert resp.status_code == 429 and resp.headers["retry-after"] == "1.5"
    assert client.get("/v1/balance").status_code == 200

    client.post("/_fake/faults", json={"kind": "truncated", "times": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/v1/balance")
    client.post("/_fake/faults", json={"kind": "trickle", "chunk_size": 10, "delay": 0.005})
    assert client.get("/v1/balance").json()["success"] is True
    assert client.delete("/_fake/faults").json() == {"faults": []}
    log = client.get("/_fake/requests").json()["requests"]
    assert [(r["status"], r["fault"]) for r in log][:3] == [(502, "status"),
                                                            (429, "rate_limit"), (200, None)]
    assert all(r["authorization_present"] for r in log) and TOKEN not in str(log)


def test_shuts_down_cleanly() -> None:
    with LoopbackFakeServer() as srv:
        url = srv.base_url
        assert httpx.get(f"{url}/v1/balance").status_code == 401
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v1/balance", timeout=1)


def test_serve_refuses_non_loopback_hosts() -> None:
    with pytest.raises(ValueError, match="loopback"):
        serve(host="0.0.0.0", port=1)
