"""`feedback stats` and `feedback export`: their real output, on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from qa.cli import main
from qa.feedback.database import default_url
from qa.feedback.store import FeedbackStore
from qa.feedback.votes import LIKE
from tests.feedback.helpers import T0, make_vote, set_schema_version


def fill(url: str) -> None:
    with FeedbackStore.open(url) as store:
        store.record(make_vote(question="How many members?", shown_passages=(4, 9), comment="stale", index_id="b1"))
        store.record(make_vote(question="How many members?", index_id="b1", time=T0 + timedelta(minutes=1)))
        store.record(make_vote(question="What is the Charter?", outcome="related", index_id="b2", vote=LIKE))
        store.record(make_vote(question="Weather?", outcome="not_covered", index_id="b2", time=T0 + timedelta(hours=1)))


def test_cli_stats_prints_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    url = default_url(tmp_path / "feedback")
    fill(url)
    assert main(["feedback", "stats", "--feedback-db", url]) == 0
    assert capsys.readouterr().out == (
        f"{url}: 4 votes, 1 like, 3 dislikes\n"
        "\n"
        "outcome      votes  likes  dislikes\n"
        "answered     2      0      2\n"
        "related      1      1      0\n"
        "not_covered  1      0      1\n"
        "\n"
        "dislikes  likes  most disliked questions\n"
        "2         0      How many members?\n"
        "1         0      Weather?\n"
        "\n"
        "index build  votes  likes  dislikes\n"
        "b2           2      1      1\n"
        "b1           2      0      2\n"
    )


def test_cli_stats_json(store_url: str, capsys: pytest.CaptureFixture[str]):
    fill(store_url)
    assert main(["feedback", "stats", "--json", "--top", "1", "--feedback-db", store_url]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert (figures["votes"], figures["likes"], figures["dislikes"]) == (4, 1, 3)
    assert figures["most_disliked"] == [{"question": "How many members?", "votes": 2, "likes": 0, "dislikes": 2}]
    assert [row["index_id"] for row in figures["by_index"]] == ["b2", "b1"]


def test_cli_export_to_stdout_and_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    url = default_url(tmp_path / "feedback")
    fill(url)
    assert main(["feedback", "export", "--feedback-db", url]) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [(c["id"], c["question"], c["evidence"]) for c in lines] == [
        ("fb1", "How many members?", []),
        ("fb2", "How many members?", []),
        ("fb4", "Weather?", []),
    ]
    assert lines[0]["shown_passages"] == [4, 9] and lines[0]["comment"] == "stale"
    out = tmp_path / "candidates.jsonl"
    assert main(["feedback", "export", "--index-id", "b2", "-o", str(out), "--feedback-db", url]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"wrote 1 gold-set candidate to {out} (fill in their evidence)\n"
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["fb4"]


def test_cli_export_to_a_file_it_cannot_write_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    url = default_url(tmp_path / "feedback")
    fill(url)
    out = tmp_path / "no-such-folder" / "candidates.jsonl"
    assert main(["feedback", "export", "-o", str(out), "--feedback-db", url]) == 2
    err = capsys.readouterr().err
    assert err == f"error: cannot write {out}: No such file or directory\n"


def test_cli_on_a_missing_or_empty_store_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "corpus").mkdir()  # a project here: its store is ./feedback/feedback.sqlite3 (qa.config.project_dirs)
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "feedback" / "feedback.sqlite3"
    assert main(["feedback", "stats"]) == 0
    assert capsys.readouterr().out == f"no feedback store at {missing}: nobody has voted yet\n"
    assert main(["feedback", "export"]) == 0
    assert capsys.readouterr().err == f"no feedback store at {missing}: nobody has voted yet\n"
    assert not missing.parent.exists()
    FeedbackStore.open(default_url()).close()
    assert main(["feedback", "stats"]) == 0
    assert capsys.readouterr().out == f"no votes yet in sqlite:///{missing}\n"
    assert main(["feedback", "export"]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"no disliked answers in sqlite:///{missing}\n")


def test_cli_on_an_unreadable_store_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    database = tmp_path / "feedback.sqlite3"
    database.write_bytes(b"this is not a database" * 100)
    assert main(["feedback", "stats", "--feedback-db", f"sqlite:///{database}"]) == 2
    assert capsys.readouterr().err == f"error: feedback store sqlite:///{database}: file is not a database\n"
    url = default_url(tmp_path / "newer")
    FeedbackStore.open(url).close()
    set_schema_version(url, 3)
    assert main(["feedback", "export", "--feedback-db", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: feedback store ") and "schema version 3" in err and err.count("\n") == 1


def test_cli_never_prints_a_password(capsys: pytest.CaptureFixture[str]):
    url = "postgresql://me:hunter22@127.0.0.1:1/feedback"
    assert main(["feedback", "stats", "--feedback-db", url]) == 2
    err = capsys.readouterr().err
    assert "me:***@127.0.0.1:1" in err and "hunter22" not in err
