"""The imagine form's fields: the prompt, every structured field of the API, image prompts
and style/character references, and the final prompt string as it will be sent.

Used by the imagine dialog (and so by the new-job dialog's Imagine and Edits kinds):
`compose_fields` lays them out from a request, `read_fields` reads them back, checked with
the same rules as `mjtui imagine` (mjtui/imagine_fields.py). Image fields take URLs or
local paths (completed as typed); the paths are uploaded later, by the caller.
"""

from __future__ import annotations

import shlex
from dataclasses import replace

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, Static
from textual.widgets.select import NoSelection

from mjtui.api.client import ImagineRequest
from mjtui.imagine_fields import (
    INT_RANGES,
    IW_RANGE,
    QUALITIES,
    REFERENCE_RANGES,
    SPEEDS,
    check_int,
    check_ratio,
    check_style,
    check_version,
)
from mjtui.prompt_flags import final_prompt, quoted_paths
from mjtui.text import printable
from mjtui.ui.path_suggester import PathSuggester

FLAGS = ("tile", "raw", "draft")
NUMBERS = {**INT_RANGES, **REFERENCE_RANGES}
TEXT_FIELDS = ("size", "version", *NUMBERS, "iw", "style", "negative", "images", "sref",
               "cref")


class Form(VerticalScroll, can_focus=False):
    """A scrolling form: tab goes from field to field, never to the form itself (a focused
    field scrolls into view)."""


def field(label: str, widget: Widget, name: str) -> Vertical:
    """One labelled form field with its (initially hidden) inline error line."""
    error = Static(id=f"{name}-error", classes="field-error -hideable")
    return Vertical(Static(label, classes="field-label"), widget, error, classes="field")


def text_input(name: str, label: str, value: object, placeholder: str, *,
               paths: bool = False) -> Vertical:
    text = "" if value is None else printable(str(value))
    suggester = PathSuggester() if paths else None
    return field(label, Input(text, placeholder=placeholder, id=name, compact=True,
                              suggester=suggester), name)


def choice(name: str, label: str, options: tuple[str, ...], value: str | None) -> Vertical:
    initial: str | NoSelection = value if value in options else Select.NULL
    select = Select([(o, o) for o in options], value=initial, prompt="default", id=name,
                    compact=True)
    return field(label, select, name)


def version_text(request: ImagineRequest) -> str | None:
    """The version as the form shows it: `niji 6` for version 6 with niji."""
    if request.niji:
        return f"niji {request.version or ''}".strip()
    return request.version


def paths_text(items: tuple[str, ...] | list[str]) -> str:
    """Image arguments as one field's text: a path holding spaces is quoted."""
    return " ".join(shlex.quote(item) if " " in item else item for item in items)


def compose_fields(init: ImagineRequest) -> ComposeResult:
    """Every field but the prompt, in rows of four."""
    with Horizontal(classes="field-row"):
        yield text_input("size", "Aspect ratio", init.size, "1:1")
        yield text_input("version", "Version", version_text(init), "7")
        yield text_input("stylize", "Stylize 0-1000", init.stylize, "100")
        yield text_input("chaos", "Chaos 0-100", init.chaos, "0")
    with Horizontal(classes="field-row"):
        yield choice("quality", "Quality", QUALITIES, init.quality)
        yield choice("speed", "Speed", SPEEDS, init.speed)
        yield text_input("seed", "Seed", init.seed, "random")
        yield text_input("weird", "Weird 0-3000", init.weird, "0")
    with Horizontal(classes="field-row"):
        yield text_input("style", "Style", init.style, "raw")
        yield text_input("repeat", "Repeat 2-40", init.repeat, "1")
        with Horizontal(classes="field flags"):
            for name in FLAGS:
                yield Checkbox(name.capitalize(), bool(getattr(init, name)), id=name,
                               compact=True)
    yield text_input("negative", "Negative prompt (--no)", init.negative_prompt, "leave out")
    with Horizontal(classes="field-row"):
        yield text_input("images", "Image prompts (URLs or files)", paths_text(init.image_urls),
                         "https://… or ~/pictures/a.png", paths=True)
        yield text_input("iw", "Image weight 0-3", init.iw, "1")
    with Horizontal(classes="field-row"):
        yield text_input("sref", "Style reference", init.sref, "URL or file", paths=True)
        yield text_input("sw", "Style weight", init.sw, "100")
        yield text_input("cref", "Character reference", init.cref, "URL or file", paths=True)
        yield text_input("cw", "Character weight", init.cw, "100")


def _value(form: Widget, name: str) -> str:
    return form.query_one(f"#{name}", Input).value.strip()


def _choice(form: Widget, name: str) -> str | None:
    value = form.query_one(f"#{name}", Select).value
    return value if isinstance(value, str) else None


def _flag(form: Widget, name: str) -> bool | None:
    return True if form.query_one(f"#{name}", Checkbox).value else None


def read_fields(form: Widget, base: ImagineRequest, prompt: str, *,
                strict: bool = True) -> tuple[ImagineRequest, dict[str, str]]:
    """The form as a request (fields it has no widget for kept from `base`) and
    {field: why} for each invalid one. `strict=False` keeps what was typed as it is, for
    the final prompt line, which shows the text even while a number is half typed."""
    errors: dict[str, str] = {}
    size, errors["size"] = check_ratio(_value(form, "size"))
    version, niji, errors["version"] = check_version(_value(form, "version"))
    numbers: dict[str, int | None] = {}
    for name, (low, high) in NUMBERS.items():
        numbers[name], errors[name] = check_int(_value(form, name), low, high)
    iw: float | None = None
    if _value(form, "iw"):
        try:
            iw = float(_value(form, "iw"))
        except ValueError:
            errors["iw"] = f"a number {IW_RANGE[0]:g}-{IW_RANGE[1]:g}"
        else:
            if not IW_RANGE[0] <= iw <= IW_RANGE[1]:
                errors["iw"] = f"{IW_RANGE[0]:g} to {IW_RANGE[1]:g}"
    style, errors["style"] = check_style(_value(form, "style"))
    fixed = replace(
        base, prompt=prompt, size=size, version=version, niji=niji, stylize=numbers["stylize"],
        chaos=numbers["chaos"], quality=_choice(form, "quality"), seed=numbers["seed"],
        weird=numbers["weird"], negative_prompt=_value(form, "negative") or None,
        speed=_choice(form, "speed"), style=style, repeat=numbers["repeat"], iw=iw,
        sw=numbers["sw"], cw=numbers["cw"], tile=_flag(form, "tile"), raw=_flag(form, "raw"),
        draft=_flag(form, "draft"), image_urls=tuple(quoted_paths(_value(form, "images"))),
        sref=_value(form, "sref") or None, cref=_value(form, "cref") or None,
    )
    if fixed.draft and fixed.version in ("6.1", "5.2", "5.1") and not errors["version"]:
        errors["version"] = "draft needs version 7 or later"
    errors = {name: why for name, why in errors.items() if why}
    if strict or not errors:
        return fixed, errors
    typed = {name: _value(form, name) or None for name in ("size", "version", "style", "iw",
                                                           *NUMBERS) if name in errors}
    return replace(fixed, **typed), errors


def show_errors(form: Widget, errors: dict[str, str]) -> None:
    """Each field's inline message (cleared where all is well)."""
    for name in TEXT_FIELDS:
        for error in form.query(f"#{name}-error"):
            assert isinstance(error, Static)
            error.update(errors.get(name, ""))
            error.set_class(bool(errors.get(name)), "-shown")


def final_line() -> Static:
    """The line under the form that shows the prompt as it will be sent."""
    return Static(id="final-prompt", classes="final-prompt", markup=False)


def show_final(form: Widget, request: ImagineRequest) -> None:
    """The final prompt line; API text and typed text are shown literally."""
    text = final_prompt(request) or "(type a prompt)"
    form.query_one("#final-prompt", Static).update(f"Sent as: {printable(text, limit=1500)}")
