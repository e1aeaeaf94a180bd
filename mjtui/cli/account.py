"""The commands that start no job: `upload` (a local image, once per content) and
`balance` (the key's, and the account's). Nothing here imports Textual.
"""

from __future__ import annotations

import json

from mjtui.api.errors import ApimartError, Unauthorized
from mjtui.api.models import Balance
from mjtui.cli.context import Context
from mjtui.errors import EXIT_OK, EXIT_TASK_FAILED, EXIT_USAGE
from mjtui.images.uploads import ImageInputs, ImageRejected
from mjtui.text import printable


async def run_upload(ctx: Context) -> int:
    inputs = ImageInputs(ctx.client)
    try:
        [checked] = inputs.check([ctx.args.file])
    except ImageRejected as exc:
        ctx.error(str(exc))
        return EXIT_USAGE
    if isinstance(checked, str):
        ctx.error(f"{ctx.args.file}: already a URL; upload takes a local file")
        return EXIT_USAGE
    try:
        url = await inputs.url_for(checked)
    except Unauthorized:
        raise
    except ApimartError as exc:
        ctx.error(f"upload failed: {exc}")
        return EXIT_TASK_FAILED
    ctx.print(printable(url))
    return EXIT_OK


def _amount(value: float | None) -> str:
    return "?" if value is None else f"{value:.10g}"


def _balance_line(name: str, balance: Balance) -> str:
    remaining = "unlimited" if balance.unlimited else _amount(balance.remaining)
    return f"{name:<8} remaining {remaining}  used {_amount(balance.used)}"


async def run_balance(ctx: Context) -> int:
    try:
        key = await ctx.client.balance()
        account = await ctx.client.balance(account=True) if ctx.args.account else None
    except Unauthorized:
        raise
    except ApimartError as exc:
        ctx.error(f"cannot read the balance: {exc}")
        return EXIT_TASK_FAILED
    if ctx.args.json:
        record = key.to_json()
        if account is not None:
            record["account"] = account.to_json()
        ctx.print(json.dumps(record))
    else:
        ctx.print(_balance_line("key", key))
        if account is not None:
            ctx.print(_balance_line("account", account))
    return EXIT_OK
