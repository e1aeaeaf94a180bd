"""Helpers shared by the fake-apimart tests (not a conftest: plain imports)."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image

from mjtui.fake import FakeApimart

TOKEN = "sk-fake-token"
OTHER_TOKEN = "sk-other-token"
BASE_URL = "http://fake.apimart.test"
GEN = "/v1/midjourney/generations"


def make_client(fake: FakeApimart, token: str | None = TOKEN) -> httpx.AsyncClient:
    """An in-process httpx client talking to ``fake`` with ``token``."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url=BASE_URL,
                             headers=headers)


async def submit(client: httpx.AsyncClient, path: str = GEN, **body: Any) -> str:
    """POST a submit and return the new task id (asserting the submit shape)."""
    resp = await client.post(path, json=body)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["code"] == 200 and len(data["data"]) == 1
    return str(data["data"][0]["task_id"])


async def mj(client: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    resp = await client.get(f"/v1/midjourney/{task_id}")
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


async def unified(client: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    resp = await client.get(f"/v1/tasks/{task_id}")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["code"] == 200
    return dict(body["data"])


def png(content: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(content))
    img.load()
    return img
