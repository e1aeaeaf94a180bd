"""The task ID contract: `task_` and 16-40 ASCII letters and digits, one rule for the Add
dialog, a paste and every command-line argument (exit 2 before any request)."""

from __future__ import annotations

import pytest
from cli_fixtures import cli

from mjtui.api.addresses import check_task_id, find_task_ids, is_task_id, split_task_ids
from mjtui.api.errors import InvalidTaskId

GOOD = "task_01KV52C0TEJSYZMCG0NCS4YWKK"
OTHER = "task_01KAAAAAAAAAAAAAAAAA"


@pytest.mark.parametrize("text", [GOOD, "task_" + "a" * 16, "task_" + "Z9" * 20])
def test_task_ids_by_the_contract(text: str) -> None:
    assert is_task_id(text) and check_task_id(text) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [("task_123", "is not a task ID"), ("task_" + "a" * 41, "is not a task ID"),
     ("not_a_task", "is not a task ID"), ("TASK_01KV52C0TEJSYZMCG0NC", "is not a task ID"),
     ("task_01KV52C0TEJSYZMCG0-NC", "is not a task ID"), ("task_ü1KV52C0TEJSYZMCG0", "not a task"),
     ("a/b", "contains '/'"), ("", "empty")],
)
def test_anything_else_is_refused_saying_why(text: str, reason: str) -> None:
    assert not is_task_id(text)
    with pytest.raises(InvalidTaskId, match=reason):
        check_task_id(text)


def test_ids_are_pulled_out_of_any_text() -> None:
    text = (f'hello world task_123 "{GOOD}" {OTHER};{GOOD}\n'
            f'https://api.apimart.ai/v1/tasks/{OTHER}?language=en {{"id": "task_01KCCCCCCCCCCCCCCCCC"}}')
    ids, ignored, repeated = split_task_ids(text)
    assert ids == [GOOD, OTHER, "task_01KCCCCCCCCCCCCCCCCC"]
    assert ignored == ["hello", "world", "task_123", "id"]
    assert repeated == [GOOD, OTHER]
    assert find_task_ids("no ids here, task_short") == []


@pytest.mark.parametrize("argv", [
    ["status", "not_a_task"], ["status", GOOD, "task_123"], ["watch", "hello"],
    ["action", "task_123", "U1"], ["modal", '"task_01KV52C0TEJSYZMCG0NCS4YWKK"'],
])
def test_commands_refuse_a_non_id_with_exit_2_before_anything(capsys, monkeypatch, argv) -> None:
    # No token, no server: a usage error is said before either is needed.
    monkeypatch.delenv("APIMART_API_KEY", raising=False)
    monkeypatch.setenv("APIMART_BASE_URL", "https://unreachable.invalid")
    code, out, err = cli(capsys, *argv)
    assert code == 2 and out == ""
    assert "is not a task ID: a task ID is task_ followed by 16-40 letters and digits" in err


def test_dashboard_refuses_a_non_id_argument(capsys, monkeypatch) -> None:
    monkeypatch.delenv("APIMART_API_KEY", raising=False)
    code, _, err = cli(capsys, GOOD, "hello")
    assert code == 2 and "'hello' is not a task ID" in err


def test_action_on_a_failed_task_says_it_failed(capsys, monkeypatch) -> None:
    from cli_fixtures import point_at

    from mjtui.fake import FakeApimart, LoopbackFakeServer

    with LoopbackFakeServer(FakeApimart(queue_seconds=0, run_seconds=0.1)) as server:
        fake = point_at(server, monkeypatch)
        code, out, _ = cli(capsys, "imagine", "a boxer --fail bruised")
        failed = out.strip()
        fake.job(failed).submitted_at -= 120
        fake.requests.clear()
        code, out, err = cli(capsys, "action", failed, "U1")
    assert code == 1 and out == ""
    assert f"task {failed} failed (Banned prompt detected: bruised): a failed task has no " \
        "buttons to press" in err
    assert "nothing to press yet" not in err
    assert [r.method for r in fake.requests] == ["GET"]  # read, nothing posted
