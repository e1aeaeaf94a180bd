"""Imagine fields checked against what the API takes (docs/api-notes.md#imagine-fields), the
same rules in the form (at the field) and in `mjtui imagine` (exit 2 with the reason, nothing
sent)."""

from __future__ import annotations

from typing import Any

import pytest
from cli_fixtures import cli
from test_dialogs import SIZE, Harness, Recorder, seen, type_into, wait

from mjtui.api.client import ImagineRequest
from mjtui.imagine_fields import check_request, check_version
from mjtui.ui.dialogs.imagine import ImagineDialog, SubmitOutcome


@pytest.mark.parametrize(("text", "version", "niji"), [
    ("", None, None), ("7", "7", None), ("8.1", "8.1", None), ("v6.1", "6.1", None),
    ("5.1", "5.1", None), ("niji 6", "6", True), ("Niji7", "7", True), ("niji", None, True),
])
def test_versions_the_api_takes(text: str, version: str | None, niji: bool | None) -> None:
    assert check_version(text) == (version, niji, "")


@pytest.mark.parametrize("text", ["9", "6.5", "seven", "niji 5", "4", "7.0"])
def test_versions_it_does_not(text: str) -> None:
    version, niji, why = check_version(text)
    assert version is None and niji is None and why


@pytest.mark.parametrize(("fields", "bad"), [
    ({"version": "9"}, "version"), ({"stylize": 1001}, "stylize"), ({"stylize": -1}, "stylize"),
    ({"chaos": 101}, "chaos"), ({"weird": 3001}, "weird"), ({"seed": -5}, "seed"),
    ({"seed": 2**32}, "seed"), ({"quality": "3"}, "quality"), ({"size": "16x9"}, "size"),
    ({"size": "0:1"}, "size"), ({"style": "raw --v 9"}, "style"),
    ({"niji": True, "version": "6.1"}, "version"), ({"draft": True, "version": "6.1"}, "draft"),
])
def test_check_request_names_the_bad_field(fields: dict[str, Any], bad: str) -> None:
    _, errors = check_request(ImagineRequest(prompt="a cat", **fields))
    assert list(errors) == [bad]


def test_check_request_normalises_what_it_takes() -> None:
    request, errors = check_request(ImagineRequest(
        prompt="a cat", size=" 16 : 9 ", version="niji 6", stylize=1000, chaos=0, weird=3000,
        seed=4294967295, quality="0.25", style="raw"))
    assert errors == {}
    assert (request.size, request.version, request.niji) == ("16:9", "6", True)


def test_cli_imagine_refuses_version_9_sending_nothing(capsys) -> None:
    code, out, err = cli(capsys, "--demo", "imagine", "a cat", "--version", "9", "--chaos", "200")
    assert code == 2 and out == ""
    assert "mjtui: --version: not 9: 8.1 7 6.1 5.2 5.1 niji 7/6" in err
    assert "mjtui: --chaos: at most 100" in err


async def test_form_refuses_version_9_at_the_field() -> None:
    submit = Recorder(SubmitOutcome(task_id="task_new"))
    app = Harness(lambda: ImagineDialog(submit))
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "#prompt", "a cat")
        await type_into(pilot, "#version", "9")
        await pilot.press("enter")
        await wait(pilot)
        assert submit.calls == [] and app.results == []
        error = app.screen.query_one("#version-error")
        assert "not 9" in str(error.render()) and error.has_class("-shown")
        assert "fix the marked fields" in seen(app)
        await type_into(pilot, "#version", "niji 6")
        await type_into(pilot, "#weird", "250")
        await pilot.press("enter")
        await wait(pilot)
        assert submit.calls == [ImagineRequest(prompt="a cat", version="6", niji=True, weird=250)]


async def test_form_shows_a_niji_request_as_niji() -> None:
    initial = ImagineRequest(prompt="a cat", version="6", niji=True)
    app = Harness(lambda: ImagineDialog(Recorder(), initial))
    async with app.run_test(size=SIZE):
        assert app.screen.query_one("#version").value == "niji 6"
