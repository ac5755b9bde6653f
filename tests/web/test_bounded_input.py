"""Bounded input: records sent back by the browser capped at what the chat
shows and cleaned, a lone surrogate dropped with its record, a long address
refused with 414, invisible and direction characters kept out of comments."""

from __future__ import annotations

import asyncio
import copy
import sqlite3

from qa.web.conversation import MAX_SHOWN, turns_from_records
from qa.web.handlers import respond
from qa.web.http_guard import RequestGuard
from tests.web.chat import asked

QUESTION = "When did Kuwait join CICA?"


def test_a_record_with_more_passages_than_the_chat_shows_is_dropped(tiny_searcher):
    (record,) = asked(tiny_searcher, QUESTION, k=3)
    big = copy.deepcopy(record)
    big["passages"] = [[i, min(i + 1, MAX_SHOWN), 0.5, "interview.txt", 0, "interviewee"] for i in range(MAX_SHOWN + 1)]
    assert MAX_SHOWN == 10
    assert [t.question for t in turns_from_records([record, big], 20)] == [QUESTION]


def test_the_chat_shows_at_most_the_sliders_maximum(tiny_searcher):
    _, _, records = respond(tiny_searcher, QUESTION, [], 50, "hybrid")  # an API caller asking for 50
    assert records[0]["top_k"] == MAX_SHOWN and len(records[0]["passages"]) <= MAX_SHOWN
    assert len(turns_from_records(records, 20)) == 1  # and the record comes back


def test_a_records_question_is_cleaned_as_a_question_is(tiny_searcher):
    (record,) = asked(tiny_searcher, QUESTION)
    record["question"] = "When\u200b did \u202eKuwait\n\n join?"
    record["previous"] = "What \u2066is\u2069 CICA?"
    (turn,) = turns_from_records([record], 20)
    assert (turn.question, turn.previous) == ("When did Kuwait join?", "What is CICA?")


def test_a_lone_surrogate_drops_its_record_not_the_stream(tiny_searcher):
    first, second = asked(tiny_searcher, QUESTION, "What is CICA?")
    second["note"] = ""
    broken = copy.deepcopy(first)
    broken["sentence"] = dict(broken["sentence"] or {}, text="an answer \ud800 here") if broken["sentence"] else None
    broken["index_id"] = "build \udfff"
    kept = turns_from_records([broken, second], 20)
    assert [t.question for t in kept] == ["What is CICA?"]
    _, _, records = respond(tiny_searcher, "What about Kuwait?", [broken, second], 3, "hybrid")
    assert all("\ud800" not in str(r) and "\udfff" not in str(r) for r in records)


async def _call(query: bytes) -> list:
    sent: list = []
    reached: list = []

    async def app(scope, receive, send):
        reached.append(scope["query_string"])

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await RequestGuard(app, max_body_bytes=1 << 20)(
        {"type": "http", "method": "GET", "path": "/", "query_string": query, "headers": [(b"content-length", b"0")]},
        receive,
        send,
    )
    return [sent, reached]


def test_an_address_over_16_kB_is_refused_with_414_in_one_line():
    sent, reached = asyncio.run(_call(b"q=" + b"x" * (16 * 1024)))
    assert reached == [] and sent[0]["status"] == 414
    assert sent[1]["body"] == b'{"detail": "the address is longer than 16 kB"}'
    sent, reached = asyncio.run(_call(b"q=" + b"x" * (16 * 1024 - 2)))
    assert sent == [] and len(reached) == 1


def test_comments_lose_invisible_and_direction_characters(tiny_searcher, store):
    from qa.web import voting

    records = asked(tiny_searcher, QUESTION, store=store)
    _, _, reference = voting.vote(store, records, 1, False)
    marks = "\u200b\u200c\u200d\u200e\u200f\u061c\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    assert voting.send_comment(store, reference, f"out{marks}dated \u202eevil") == voting.COMMENT_SAVED
    with sqlite3.connect(store._path) as db:  # as stored, not as read back (reading cleans again)
        (comment,) = db.execute("SELECT comment FROM feedback_votes").fetchone()
    assert comment == "out dated evil"  # each mark a space, spaces collapsed
    assert store.disliked()[0].vote.comment == comment
