"""The button catalogue (docs/api-notes.md#buttons): kinds, labels, endpoints, exact bodies."""

from __future__ import annotations

from typing import Any

import pytest

from mjtui import buttons
from mjtui.api.models import ENDPOINT_PREFIX, Button, Submission
from mjtui.buttons import (
    ButtonKind,
    UnknownButton,
    describe,
    describe_all,
    kind_of,
    parse_name,
    resolve,
)

H = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
T = "task_01KPARENT0000000000000000"

# customId, label, emoji, kind, index, title, endpoint, body (without task_id)
Row = tuple[str, str, str, ButtonKind, int | None, str, str, dict[str, Any]]


def cid(custom_id: str) -> dict[str, Any]:
    return {"custom_id": custom_id}


CATALOGUE: list[Row] = [
    *[(f"MJ::JOB::upsample::{n}::{H}", f"U{n}", "", ButtonKind.UPSCALE, n, f"Upscale {n}",
       "upscale", cid(f"MJ::JOB::upsample::{n}::{H}")) for n in range(1, 5)],
    *[(f"MJ::JOB::variation::{n}::{H}", f"V{n}", "", ButtonKind.VARIATION, n, f"Variation {n}",
       "variation", cid(f"MJ::JOB::variation::{n}::{H}")) for n in range(1, 5)],
    (f"MJ::JOB::reroll::0::{H}::SOLO", "", "🔄", ButtonKind.REROLL, None, "Reroll", "reroll",
     cid(f"MJ::JOB::reroll::0::{H}::SOLO")),
    (f"MJ::JOB::variation::1::{H}::SOLO", "Make Variations", "🪄", ButtonKind.MAKE_VARIATIONS,
     None, "Make Variations", "low-variation", cid(f"MJ::JOB::variation::1::{H}::SOLO")),
    (f"MJ::JOB::low_variation::1::{H}::SOLO", "Vary (Subtle)", "🪄", ButtonKind.VARY_SUBTLE,
     None, "Vary (Subtle)", "low-variation", cid(f"MJ::JOB::low_variation::1::{H}::SOLO")),
    (f"MJ::JOB::high_variation::1::{H}::SOLO", "Vary (Strong)", "🪄", ButtonKind.VARY_STRONG,
     None, "Vary (Strong)", "high-variation", cid(f"MJ::JOB::high_variation::1::{H}::SOLO")),
    (f"MJ::Inpaint::1::{H}::SOLO", "Vary (Region)", "🖌️", ButtonKind.VARY_REGION, None,
     "Vary (Region)", "inpaint", cid(f"MJ::Inpaint::1::{H}::SOLO")),
    (f"MJ::Outpaint::50::1::{H}::SOLO", "Zoom Out 2x", "🔍", ButtonKind.ZOOM_OUT_2X, None,
     "Zoom Out 2x", "zoom", cid(f"MJ::Outpaint::50::1::{H}::SOLO")),
    (f"MJ::Outpaint::75::1::{H}::SOLO", "Zoom Out 1.5x", "🔍", ButtonKind.ZOOM_OUT_1_5X, None,
     "Zoom Out 1.5x", "zoom", cid(f"MJ::Outpaint::75::1::{H}::SOLO")),
    (f"MJ::Outpaint::100::1::{H}::SOLO", "Make Square", "", ButtonKind.MAKE_SQUARE, None,
     "Make Square", "zoom", cid(f"MJ::Outpaint::100::1::{H}::SOLO")),
    (f"MJ::CustomZoom::{H}", "Custom Zoom", "🔍", ButtonKind.CUSTOM_ZOOM, None, "Custom Zoom",
     "zoom", cid(f"MJ::CustomZoom::{H}")),
    *[(f"MJ::JOB::pan_{d}::1::{H}::SOLO", "", e, k, None, t, "pan",
       cid(f"MJ::JOB::pan_{d}::1::{H}::SOLO"))
      for d, e, k, t in [("left", "⬅️", ButtonKind.PAN_LEFT, "Pan Left"),
                         ("right", "➡️", ButtonKind.PAN_RIGHT, "Pan Right"),
                         ("up", "⬆️", ButtonKind.PAN_UP, "Pan Up"),
                         ("down", "⬇️", ButtonKind.PAN_DOWN, "Pan Down")]],
    (f"MJ::JOB::upsample_v5_2x::1::{H}::SOLO", "Upscale (2x)", "", ButtonKind.UPSCALE_2X, None,
     "Upscale (2x)", "upscale", cid(f"MJ::JOB::upsample_v5_2x::1::{H}::SOLO")),
    (f"MJ::JOB::upsample_v5_4x::1::{H}::SOLO", "Upscale (4x)", "", ButtonKind.UPSCALE_4X, None,
     "Upscale (4x)", "upscale", cid(f"MJ::JOB::upsample_v5_4x::1::{H}::SOLO")),
    *[(f"MJ::JOB::upsample_{v}_2x_{m}::1::{H}::SOLO", f"Upscale ({m.title()})", "",
       ButtonKind.UPSCALE_SUBTLE if m == "subtle" else ButtonKind.UPSCALE_CREATIVE, None,
       f"Upscale ({m.title()})", "upscale", cid(f"MJ::JOB::upsample_{v}_2x_{m}::1::{H}::SOLO"))
      for v in ("v6", "v6r1", "v7") for m in ("subtle", "creative")],
    (f"MJ::JOB::animate_high::1::{H}::SOLO", "Animate (High motion)", "🎞️",
     ButtonKind.ANIMATE_HIGH, None, "Animate (High motion)", "video",
     {"index": 0, "motion": "high"}),
    (f"MJ::JOB::animate_low::1::{H}::SOLO", "Animate (Low motion)", "🎞️",
     ButtonKind.ANIMATE_LOW, None, "Animate (Low motion)", "video",
     {"index": 0, "motion": "low"}),
    # A describe's 🔄: named, but no endpoint (empty): never sent (test_describe_again_...).
    ("MJ::Picread::Retry", "", "🔄", ButtonKind.DESCRIBE_AGAIN, None, "Describe again",
     "", {}),
]


@pytest.mark.parametrize("row", CATALOGUE, ids=[r[0].split(f"::{H}")[0] for r in CATALOGUE])
def test_catalogue(row: Row) -> None:
    custom_id, label, emoji, kind, index, title, endpoint, body = row
    spec = describe(Button(custom_id, label, emoji))
    assert kind_of(custom_id) is kind
    assert spec.kind is kind
    assert spec.custom_id == custom_id
    assert spec.index == index
    assert spec.title == title
    assert spec.label == (label or emoji or title)
    assert spec.endpoint == endpoint
    if not endpoint:
        with pytest.raises(UnknownButton, match="has no apimart endpoint"):
            spec.submission(T)
        return
    sub = spec.submission(T)
    assert sub == Submission(endpoint, {"task_id": T, **body})
    assert sub.path == f"{ENDPOINT_PREFIX}/{endpoint}"
    assert sub.path.startswith("/v1/midjourney/generations/")


@pytest.mark.parametrize("row", CATALOGUE, ids=[r[0].split(f"::{H}")[0] for r in CATALOGUE])
def test_label_fallback(row: Row) -> None:
    """label, else emoji, else our title."""
    custom_id, _, _, _, _, title, _, _ = row
    assert describe(Button(custom_id, "Lbl", "🔥")).label == "Lbl"
    assert describe(Button(custom_id, "", "🔥")).label == "🔥"
    assert describe(Button(custom_id)).label == title


def test_reroll_label_is_its_emoji() -> None:
    spec = describe(Button(f"MJ::JOB::reroll::0::{H}::SOLO", "", "🔄"))
    assert (spec.label, spec.title, spec.name) == ("🔄", "Reroll", "reroll")


def test_kind_is_case_insensitive() -> None:
    assert kind_of(f"mj::job::UPSAMPLE::3::{H}") is ButtonKind.UPSCALE
    assert kind_of(f"MJ::JOB::Pan_Left::1::{H}::SOLO") is ButtonKind.PAN_LEFT


def test_short_names() -> None:
    names = {describe(Button(r[0])).name for r in CATALOGUE}
    assert {"U1", "U2", "U3", "U4", "V1", "V2", "V3", "V4", "reroll", "make-variations",
            "vary-subtle", "vary-strong", "vary-region", "zoom-2x", "zoom-1.5x", "make-square",
            "custom-zoom", "pan-left", "pan-right", "pan-up", "pan-down", "upscale-2x",
            "upscale-4x", "upscale-subtle", "upscale-creative", "animate-high",
            "animate-low", "describe-again"} == names


# -- unknown customIds still submit ------------------------------------------------------


@pytest.mark.parametrize(
    ("custom_id", "endpoint"),
    [
        (f"MJ::JOB::animate_high_extend::2::{H}", "video"),
        (f"MJ::JOB::upsample_v9_8x_wild::1::{H}::SOLO", "upscale"),
        (f"MJ::JOB::video_virtual_upscale::1::{H}", "upscale"),
        (f"MJ::JOB::high_variation_v9::1::{H}::SOLO", "high-variation"),
        (f"MJ::JOB::low_variation_v9::1::{H}::SOLO", "low-variation"),
        (f"MJ::JOB::variation_v9::1::{H}::SOLO", "variation"),
        (f"MJ::JOB::reroll_v9::0::{H}::SOLO", "reroll"),
        (f"MJ::InpaintV2::1::{H}::SOLO", "inpaint"),
        (f"MJ::OutpaintCustom::1::{H}::SOLO", "zoom"),
        (f"MJ::ZoomSomething::{H}", "zoom"),
        (f"MJ::JOB::pan_diagonal::1::{H}::SOLO", "pan"),
        ("MJ::Job::PicReader::1", "upscale"),
        ("something::entirely::new", "upscale"),
    ],
)
def test_unknown_custom_ids_use_a_guessed_family(custom_id: str, endpoint: str) -> None:
    spec = describe(Button(custom_id))
    assert spec.kind is ButtonKind.UNKNOWN
    assert spec.index is None
    assert spec.label == spec.title == spec.name == custom_id  # nothing better to show
    assert spec.endpoint == endpoint
    assert spec.submission(T) == Submission(endpoint, {"task_id": T, "custom_id": custom_id})
    labelled = describe(Button(custom_id, "New thing", "✨"))
    assert labelled.label == "New thing" and labelled.title == ButtonKind.UNKNOWN.value


def test_submission_extra_fields() -> None:
    spec = describe(Button(f"MJ::JOB::upsample::2::{H}", "U2"))
    assert spec.submission(T, speed="fast").body == {
        "task_id": T, "custom_id": f"MJ::JOB::upsample::2::{H}", "speed": "fast"}


def test_describe_all_keeps_order() -> None:
    buttons = [Button(r[0], r[1], r[2]) for r in CATALOGUE]
    assert [s.custom_id for s in describe_all(buttons)] == [r[0] for r in CATALOGUE]
    assert describe_all(()) == []


# -- parse_name ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "index"),
    [("U1", ButtonKind.UPSCALE, 1), ("u4", ButtonKind.UPSCALE, 4), ("V2", ButtonKind.VARIATION, 2),
     (" v3 ", ButtonKind.VARIATION, 3), ("reroll", ButtonKind.REROLL, None),
     ("Reroll", ButtonKind.REROLL, None), ("vary-subtle", ButtonKind.VARY_SUBTLE, None),
     ("vary-strong", ButtonKind.VARY_STRONG, None), ("vary-region", ButtonKind.VARY_REGION, None),
     ("zoom-2x", ButtonKind.ZOOM_OUT_2X, None), ("zoom-1.5x", ButtonKind.ZOOM_OUT_1_5X, None),
     ("PAN-LEFT", ButtonKind.PAN_LEFT, None), ("pan-right", ButtonKind.PAN_RIGHT, None),
     ("pan-up", ButtonKind.PAN_UP, None), ("pan-down", ButtonKind.PAN_DOWN, None),
     ("upscale-subtle", ButtonKind.UPSCALE_SUBTLE, None),
     ("upscale-creative", ButtonKind.UPSCALE_CREATIVE, None)],
)
def test_parse_name(name: str, kind: ButtonKind, index: int | None) -> None:
    assert parse_name(name) == (kind, index)


@pytest.mark.parametrize("name", ["U0", "U5", "V12", "W1", "", "zoom", "pan", "left",
                                  f"MJ::JOB::upsample::1::{H}", "upscale"])
def test_parse_name_refuses(name: str) -> None:
    with pytest.raises(UnknownButton):
        parse_name(name)


# -- resolve ------------------------------------------------------------------------------


def grid_buttons() -> list[Button]:
    """U1-U4, 🔄, V1-V4 as the MJ view sends them."""
    return [*(Button(f"MJ::JOB::upsample::{n}::{H}", f"U{n}") for n in range(1, 5)),
            Button(f"MJ::JOB::reroll::0::{H}::SOLO", "", "🔄"),
            *(Button(f"MJ::JOB::variation::{n}::{H}", f"V{n}") for n in range(1, 5))]


def single_buttons() -> list[Button]:
    """An upscaled v7 image, its buttons in midjourney-proxy's order."""
    return [
        Button(f"MJ::JOB::upsample_v7_2x_subtle::1::{H}::SOLO", "Upscale (Subtle)"),
        Button(f"MJ::JOB::upsample_v7_2x_creative::1::{H}::SOLO", "Upscale (Creative)"),
        Button(f"MJ::JOB::low_variation::1::{H}::SOLO", "Vary (Subtle)", "🪄"),
        Button(f"MJ::JOB::high_variation::1::{H}::SOLO", "Vary (Strong)", "🪄"),
        Button(f"MJ::Inpaint::1::{H}::SOLO", "Vary (Region)", "🖌️"),
        Button(f"MJ::Outpaint::50::1::{H}::SOLO", "Zoom Out 2x", "🔍"),
        Button(f"MJ::Outpaint::75::1::{H}::SOLO", "Zoom Out 1.5x", "🔍"),
        Button(f"MJ::CustomZoom::{H}", "Custom Zoom", "🔍"),
        *(Button(f"MJ::JOB::pan_{d}::1::{H}::SOLO", "", e)
          for d, e in [("left", "⬅️"), ("right", "➡️"), ("up", "⬆️"), ("down", "⬇️")]),
        Button(f"MJ::JOB::animate_high::1::{H}::SOLO", "Animate (High motion)", "🎞️"),
        Button(f"MJ::JOB::animate_low::1::{H}::SOLO", "Animate (Low motion)", "🎞️"),
        Button(f"MJ::JOB::reroll::0::{H}::SOLO", "", "🔄"),
    ]


@pytest.mark.parametrize(
    ("name", "endpoint", "custom_id"),
    [*[(f"U{n}", "upscale", f"MJ::JOB::upsample::{n}::{H}") for n in range(1, 5)],
     *[(f"V{n}", "variation", f"MJ::JOB::variation::{n}::{H}") for n in range(1, 5)],
     ("reroll", "reroll", f"MJ::JOB::reroll::0::{H}::SOLO")],
)
def test_resolve_on_a_grid(name: str, endpoint: str, custom_id: str) -> None:
    assert resolve(T, name, grid_buttons()) == Submission(
        endpoint, {"task_id": T, "custom_id": custom_id})


@pytest.mark.parametrize(
    ("name", "endpoint", "custom_id"),
    [("vary-subtle", "low-variation", f"MJ::JOB::low_variation::1::{H}::SOLO"),
     ("vary-strong", "high-variation", f"MJ::JOB::high_variation::1::{H}::SOLO"),
     ("vary-region", "inpaint", f"MJ::Inpaint::1::{H}::SOLO"),
     ("zoom-2x", "zoom", f"MJ::Outpaint::50::1::{H}::SOLO"),
     ("zoom-1.5x", "zoom", f"MJ::Outpaint::75::1::{H}::SOLO"),
     ("custom-zoom", "zoom", f"MJ::CustomZoom::{H}"),
     ("pan-left", "pan", f"MJ::JOB::pan_left::1::{H}::SOLO"),
     ("pan-right", "pan", f"MJ::JOB::pan_right::1::{H}::SOLO"),
     ("pan-up", "pan", f"MJ::JOB::pan_up::1::{H}::SOLO"),
     ("pan-down", "pan", f"MJ::JOB::pan_down::1::{H}::SOLO"),
     ("upscale-subtle", "upscale", f"MJ::JOB::upsample_v7_2x_subtle::1::{H}::SOLO"),
     ("upscale-creative", "upscale", f"MJ::JOB::upsample_v7_2x_creative::1::{H}::SOLO"),
     ("reroll", "reroll", f"MJ::JOB::reroll::0::{H}::SOLO")],
)
def test_resolve_on_an_upscaled_image(name: str, endpoint: str, custom_id: str) -> None:
    assert resolve(T, name, single_buttons()) == Submission(
        endpoint, {"task_id": T, "custom_id": custom_id})


def test_resolve_animate_uses_index_and_motion() -> None:
    assert resolve(T, "animate-high", single_buttons()) == Submission(
        "video", {"task_id": T, "index": 0, "motion": "high"})


def test_resolve_raw_custom_id() -> None:
    offered = f"MJ::JOB::pan_up::1::{H}::SOLO"
    assert resolve(T, offered, single_buttons()) == Submission(
        "pan", {"task_id": T, "custom_id": offered})
    # Not among the task's buttons (HD upscale ids are not always listed):
    # still sent as it is, to the endpoint of its family.
    hd = f"MJ::JOB::upsample_v6r1_2x_subtle::1::{H}::SOLO"
    assert resolve(T, hd, grid_buttons()) == Submission("upscale", {"task_id": T, "custom_id": hd})
    novel = f"MJ::JOB::zoom_3x::1::{H}::SOLO"
    assert resolve(T, novel, []) == Submission("zoom", {"task_id": T, "custom_id": novel})


@pytest.mark.parametrize(
    ("name", "endpoint", "fields"),
    [*[(f"U{n}", "upscale", {"index": n}) for n in range(1, 5)],
     *[(f"V{n}", "variation", {"index": n}) for n in range(1, 5)],
     ("reroll", "reroll", {}),
     ("vary-subtle", "low-variation", {"index": 1}),
     ("vary-strong", "high-variation", {"index": 1}),
     ("vary-region", "inpaint", {"index": 1}),
     ("zoom-2x", "zoom", {"zoom_ratio": 2}),
     ("zoom-1.5x", "zoom", {"zoom_ratio": 1.5}),
     ("pan-left", "pan", {"direction": "left"}),
     ("pan-right", "pan", {"direction": "right"}),
     ("pan-up", "pan", {"direction": "up"}),
     ("pan-down", "pan", {"direction": "down"}),
     ("animate-low", "video", {"index": 0, "motion": "low"})],
)
def test_resolve_without_known_buttons_lets_the_server_match(
    name: str, endpoint: str, fields: dict[str, Any]
) -> None:
    assert resolve(T, name, []) == Submission(endpoint, {"task_id": T, **fields})
    assert resolve(T, name, ()) == Submission(endpoint, {"task_id": T, **fields})


@pytest.mark.parametrize("name", ["upscale-subtle", "upscale-creative", "upscale-2x",
                                  "custom-zoom", "make-square", "make-variations"])
def test_resolve_refuses_what_needs_a_custom_id(name: str) -> None:
    with pytest.raises(UnknownButton, match="needs the task's own button"):
        resolve(T, name, [])


@pytest.mark.parametrize("name", ["U2", "V4", "zoom-2x", "pan-left", "vary-region"])
def test_resolve_refuses_a_button_the_grid_lacks(name: str) -> None:
    buttons = grid_buttons() if name[0] not in "UV" else single_buttons()
    with pytest.raises(UnknownButton) as info:
        resolve(T, name, buttons)
    message = str(info.value)
    assert f"does not offer {name}" in message and T in message
    assert "it offers:" in message
    offered = message.split("it offers:", 1)[1]
    assert ("U1" in offered) == (name[0] not in "UV")
    assert ("vary-subtle" in offered) == (name[0] in "UV")


@pytest.mark.parametrize("name", ["foo", "U5", "zoom", "pan-sideways", ""])
def test_resolve_refuses_unknown_names(name: str) -> None:
    with pytest.raises(UnknownButton, match="unknown button") as info:
        resolve(T, name, grid_buttons())
    assert "U1-U4" in str(info.value) and "reroll" in str(info.value)


DESCRIBE_BUTTONS = [*(Button(f"MJ::Job::PicReader::{n}", "", f"{n}\ufe0f\u20e3")
                      for n in range(1, 5)),
                    Button("MJ::Job::PicReader::all", "Imagine all", "🎉"),
                    Button("MJ::Picread::Retry", "", "🔄")]


@pytest.mark.parametrize("offered", [DESCRIBE_BUTTONS, []], ids=["offered", "unknown"])
@pytest.mark.parametrize("name", ["describe-again", "Describe-Again", "MJ::Picread::Retry"])
def test_describe_again_is_refused_with_the_reason_not_guessed(
        name: str, offered: list[Button]) -> None:
    """No documented endpoint (docs/api-notes.md#describe): no request, whatever the task
    offers; the reason says what to do instead."""
    reason = "Describe again: a describe's 🔄 has no apimart endpoint, so mjtui does not send it"
    with pytest.raises(UnknownButton, match="has no apimart endpoint") as info:
        resolve(T, name, offered)
    assert str(info.value).startswith(reason) and "`mjtui describe IMAGE`" in str(info.value)
    assert buttons.refusal_of(name) == str(info.value)
    spec = describe_all(DESCRIBE_BUTTONS)[-1]
    assert spec.refusal == buttons.NOT_SENT[ButtonKind.DESCRIBE_AGAIN]
    assert [s.refusal for s in describe_all(grid_buttons() + DESCRIBE_BUTTONS[:5])] == [None] * 14


@pytest.mark.parametrize("name", ["U1", "reroll", "frobnicate", f"MJ::JOB::reroll::0::{H}::SOLO"])
def test_other_buttons_have_no_refusal(name: str) -> None:
    assert buttons.refusal_of(name) is None


def test_cli_names_match_the_issue_list() -> None:
    required = {"reroll", "vary-subtle", "vary-strong", "vary-region", "zoom-2x", "zoom-1.5x",
                "pan-left", "pan-right", "pan-up", "pan-down", "upscale-subtle",
                "upscale-creative"}
    assert required <= set(buttons.CLI_NAMES)
