"""The feedback store on SQLite (tmp_path) and on a real PostgreSQL server,
and the `feedback stats` / `feedback export` commands' real output.

PostgreSQL comes from $QA_TEST_POSTGRES_URL (.ci/run starts Debian's server
and sets it; `url=$(.ci/postgres)` does the same by hand, as root). Without
it the PostgreSQL cases skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from qa.cli import main
from qa.errors import FeedbackError, FeedbackNotFound, InvalidArgument, InvalidVote
from qa.eval.datasets import load_gold
from qa.feedback import store as store_module
from qa.feedback import votes as feedback
from qa.feedback.store import FeedbackStore, default_url
from qa.feedback.votes import DISLIKE, LIKE, StoredVote, Tally, Vote

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def make_vote(**changes: object) -> Vote:
    fields: dict[str, object] = {
        "question": "How many member states does CICA have?",
        "outcome": "answered",
        "index_id": "build-a",
        "vote": DISLIKE,
        "time": T0,
    }
    fields.update(changes)
    return Vote(**fields)  # type: ignore[arg-type]


# --- PostgreSQL: one server per session, one fresh schema per test ------------


@pytest.fixture(scope="session")
def postgres_server() -> str:
    url = os.environ.get("QA_TEST_POSTGRES_URL", "")
    in_ci = os.environ.get("CI", "").lower() == "true"
    if not url:
        reason = "no PostgreSQL server: set QA_TEST_POSTGRES_URL (as root, `.ci/postgres` starts one and prints it)"
        if in_ci:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    problem = None
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        problem = str(exc).splitlines()[0]
    finally:
        engine.dispose()
    if problem:  # a set but unreachable URL is a broken setup, never a skip; failed
        # outside the except block so that pytest shows no driver frames (and their conninfo)
        pytest.fail(f"QA_TEST_POSTGRES_URL is set but the server does not answer: {problem}")
    return url


@pytest.fixture
def postgres_url(postgres_server: str):
    """The server's URL with search_path set to a schema made for this test, dropped after."""
    schema = f"qa_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(postgres_server).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_server).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return default_url(tmp_path / "feedback")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url: str):
    with FeedbackStore.open(store_url) as opened:
        yield opened


def set_schema_version(url: str, version: int) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed)
    with engine.begin() as conn:
        conn.execute(text("UPDATE feedback_meta SET schema_version = :v"), {"v": version})
    engine.dispose()


# --- Votes: validation, cleaning, bounds --------------------------------------


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"vote": 0}, "+1 (like) or -1 (dislike)"),
        ({"vote": 2}, "+1 (like) or -1 (dislike)"),
        ({"vote": True}, "+1 (like) or -1 (dislike)"),
        ({"outcome": "maybe"}, "expected one of answered, related, not_covered"),
        ({"question": " \n\x00 "}, "needs the question"),
        ({"time": datetime(2025, 3, 1, 12, 0)}, "timezone-aware"),
        ({"shown_passages": (1, "2")}, "whole numbers"),
        ({"comment": None}, "comment must be text"),
    ],
)
def test_a_bad_vote_is_a_domain_error(changes, message):
    with pytest.raises(InvalidVote, match=message.replace("+", r"\+").replace("(", r"\(").replace(")", r"\)")):
        make_vote(**changes)


def test_every_outcome_is_accepted_and_time_becomes_utc():
    for outcome in ("answered", "related", "not_covered"):
        assert make_vote(outcome=outcome).outcome == outcome
    plus_two = timezone(timedelta(hours=2))
    assert make_vote(time=datetime(2025, 3, 1, 14, 0, tzinfo=plus_two)).time == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_texts_lose_control_characters_and_are_cut():
    vote = make_vote(
        question="Who\x1b[2J chairs\tCICA?\x00\ud800 \u202eevil\u200b\ufeffone",
        previous="p" * 1500,
        answer="a" * 2500,
        comment="too\nold " + "c" * 600,
        index_id="i" * 300,
    )
    # One cleaner for everything people send (qa.inputs): control, zero-width and
    # direction characters become spaces, runs of spaces one.
    assert vote.question == "Who [2J chairs CICA? evil one"
    assert len(vote.previous) == feedback.MAX_QUESTION == 1000
    assert len(vote.answer) == feedback.MAX_ANSWER == 2000
    assert vote.comment.startswith("too old ") and len(vote.comment) == feedback.MAX_COMMENT == 500
    assert len(vote.index_id) == feedback.MAX_INDEX_ID


# --- The store, on both databases ---------------------------------------------


def test_round_trip(store: FeedbackStore):
    disliked = make_vote(
        previous="What is CICA?",
        answer="The Conference now has 28 member states.",
        shown_passages=(7, 3, 12),
        comment="It asked about observers too",
        index_id="sha256:abc123",
    )
    liked = make_vote(question="When did Kuwait join?", vote=LIKE, time=T0 + timedelta(seconds=1))
    first = store.record(disliked)
    second = store.record(liked)
    assert second > first
    assert store.disliked() == [StoredVote(first, disliked)]
    assert store.stats().votes == 2


def test_long_and_dirty_texts_are_stored_cut_and_clean(store: FeedbackStore):
    # A NUL or a lone surrogate would make PostgreSQL (and UTF-8) refuse the row.
    vote = make_vote(question="q\x00\ud800" * 600, comment="c" * 900, answer=None)
    store.record(vote)
    [stored] = store.disliked()
    assert (
        stored.vote.question == " ".join(["q"] * 600)[: feedback.MAX_QUESTION].rstrip()
    )  # each NUL, surrogate a space
    assert len(stored.vote.comment) == 500
    assert stored.vote.answer is None


def test_a_comment_is_added_once_to_a_dislike_without_one(store: FeedbackStore):
    disliked, liked = store.record(make_vote()), store.record(make_vote(vote=LIKE))
    commented = store.record(make_vote(comment="stale"))
    assert store.add_comment(disliked, "  Kuwait joined in 2022,\nnot 2021 " + "x" * 600)
    assert not store.add_comment(disliked, "a second comment")  # the first stays
    assert not store.add_comment(liked, "a like takes none")
    assert not store.add_comment(commented, "replaced?")
    assert not store.add_comment(disliked + 100, "no such vote")
    assert not store.add_comment(store.record(make_vote()), " \x00 ")  # nothing left once cleaned
    comments = {stored.id: stored.vote.comment for stored in store.disliked()}
    assert comments[disliked] == ("Kuwait joined in 2022, not 2021 " + "x" * 600)[: feedback.MAX_COMMENT]
    assert comments[commented] == "stale"


def test_stats_on_hand_made_votes(store: FeedbackStore):
    # build-a was voted on first, build-b later: by_index lists build-b first.
    votes = [
        ("build-a", "How many members?", "answered", DISLIKE),
        ("build-a", "How many members?", "answered", DISLIKE),
        ("build-a", "When did Kuwait join?", "answered", LIKE),
        ("build-a", "What is the Charter?", "related", DISLIKE),
        ("build-b", "How many members?", "answered", DISLIKE),
        ("build-b", "When did Kuwait join?", "answered", LIKE),
        ("build-b", "What is the weather?", "not_covered", LIKE),
        ("build-b", "What is the Charter?", "related", LIKE),
    ]
    for minute, (index_id, question, outcome, vote) in enumerate(votes):
        store.record(
            make_vote(
                index_id=index_id, question=question, outcome=outcome, vote=vote, time=T0 + timedelta(minutes=minute)
            )
        )
    stats = store.stats()
    assert (stats.votes, stats.likes, stats.dislikes) == (8, 4, 4)
    assert stats.by_outcome == (Tally("answered", 2, 3), Tally("related", 1, 1), Tally("not_covered", 1, 0))
    assert stats.most_disliked == (Tally("How many members?", 0, 3), Tally("What is the Charter?", 1, 1))
    assert stats.by_index == (Tally("build-b", 3, 1), Tally("build-a", 1, 3))
    assert store.stats(top=1).most_disliked == (Tally("How many members?", 0, 3),)
    assert stats.to_dict()["by_outcome"][0] == {"outcome": "answered", "votes": 5, "likes": 2, "dislikes": 3}


def test_an_empty_store_has_zero_stats(store: FeedbackStore):
    stats = store.stats()
    assert stats == feedback.EMPTY_STATS
    assert stats.votes == 0 and store.disliked() == []


def test_disliked_filters_by_index_build(store: FeedbackStore):
    a = store.record(make_vote(index_id="build-a"))
    store.record(make_vote(index_id="build-b"))
    store.record(make_vote(index_id="build-a", vote=LIKE))
    assert [s.id for s in store.disliked(index_id="build-a")] == [a]
    assert len(store.disliked()) == 2


def test_export_records_are_gold_set_lines_awaiting_evidence(store: FeedbackStore, tmp_path: Path):
    row = store.record(
        make_vote(previous="What is CICA?", answer="28 states.", shown_passages=(4, 9), comment="stale", index_id="b1")
    )
    [candidate] = [s.to_gold_candidate() for s in store.disliked()]
    assert candidate == {
        "id": f"fb{row}",
        "question": "How many member states does CICA have?",
        "evidence": [],
        "split": "dev",
        "previous": "What is CICA?",
        "shown_passages": [4, 9],
        "answer": "28 states.",
        "comment": "stale",
        "index_id": "b1",
    }
    gold = tmp_path / "candidates.jsonl"
    gold.write_text(json.dumps(candidate) + "\n", encoding="utf-8")
    # The gold-set loader refuses a candidate until a person fills in the evidence...
    with pytest.raises(InvalidArgument, match="evidence must not be empty"):
        load_gold(gold)
    # ...and then reads it as any gold question.
    gold.write_text(json.dumps({**candidate, "evidence": ["the number of Member States increased to 28"]}) + "\n")
    [item] = load_gold(gold)
    assert (item.id, item.question, item.split) == (f"fb{row}", candidate["question"], "dev")


@pytest.mark.parametrize("shared", [True, False], ids=["one store, 20 threads", "a store per thread"])
def test_many_users_at_once(store_url: str, shared: bool):
    """20 threads x 10 votes, started together. A store per thread also races
    the creation of the tables, as app replicas starting at once would."""
    threads, votes_each = 20, 10
    start = threading.Barrier(threads)
    errors: list[BaseException] = []
    ids: list[int] = []
    common = FeedbackStore.open(store_url) if shared else None

    def user(number: int) -> None:
        try:
            start.wait()
            own = common or FeedbackStore.open(store_url)
            for i in range(votes_each):
                ids.append(
                    own.record(make_vote(question=f"user {number} question {i}", vote=LIKE if i % 2 else DISLIKE))
                )
            if own is not common:
                own.close()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=user, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert len(set(ids)) == threads * votes_each
    with FeedbackStore.open(store_url) as check:
        stats = check.stats()
        assert (stats.votes, stats.likes, stats.dislikes) == (200, 100, 100)
    if common:
        common.close()


def test_a_newer_schema_is_refused_in_one_line(store_url: str):
    FeedbackStore.open(store_url).close()
    set_schema_version(store_url, store_module.SCHEMA_VERSION + 1)
    with pytest.raises(FeedbackError) as caught:
        FeedbackStore.open(store_url)
    message = str(caught.value)
    assert "schema version 2; this program reads up to 1" in message and "\n" not in message


def test_an_older_schema_is_migrated(store_url: str, monkeypatch: pytest.MonkeyPatch):
    FeedbackStore.open(store_url).close()  # a version 1 store
    steps: list[int] = []
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(store_module, "MIGRATIONS", {1: lambda conn: steps.append(1)})
    with FeedbackStore.open(store_url) as store:
        store.record(make_vote())
    assert steps == [1]
    with FeedbackStore.open(store_url):
        pass
    assert steps == [1], "a migrated store is not migrated again"
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 1)
    with pytest.raises(FeedbackError, match="schema version 2"):
        FeedbackStore.open(store_url)


def test_open_without_create_finds_no_store(store_url: str, tmp_path: Path):
    with pytest.raises(FeedbackNotFound, match="nobody has voted yet"):
        FeedbackStore.open(store_url, create=False)
    assert not (tmp_path / "feedback").exists(), "looking must not create the store"
    FeedbackStore.open(store_url).close()
    with FeedbackStore.open(store_url, create=False) as store:
        assert store.stats().votes == 0


# --- SQLite specifics -----------------------------------------------------------


def test_sqlite_store_is_made_on_first_use_in_wal_mode(tmp_path: Path):
    directory = tmp_path / "feedback"
    url = default_url(directory)
    assert url == f"sqlite:///{directory}/feedback.sqlite3"
    assert not directory.exists()
    with FeedbackStore.open(url) as store:
        store.record(make_vote())
    database = directory / "feedback.sqlite3"
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT schema_version FROM feedback_meta").fetchall() == [(1,)]
        assert conn.execute("SELECT count(*) FROM feedback_votes").fetchone() == (1,)


@pytest.mark.parametrize("how", ["removed", "replaced", "directory removed"])
def test_votes_after_the_sqlite_file_is_removed_or_replaced_are_kept(tmp_path: Path, how: str, caplog):
    """Before, the pool's connections went on writing into the removed file:
    the chat thanked the reader and the vote was gone."""
    directory = tmp_path / "feedback"
    url = default_url(directory)
    database = directory / "feedback.sqlite3"
    with FeedbackStore.open(url) as store:
        store.record(make_vote(question="before", vote=LIKE))
        if how == "directory removed":
            shutil.rmtree(directory)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        if how == "replaced":
            with FeedbackStore.open(url) as other:
                other.record(make_vote(question="elsewhere", vote=LIKE))
        vote_id = store.record(make_vote(question="after", vote=DISLIKE))
        assert store.add_comment(vote_id, "kept too")
    assert "was removed or replaced: opening it again" in caplog.text
    with FeedbackStore.open(url, create=False) as reopened:
        stored = [(v.vote.question, v.vote.comment) for v in reopened.disliked()]
        assert stored == [("after", "kept too")]
        assert reopened.stats().votes == (2 if how == "replaced" else 1)


def test_the_sqlite_file_alone_holds_the_votes_while_the_app_runs(tmp_path: Path):
    """WAL mode kept every vote (and the tables) in feedback.sqlite3-wal until
    the app closed: a copy or a move of the file the README names had none."""
    url = default_url(tmp_path / "feedback")
    with FeedbackStore.open(url) as store:
        vote_id = store.record(make_vote(question="kept", vote=DISLIKE))
        store.add_comment(vote_id, "and its comment")
        copy = tmp_path / "copy.sqlite3"
        shutil.copyfile(tmp_path / "feedback" / "feedback.sqlite3", copy)  # the file alone, while the store is open
        with FeedbackStore.open(f"sqlite:///{copy}", create=False) as copied:
            assert [(v.vote.question, v.vote.comment) for v in copied.disliked()] == [("kept", "and its comment")]


def test_default_url_survives_odd_directory_names(tmp_path: Path):
    directory = tmp_path / "a b?c#d%e"
    with FeedbackStore.open(default_url(directory)) as store:
        store.record(make_vote())
    assert (directory / "feedback.sqlite3").is_file()


@pytest.mark.parametrize(
    "url, expected",
    [
        ("mysql://me:hunter22@db/feedback", "unsupported database 'mysql'"),
        ("sqlite://", "needs a file path"),
        ("not a url", "Could not parse"),
        ("postgresql://me:hunter22@127.0.0.1:1/feedback", "Connection refused"),
    ],
)
def test_an_unopenable_store_is_one_line_without_its_password(url: str, expected: str):
    with pytest.raises(FeedbackError) as caught:
        FeedbackStore.open(url)
    message = str(caught.value)
    assert expected in message and message.startswith("feedback store ")
    assert "hunter22" not in message and "\n" not in message


def test_an_unwritable_directory_is_one_line(tmp_path: Path):
    blocker = tmp_path / "feedback"
    blocker.write_text("a file where the store's directory should be")
    with pytest.raises(FeedbackError, match=r"^feedback store sqlite:///.*feedback\.sqlite3: .*Not a directory"):
        FeedbackStore.open(default_url(blocker / "sub"))


# --- The CLI --------------------------------------------------------------------


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
    monkeypatch.chdir(tmp_path)  # the default store: ./feedback/feedback.sqlite3
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
    set_schema_version(url, 2)
    assert main(["feedback", "export", "--feedback-db", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: feedback store ") and "schema version 2" in err and err.count("\n") == 1


def test_cli_never_prints_a_password(capsys: pytest.CaptureFixture[str]):
    url = "postgresql://me:hunter22@127.0.0.1:1/feedback"
    assert main(["feedback", "stats", "--feedback-db", url]) == 2
    err = capsys.readouterr().err
    assert "me:***@127.0.0.1:1" in err and "hunter22" not in err
