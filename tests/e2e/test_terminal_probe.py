"""Terminal probing over slow links: replies never become keys, the right protocol per terminal.

The app-level tests run the real `mjtui --demo` in a pty played by `PtyTerminal`, which
answers the queries 0, 150, 400 or 1,000 ms late, or never, as a terminal behind SSH does.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
from pty_terminal import (
    KITTY_0_26,
    KITTY_0_35,
    WEZTERM,
    XTERM_16,
    XTERM_256,
    XTERM_VT340,
    PtyTerminal,
    TerminalProfile,
)

from mjtui.known_terminals import identify
from mjtui.ui.terminal_probe import ProbeAnswers, parse_replies, queries
from mjtui.ui.terminal_replies import HOLD_SECONDS, ReplyFilter
from mjtui.ui.terminals import ProtocolChoice, choose_protocol

ROOT = Path(__file__).resolve().parents[2]
DA1_SIXEL = "\x1b[?62;4;22c"

# -- the reply filter ---------------------------------------------------------------------------

REPLIES = [
    DA1_SIXEL,
    "\x1b[?62;c",
    "\x1b[>1;4000;29c",  # DA2
    "\x1b[6;20;10t",
    "\x1b[4;800;1200t",
    "\x1b_Gi=31;OK\x1b\\",
    "\x1b_Gi=31;EINVAL:bad\x1b\\",
    "\x1bP>|kitty(0.26.5)\x1b\\",
    "\x1bP1$r0m\x1b\\",
    "\x1bP1+r544e=787465726d\x1b\\",
    "\x1b]11;rgb:0000/0000/0000\x1b\\",
    "\x1b]10;rgb:ffff/ffff/ffff\x07",
]


@pytest.mark.parametrize("reply", REPLIES)
def test_a_reply_is_taken_out_wherever_it_falls(reply: str) -> None:
    replies: list[str] = []
    reply_filter = ReplyFilter(on_reply=replies.append)
    assert reply_filter.feed(f"ab{reply}cd", 0.0) == "abcd"
    assert replies == [reply]


@pytest.mark.parametrize("reply", REPLIES)
def test_a_reply_cut_by_reads_is_still_taken_out(reply: str) -> None:
    for cut in range(1, len(reply)):
        reply_filter = ReplyFilter()
        got = reply_filter.feed("x" + reply[:cut], 0.0) + reply_filter.feed(reply[cut:] + "y", 0.01)
        assert got == "xy", (cut, got)
        assert reply_filter.swallowed == 1


KEYS = [
    "hello",
    "\x1b[A\x1b[B\x1b[1;5C",  # arrows, ctrl+right
    "\x1b[48;40;120;800;1200t",  # Textual's in-band resize: Textual's, not ours
    "\x1b[?2026;2$y",  # Textual's own mode query answer
    "\x1bPx",  # alt+shift+p then x: not a DCS reply
    "\x1b]x",  # alt+] then x
    "\x1b_x",  # alt+_ then x
    "\x1b[200~\x1b[?62;4c/world\x1bP>|x\x1b\\\x1b[201~",  # a paste: left whole
    "é ü 😀",
]


@pytest.mark.parametrize("keys", KEYS)
def test_keys_and_pastes_pass_untouched(keys: str) -> None:
    reply_filter = ReplyFilter()
    assert reply_filter.feed(keys, 0.0) + reply_filter.flush(1.0) == keys
    assert reply_filter.swallowed == 0


def test_a_lone_escape_is_held_briefly_then_passed() -> None:
    reply_filter = ReplyFilter()
    assert reply_filter.feed("\x1b", 0.0) == ""
    assert reply_filter.holding
    assert reply_filter.flush(HOLD_SECONDS / 2) == ""
    assert reply_filter.flush(HOLD_SECONDS) == "\x1b"
    assert not reply_filter.holding


def test_with_no_answer_due_a_lone_escape_passes_at_once() -> None:
    reply_filter = ReplyFilter()
    assert reply_filter.feed(f"{DA1_SIXEL}", 0.0) == ""  # the sentinel came, even late
    assert not reply_filter.expecting
    assert reply_filter.feed("\x1b", 0.0) == "\x1b" and not reply_filter.holding
    # Replies are still taken out when they come anyway.
    assert reply_filter.feed("\x1bP>|kitty(0.26.5)\x1b\\q", 0.0) == "q"
    assert ReplyFilter(expecting=False).feed("\x1b", 0.0) == "\x1b"


def test_a_paste_cut_by_reads_is_left_whole() -> None:
    paste = "\x1b[200~task_01KKJB9SJAF9J0DBXNTMRGPSGJ \x1b[?62;c\x1b[201~"
    reply_filter = ReplyFilter()
    got = "".join(reply_filter.feed(paste[i : i + 3], i) for i in range(0, len(paste), 3))
    assert got + reply_filter.flush(1e9) == paste


def test_an_endless_string_is_not_held_forever() -> None:
    reply_filter = ReplyFilter()
    text = "\x1bP>|" + "x" * 5000
    assert reply_filter.feed(text, 0.0) + reply_filter.flush(1.0) == text


# -- reading the answers -------------------------------------------------------------------------


def test_parse_replies() -> None:
    facts = parse_replies([
        "\x1bP>|kitty(0.35.2)\x1b\\", "\x1b_Gi=31;OK\x1b\\", "\x1b[6;18;9t", DA1_SIXEL,
    ])
    assert facts == {"version": "kitty(0.35.2)", "kitty_graphics": True, "cell_size": (9, 18),
                     "attributes": (62, 4, 22)}
    assert parse_replies(["\x1b_Gi=31;ENOTSUPPORTED:no\x1b\\"]) == {"kitty_graphics": False}


def test_the_probe_ends_with_the_da1_sentinel() -> None:
    sent = queries(kitty=True, cell_size=True)
    assert sent.endswith("\x1b[c") and sent.count("\x1b[c") == 1
    assert sent.index("\x1b[>0q") < sent.index("\x1b_G") < sent.index("\x1b[16t")
    assert "\x1b_G" not in queries(kitty=False, cell_size=False)


# -- choosing from the table ---------------------------------------------------------------------


def _answers(version: str | None, *, kitty: bool = False, sixel: bool = False) -> ProbeAnswers:
    attributes = (62, 4) if sixel else (62,)
    return ProbeAnswers(answered=True, version=version, kitty_graphics=kitty,
                        attributes=attributes)


@pytest.mark.parametrize(
    ("answers", "env", "name", "why"),
    [
        (_answers("kitty(0.35.2)", kitty=True), {}, "tgp", "kitty(0.35.2) draws Kitty placeholders"),
        (_answers("kitty(0.28.0)", kitty=True), {}, "tgp", "draws Kitty placeholders"),
        (_answers("kitty(0.26.5)", kitty=True), {}, "halfcell",
         "kitty(0.26.5) has no Kitty placeholders (they came in 0.28.0)"),
        (_answers("ghostty 1.1.3", kitty=True), {}, "tgp", "ghostty 1.1.3 draws"),
        (_answers("WezTerm 20240203-110809-5046fc22", kitty=True, sixel=True), {}, "sixel",
         "WezTerm draws no Kitty placeholders; sixel reported"),
        (_answers("Konsole 230805", kitty=True, sixel=True), {}, "sixel", "sixel reported"),
        (_answers(None, kitty=True), {}, "halfcell", "not known to draw Kitty placeholders"),
        (_answers("SomethingNew 1.0", kitty=True, sixel=True), {}, "sixel", "sixel reported"),
        (_answers("XTerm(379)", sixel=True), {}, "sixel", "sixel reported"),
        (_answers("XTerm(379)"), {}, "halfcell", "no Kitty graphics or sixel answer"),
        (_answers("foot(1.16.2)", sixel=True), {}, "sixel", "sixel reported"),
        (_answers("tmux 3.4", sixel=True), {"TMUX": "/tmp/t,1,0"}, "sixel", "inside tmux"),
        (_answers("kitty(0.35.2)", kitty=True), {"TMUX": "/tmp/t,1,0"}, "halfcell", "inside tmux"),
        (_answers("tmux 3.3a"), {}, "halfcell", "inside tmux"),
        (ProbeAnswers(answered=False, elapsed=1.0), {}, "halfcell",
         "the terminal did not answer within 1.0s"),
        (None, {}, "halfcell", "the terminal did not answer"),
    ],
)
def test_choose_protocol_from_the_terminal_table(
    answers: ProbeAnswers | None, env: dict[str, str], name: str, why: str
) -> None:
    choice = choose_protocol("auto", is_tty=True, env=env, answers=answers)
    assert choice.name == name and why in choice.reason, choice


def test_choose_protocol_forced_and_not_a_terminal() -> None:
    assert choose_protocol("TGP", is_tty=False, env={}, answers=None) == ProtocolChoice(
        "tgp", "forced (--images tgp)")
    assert choose_protocol("auto", is_tty=False, env={}, answers=None).name == "unicode"
    with pytest.raises(ValueError, match="unknown image protocol"):
        choose_protocol("kitty", is_tty=True, env={}, answers=None)


def test_identify_reads_versions() -> None:
    terminal, version = identify("kitty(0.26.5)")
    assert terminal is not None and terminal.name == "kitty" and version == (0, 26, 5)
    assert identify("nobody")[0] is None and identify(None)[0] is None


# -- detection in a pty that answers late or never ---------------------------------------------

DETECT = """
import json, sys
from mjtui.ui import preview
choice = preview.detect_terminal_protocol(sys.argv[1])
facts = preview.current_facts()
answers = facts.answers
with open(sys.argv[2], "w") as out:
    json.dump({"name": choice.name, "reason": choice.reason,
               "cell": [facts.cell_width, facts.cell_height],
               "answered": answers.answered if answers else None,
               "elapsed": answers.elapsed if answers else None,
               "leftover": answers.leftover.decode() if answers else None,
               "truecolor_forced": facts.truecolor_forced}, out)
preview.restore_terminal_mode()
"""


def detect(tmp_path: Path, profile: TerminalProfile, delay: float | None,
           requested: str = "auto", typed: str = "") -> tuple[dict[str, object], bytes]:
    result = tmp_path / "facts.json"
    argv = [sys.executable, "-c", DETECT, requested, str(result)]
    with PtyTerminal(argv, profile, delay=delay, env={"PYTHONPATH": str(ROOT)}) as terminal:
        if typed:
            terminal.wait_for(b"\x1b[c")
            terminal.type_keys(typed)
        assert terminal.wait_exit(30) == 0, bytes(terminal.output)
        return json.loads(result.read_text()), bytes(terminal.output)


@pytest.mark.parametrize("delay", [0.0, 0.15, 0.4])
def test_answers_within_the_budget_are_used(tmp_path: Path, delay: float) -> None:
    facts, written = detect(tmp_path, XTERM_VT340, delay)
    assert facts["name"] == "sixel" and facts["answered"]
    assert written.count(b"\x1b[c") == 1  # one round trip, not one per query


@pytest.mark.parametrize("delay", [1.5, None])
def test_no_answer_within_the_budget_gives_halfcell(tmp_path: Path, delay: float | None) -> None:
    facts, _ = detect(tmp_path, KITTY_0_35, delay)
    assert facts["name"] == "halfcell" and not facts["answered"]
    assert "did not answer" in str(facts["reason"])


def test_keys_typed_during_the_probe_are_kept(tmp_path: Path) -> None:
    facts, _ = detect(tmp_path, XTERM_VT340, 0.4, typed="/abc")
    assert facts["leftover"] == "/abc" and facts["name"] == "sixel"


def test_old_kitty_gets_no_kitty_graphics(tmp_path: Path) -> None:
    facts, _ = detect(tmp_path, KITTY_0_26, 0.15)
    assert facts["name"] == "halfcell" and "0.28.0" in str(facts["reason"])


def test_kitty_graphics_force_true_colour_when_colorterm_is_missing(tmp_path: Path) -> None:
    facts, _ = detect(tmp_path, KITTY_0_35, 0.15)
    assert facts["name"] == "tgp" and facts["truecolor_forced"]


@pytest.mark.parametrize("requested", ["halfcell", "unicode", "none"])
def test_forced_cell_protocols_send_no_query(tmp_path: Path, requested: str) -> None:
    facts, written = detect(tmp_path, XTERM_VT340, 0.0, requested=requested)
    assert facts["name"] == requested and b"\x1b" not in written


def test_forced_sixel_asks_only_the_cell_size(tmp_path: Path) -> None:
    facts, written = detect(tmp_path, XTERM_VT340, 0.0, requested="sixel")
    assert b"\x1b[16t" in written and b"\x1b_G" not in written
    assert facts["cell"] == [10, 20] and facts["name"] == "sixel"


# -- the whole app over a slow link -------------------------------------------------------------


def run_demo(tmp_path: Path, profile: TerminalProfile, delay: float | None, *,
             keys: str = "", burst: bool = True, settle: bytes = b"every 4s"
             ) -> tuple[bytes, dict[str, object]]:
    """Start `mjtui --demo`, wait for its status line, type `keys`, quit; (output, session)."""
    env = {"MJTUI_DATA_DIR": str(tmp_path / "data"), "MJTUI_CACHE_DIR": str(tmp_path / "cache"),
           "MJTUI_CONFIG_DIR": str(tmp_path / "config"), "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "mjtui", "--demo", "--images", "auto"]
    with PtyTerminal(argv, profile, delay=delay, env=env) as terminal:
        start = terminal.wait_for(b"\x1b[?1049h", 30)
        terminal.wait_for(settle, 30, start)
        if keys:
            terminal.type_keys(keys, burst=burst)
            terminal.wait_for(b"\x1b[?2026l", 10, len(terminal.output))  # a frame after them
        if delay is not None:  # answers after the budget must have come before the check
            terminal.wait_answered(10)
            terminal.type_keys("j")
            terminal.wait_for(b"\x1b[?2026l", 10, len(terminal.output))
        terminal.type_keys("q")
        assert terminal.wait_exit(30) == 0
        output = bytes(terminal.output)
    session = tomllib.loads((tmp_path / "data" / "sessions" / "demo.toml").read_text())
    return output, session


@pytest.mark.parametrize("delay", [0.0, 0.15, 0.4, 1.0, 1.5, None])
def test_late_answers_never_reach_the_dashboard(tmp_path: Path, delay: float | None) -> None:
    output, session = run_demo(tmp_path, KITTY_0_26, delay)
    assert session["view"]["filter"] == ""
    screen = output[output.index(b"\x1b[?1049h"):]
    assert b"No task matches the filter" not in screen
    assert b"every 5s" not in screen and b"62;c" not in screen


def test_late_answers_with_keys_typed_one_per_read(tmp_path: Path) -> None:
    output, session = run_demo(tmp_path, XTERM_VT340, 1.0, keys="jjk", burst=False)
    assert session["view"]["filter"] == ""
    assert b"?62" not in output[output.index(b"\x1b[?1049h"):]


def test_kitty_over_ssh_writes_placeholders_in_true_colour(tmp_path: Path) -> None:
    output, _ = run_demo(tmp_path, KITTY_0_35, 0.15, settle=b"\x1b_G")
    screen = output[output.index(b"\x1b[?1049h"):]
    placeholder = "\U0010eeee".encode()
    assert placeholder in screen
    # Every placeholder run is coloured with a 24-bit id, never a 256-colour index.
    for match in re.finditer(rb"\x1b\[([0-9;]*)m" + re.escape(placeholder), screen):
        assert b"38;2;" in match.group(1), match.group(0)


@pytest.mark.parametrize("profile", [XTERM_256, XTERM_16, WEZTERM])
def test_terminals_without_placeholders_get_no_kitty_graphics(
    tmp_path: Path, profile: TerminalProfile
) -> None:
    output, _ = run_demo(tmp_path, profile, 0.15)
    screen = output[output.index(b"\x1b[?1049h"):]
    assert "\U0010eeee".encode() not in screen and b"\x1b_Ga=" not in screen


def test_diagnostics_say_what_the_terminal_answered() -> None:
    from mjtui.ui.diagnostics_facts import probe_facts
    from mjtui.ui.preview import TerminalFacts

    answers = ProbeAnswers(answered=True, elapsed=0.212, attributes=(62, 4), version="foot(1.16.2)",
                           kitty_graphics=False)
    choice = choose_protocol("auto", is_tty=True, env={}, answers=answers)
    facts = TerminalFacts(choice, 10, 20, "test", "foot", "", False, True, "0.12.0", answers,
                          truecolor_forced=True)
    shown = {key: value for _, key, value in probe_facts(facts)}
    assert shown["probe"] == "answered in 212 ms"
    assert shown["version (XTVERSION)"] == "foot(1.16.2)"
    assert shown["attributes (DA1)"] == "62;4 (sixel)"
    assert shown["Kitty graphics query"] == "refused"
    assert "true colour forced" in shown["colour"]
