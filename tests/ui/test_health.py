"""Health is earned: `GET /v1/balance` parsed in the API layer, and the dashboard's status
line saying "connecting" until the API has answered (the tracker's side is in
tests/unit/test_tracker.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from ui_fixtures import SIZE, make_app, make_env, poll, settle, status_text, track

from mjtui.api.client import ApimartClient
from mjtui.api.errors import Unauthorized, ValidationFailed
from mjtui.api.models import Balance
from mjtui.fake import FakeApimart


@pytest.mark.parametrize("body, expected", [
    ({"success": True, "remain_balance": 10.5, "used_balance": 2.3, "unlimited_quota": False},
     Balance(10.5, 2.3)),
    ({"code": 200, "data": {"remain_balance": "7.25", "used_balance": 0}}, Balance(7.25, 0.0)),
    ({"success": True, "remain_balance": -1, "used_balance": 4, "unlimited_quota": True},
     Balance(None, 4.0, unlimited=True)),
    ({"success": False, "message": "Failed to get token info"}, None),
    ({"code": 200, "data": {"success": False}}, None),
    ({"remain_balance": "lots", "used_balance": None}, None),
    ({"remain_balance": float("nan"), "used_balance": True}, None),
    ([1, 2], None),
])
def test_balance_shapes(body: object, expected: Balance | None) -> None:
    assert Balance.from_json(body) == expected


async def test_client_balance_against_the_fake() -> None:
    fake = FakeApimart(tokens={"sk-mine"})
    async with ApimartClient("sk-mine", "http://fake.test",
                             transport=httpx.ASGITransport(app=fake)) as client:
        balance = await client.balance()
    assert balance.remaining is not None and balance.remaining > 0 and not balance.unlimited
    assert [r.path for r in fake.requests] == ["/v1/balance"]


async def test_client_balance_refusals() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") == "Bearer sk-bad":
            return httpx.Response(401, json={"error": {"message": "invalid key"}})
        return httpx.Response(200, json={"success": False, "message": "Failed to get token info"})

    transport = httpx.MockTransport(answer)
    async with ApimartClient("sk-good", "http://fake.test", transport=transport) as client:
        with pytest.raises(ValidationFailed, match="Failed to get token info"):
            await client.balance()
    async with ApimartClient("sk-bad", "http://fake.test", transport=transport) as client:
        with pytest.raises(Unauthorized):
            await client.balance()


async def test_status_line_says_connecting_until_the_first_answer(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    ids = [env.create("job", queue_s=0, run_s=900)]
    app = make_app(env, track(env, *ids))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "○ connecting" in status_text(app) and "API ok" not in status_text(app)
        await poll(app, pilot)
        assert "● API ok" in status_text(app) and "connecting" not in status_text(app)


async def test_nothing_to_poll_the_status_line_is_ok_only_after_the_check(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    app = make_app(env, track(env))  # an empty session: no task to poll
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "connecting" in status_text(app)
        await poll(app, pilot)  # the idle health check: GET /v1/balance
        assert env.fake.requests_for("/v1/balance", "GET")
        assert "● API ok" in status_text(app)
