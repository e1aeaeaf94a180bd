"""The fake apimart for `bench_scale.py`, run in its own process so its CPU is not the client's.

    python bench/fake_for_bench.py --running 1000 --finished 100 --ready /tmp/ready.json

Seeds `--running` jobs that stay IN_PROGRESS for an hour and `--finished` jobs that already
succeeded, serves them with uvicorn (h11, like `mjtui fake-server`) on a free loopback port and
writes {port, token, running, finished} to the `--ready` file once it accepts connections.

Besides the fake's own routes it answers `GET /_bench/stats?since=M&until=N` (monotonic
seconds; CLOCK_MONOTONIC is machine-wide, so the client's `time.monotonic()` values work):
the task GETs per ID that arrived in that window, and the TCP connections accepted so far
(counted like `LoopbackFakeServer.connections_opened`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from mjtui.fake import FakeApimart
from mjtui.fake.faults import Receive, Send, json_response

TOKEN = "sk-bench-token"
TASK_PATH = "/v1/midjourney/"
# uvicorn closes idle keep-alive connections after 5 s by default; nginx (a likely front of
# the real API) after 75 s. The bench uses nginx's figure so "connections opened" measures
# the client's pool, not an unusually impatient server.
KEEP_ALIVE = 75
WORDS = ("a lighthouse on a cliff at dusk, volumetric fog, 35mm film grain",
         "portrait of an old fisherman, rembrandt lighting --ar 2:3",
         "isometric city block, pastel colours, tilt-shift --v 7 --stylize 250",
         "a red fox in snow, wildlife photography, shallow depth of field")


class BenchFake(FakeApimart):
    """FakeApimart plus `/_bench/stats` and a connection counter."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connections_opened = 0

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/_bench/stats":
            query = dict(parse_qsl(scope.get("query_string", b"").decode()))
            stats = self.stats(float(query.get("since", "-inf")), float(query.get("until", "inf")))
            resp = json_response(stats, 200)
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(resp.body)).encode())]})
            await send({"type": "http.response.body", "body": resp.body})
            return
        await super().__call__(scope, receive, send)

    def stats(self, since: float, until: float) -> dict[str, Any]:
        by_id: Counter[str] = Counter()
        other = 0
        for req in self.requests:
            if since <= req.monotonic < until:
                if req.method == "GET" and req.path.startswith(TASK_PATH):
                    by_id[req.path[len(TASK_PATH):]] += 1
                else:
                    other += 1
        return {"connections": self.connections_opened, "by_id": dict(by_id), "other": other}


def make_fake(running: int, finished: int, *, now: float | None = None) -> tuple[BenchFake, list[str], list[str]]:
    """A fake holding `running` hour-long IN_PROGRESS jobs and `finished` SUCCESS ones."""
    fake = BenchFake(tokens={TOKEN}, seed=1)
    now = time.time() if now is None else now
    running_ids = [
        fake.create_job(TOKEN, "IMAGINE", f"{WORDS[n % len(WORDS)]} #{n}",
                        submitted_at=now - 30 - n % 600, queue_s=0.0, run_s=3600.0).id
        for n in range(running)
    ]
    finished_ids = [
        fake.create_job(TOKEN, "IMAGINE", f"{WORDS[n % len(WORDS)]} (done) #{n}",
                        submitted_at=now - 900, queue_s=1.0, run_s=30.0).id
        for n in range(finished)
    ]
    return fake, running_ids, finished_ids


def counting_protocol(fake: BenchFake) -> type[H11Protocol]:
    """uvicorn's h11 protocol, counting accepted connections (as LoopbackFakeServer does)."""

    class CountingH11Protocol(H11Protocol):
        def connection_made(self, transport: Any) -> None:
            fake.connections_opened += 1
            super().connection_made(transport)

    return CountingH11Protocol


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--running", type=int, default=1000)
    parser.add_argument("--finished", type=int, default=100)
    parser.add_argument("--ready", type=Path, required=True, help="where to write port and IDs")
    args = parser.parse_args(argv)

    fake, running_ids, finished_ids = make_fake(args.running, args.finished)
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY on accepted connections only when the
    # listening socket says TCP, and without it Nagle + delayed ACK add ~40 ms to every
    # keep-alive response (uvicorn writes the head and the body separately).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(fake, log_level="warning", lifespan="off", access_log=False,
                            http=counting_protocol(fake), timeout_keep_alive=KEEP_ALIVE,
                            backlog=2048)
    server = uvicorn.Server(config)

    async def announce() -> None:
        while not server.started:
            await asyncio.sleep(0.01)
        info = {"port": port, "token": TOKEN, "running": running_ids, "finished": finished_ids,
                "pid": os.getpid()}
        tmp = args.ready.with_suffix(".tmp")
        tmp.write_text(json.dumps(info))
        tmp.replace(args.ready)

    async def serve() -> None:
        waiter = asyncio.ensure_future(announce())
        await server.serve(sockets=[sock])
        waiter.cancel()

    asyncio.run(serve())
    sys.exit(0)


if __name__ == "__main__":
    main()
