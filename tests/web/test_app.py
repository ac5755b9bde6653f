"""app.py: handlers as plain functions, then the launched app through
gradio_client and the page's own HTTP requests, the way Gradio tests its own demos."""

import html
import json
import sqlite3
import subprocess
import sys
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import gradio as gr
import pytest
from gradio_client import Client

from qa.errors import FeedbackError
from qa.feedback.store import FeedbackStore, default_url
from qa.feedback.votes import DISLIKE, MAX_COMMENT
from qa.inputs import MAX_QUESTION_CHARS
from qa.web import handlers, page, render, serve, voting
from qa.web.conversation import Turn, to_records, turns_from_records
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e


def test_ask_json_matches_the_cli_object(real_searcher):
    result = handlers.ask_json(real_searcher, "Which country joined CICA in 2022?", 3)
    assert result == real_searcher.ask("Which country joined CICA in 2022?", k=3).to_dict()


def test_chat_reply_gives_the_answer_then_cited_passages(real_searcher):
    reply, is_question = handlers.chat_reply(real_searcher, "When did Kuwait join CICA?", [], 2)
    assert is_question
    assert reply.startswith('<div class="qa-answer"><strong>Answer</strong>')
    assert reply.count('<div class="qa-card">') == 2
    assert "paragraph 4" in reply and "In reply to:" in reply
    assert "Kuwait joining in 2022" in reply.split("<mark>")[1].split("</mark>")[0]
    assert "<details><summary>Context" in reply


def test_chat_reads_a_follow_up_with_the_earlier_question(real_searcher):
    earlier = ["Which country took over the chairmanship in December 2024?"]
    reply, _ = handlers.chat_reply(real_searcher, "What is its main priority?", earlier, 3)
    assert "Read together with your earlier question" in reply and "December 2024" in reply
    assert "adopt the Charter" in reply


def test_chat_reads_a_short_question_about_something_new_alone(real_searcher):
    earlier = ["When did Kuwait join?", "Which country took over the chairmanship in December 2024?"]
    reply, leans = handlers.chat_reply(real_searcher, "What is the capital of France?", earlier, 3)
    assert "Read together" not in reply and "The interview does not seem to cover this" in reply
    assert not leans


@pytest.mark.parametrize("message", ["", "   ", None])
def test_blank_chat_message_gets_a_friendly_reply(real_searcher, message):
    assert handlers.chat_reply(real_searcher, message, []) == (
        render.text("Please type a question about the interview."),
        False,
    )


def test_over_long_chat_message_says_the_limit(real_searcher):
    reply, is_question = handlers.chat_reply(real_searcher, "why " * 400, [])
    assert "longer than 1000 characters" in reply and not is_question


@pytest.mark.parametrize("top_k, expected", [(0, 1), (-3, 1), (3.7, 3), ("4", 4), (10**9, 50)])
def test_top_k_from_the_api_is_clamped(top_k, expected):
    assert handlers.coerce_top_k(top_k) == expected


@pytest.mark.parametrize("top_k", ["many", None, float("nan")])
def test_non_numeric_top_k_is_a_clear_error(top_k):
    with pytest.raises(gr.Error, match="top_k"):
        handlers.coerce_top_k(top_k)


def test_launched_app_serves_the_ask_endpoint(launched_app, real_searcher):
    client = Client(launched_app, verbose=False)
    result = client.predict("Which country took over the chairmanship from Kazakhstan?", 4, api_name="/ask")
    assert result == real_searcher.ask("Which country took over the chairmanship from Kazakhstan?", k=4).to_dict()
    assert len(result["passages"]) == 4
    previous = "Which country took over the chairmanship in December 2024?"
    follow_up = client.predict("What is its main priority?", 3, previous, api_name="/ask")
    assert follow_up == real_searcher.ask("What is its main priority?", 3, previous=previous).to_dict()
    keyword = client.predict("TurkPA", 2, "", "keyword", api_name="/ask")
    assert keyword == real_searcher.ask("TurkPA", 2, "keyword").to_dict()
    with pytest.raises(Exception, match="empty"):
        client.predict("   ", 4, api_name="/ask")


def test_only_the_ask_endpoint_is_public(launched_app):
    endpoints = Client(launched_app, verbose=False).view_api(print_info=False, return_format="dict")
    assert list(endpoints["named_endpoints"]) == ["/ask"]
    assert endpoints["unnamed_endpoints"] == {}


def test_off_topic_chat_reply_says_the_interview_does_not_cover_it(real_searcher):
    reply, _ = handlers.chat_reply(real_searcher, "What is the capital of France?", [], 2)
    assert reply.startswith('<div class="qa-answer qa-low">The interview does not seem to cover this')
    assert "<strong>Answer</strong>" not in reply and reply.count('<div class="qa-card qa-low">') == 2
    assert "<mark>" not in reply


def test_follow_ups_lean_on_the_last_question_the_interview_answers(real_searcher):
    earlier = []
    for message in ("Which country took over the chairmanship in December 2024?", "<img src=x onerror=alert(1)>"):
        _, leans = handlers.chat_reply(real_searcher, message, earlier, 3)
        earlier = [*earlier, message] if leans else earlier
    assert earlier == ["Which country took over the chairmanship in December 2024?"]
    reply, _ = handlers.chat_reply(real_searcher, "What is its main priority?", earlier, 3)
    assert "Read together with your earlier question" in reply and "December 2024" in reply


def test_mode_reaches_the_search(real_searcher):
    expected = real_searcher.ask("TurkPA", 3, "keyword").to_dict()
    assert handlers.ask_json(real_searcher, "TurkPA", 3, mode="keyword") == expected
    with pytest.raises(gr.Error, match="mode must be one of"):
        handlers.ask_json(real_searcher, "TurkPA", 3, mode="fuzzy")


def test_the_app_sends_no_telemetry(real_searcher, monkeypatch):
    import gradio.analytics

    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "True")  # Gradio's default, which a CI may have changed
    sent = []
    monkeypatch.setattr(gradio.analytics, "_do_analytics_request", lambda **kw: sent.append(kw["topic"]))
    monkeypatch.setattr(gradio.analytics, "version_check", lambda: sent.append("version check"))
    demo = page.build_demo(real_searcher)
    serve.launch(demo, "127.0.0.1", None, prevent_thread_lock=True, quiet=True)
    try:
        Client(demo.local_url, verbose=False).predict("When did Kuwait join?", 1, api_name="/ask")
    finally:
        demo.close()
    assert sent == []


def test_requests_do_not_rebuild_the_unused_monitoring_summary(launched_app, monkeypatch):
    import gradio.queueing

    built, original = [], gradio.queueing.Queue._get_df
    monkeypatch.setattr(
        gradio.queueing.Queue, "_get_df", staticmethod(lambda records: built.append(records) or original(records))
    )
    client = Client(launched_app, verbose=False)
    for question in ("When did Kuwait join?", "Who chairs CICA?"):
        client.predict(question, 1, api_name="/ask")
    assert built == []


@pytest.mark.parametrize(
    "question, top_k, message",
    [
        ("   ", 4, "the question is empty"),
        ("When did Kuwait join?", "many", "top_k must be a number from 1 to 50"),
        ("why " * 400, 4, "the question is longer than 1000 characters"),
    ],
)
def test_api_errors_arrive_as_written_not_wrapped_in_quotes(launched_app, real_searcher, question, top_k, message):
    with pytest.raises(gr.Error) as caught:
        handlers.ask_json(real_searcher, question, top_k)
    assert caught.value.message == message
    client = Client(launched_app, verbose=False)
    with pytest.raises(Exception) as remote:
        client.predict(question, top_k, api_name="/ask")
    assert str(remote.value) == message


def test_an_over_long_previous_question_is_refused_by_the_api(launched_app, real_searcher):
    """As the question is: before, 1,500 characters of ``previous`` were cut to
    1,000 without a word and changed the answer."""
    with pytest.raises(gr.Error) as caught:
        handlers.ask_json(real_searcher, "Kuwait?", 3, "why " * 375)
    assert caught.value.message == "the previous question is longer than 1000 characters"
    client = Client(launched_app, verbose=False)
    with pytest.raises(Exception) as remote:
        client.predict("Kuwait?", 3, "why " * 375, api_name="/ask")
    assert str(remote.value) == "the previous question is longer than 1000 characters"
    for wrong in (["Which country took over?"], {"q": 1}, 3):  # before: ignored, the question answered alone
        with pytest.raises(gr.Error) as caught:
            handlers.ask_json(real_searcher, "What is its main priority?", 3, wrong)
        assert caught.value.message == "the previous question must be text"


def page_event(url: str, elem_id: str, trigger: str) -> tuple[int, int]:
    """The page's event on the component ``elem_id`` (its id, and the component's)."""
    config = json.loads(urllib.request.urlopen(f"{url}config", timeout=30).read())
    component = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id)
    return next(d["id"] for d in config["dependencies"] if [component, trigger] in d["targets"]), component


def chat_event(url: str) -> tuple[int, int]:
    """The page's "question submitted" event, and the question box's id."""
    return page_event(url, "question", "submit")


def send_event(url: str, event: int, trigger: int, data: list, event_data: dict | None = None) -> dict:
    """One event sent as the page sends it (through the queue, then its event
    stream); the final message of the stream."""
    session = uuid.uuid4().hex
    body = {"data": data, "fn_index": event, "trigger_id": trigger, "session_hash": session, "event_data": event_data}
    request = urllib.request.Request(
        f"{url}gradio_api/queue/join", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=30).read()
    with urllib.request.urlopen(f"{url}gradio_api/queue/data?session_hash={session}", timeout=60) as stream:
        for line in stream:
            if line.startswith(b"data: "):
                message = json.loads(line[len(b"data: ") :])
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError("the event stream ended without process_completed")


def chat_over_http(url: str, message: str, records: list | None = None) -> dict:
    """One question sent as the page sends it: the turns kept in the browser come along."""
    event, box = chat_event(url)
    return send_event(url, event, box, [message, records or [], 2, "hybrid"])


def shown(update: dict) -> list[str]:
    """The chat's messages as texts (Gradio 6 sends each as a list of parts)."""
    return [part["text"] for turn in update["value"] for part in turn["content"]]


def test_a_lone_surrogate_sent_to_the_chat_is_removed(launched_app):
    """JSON's "\\ud800" arrives as a lone surrogate, which the reply could not be sent back with."""
    done = chat_over_http(launched_app, "When did Kuwait \ud800 join?")
    assert done["success"], done
    _, chat, records = done["output"]["data"]
    assert shown(chat)[0] == "When did Kuwait join?"
    assert "Kuwait joining in 2022" in shown(chat)[1]
    assert records[0]["question"] == "When did Kuwait join?"


def test_the_chat_turn_cleans_the_message_before_showing_and_keeping_it(real_searcher):
    box, chat, records = handlers.respond(real_searcher, "When did Kuwait\u200b \udfff join?", [], 2, "hybrid")
    assert box == ""
    assert [turn["role"] for turn in chat["value"]] == ["user", "assistant"]
    assert chat["value"][0]["content"] == "When did Kuwait join?"
    assert [turn.question for turn in turns_from_records(records, 20)] == ["When did Kuwait join?"]
    json.dumps([chat, records], ensure_ascii=False).encode("utf-8")  # no lone surrogate left to fail on


def test_an_over_long_chat_message_is_refused_without_keeping_it(real_searcher):
    message = "Why did Kuwait join? " * 250  # 5,250 characters
    _, chat, records = handlers.respond(real_searcher, message, [], 2, "hybrid")
    assert "longer than 1000 characters" in chat["value"][1]["content"]
    (turn,) = turns_from_records(records, 20)
    assert len(turn.question) == MAX_QUESTION_CHARS + 1 and turn.question.endswith("…")  # cut, with an ellipsis
    assert turn.outcome is None and not turn.can_be_previous


def test_the_longest_conversation_the_chat_keeps_is_well_within_the_request_limit(
    real_searcher, launched_app, feedback_url
):
    """The page sends the turns kept in the browser with every event, so the
    chat keeps the last KEPT_TURNS: the largest request, a vote (its event
    data carries the reply voted on) with 20 turns of 10 passages and
    1,000-character questions of characters HTML escapes, fits the server's
    limit with room to spare, and is stored."""
    records = []
    for n in range(handlers.KEPT_TURNS + 5):
        question = f"{n} When did Kuwait join? " + "&<" * 480
        _, chat, records = handlers.respond(real_searcher, question, records, 10, "hybrid")
    assert len(records) == handlers.KEPT_TURNS and len(chat["value"]) == 2 * handlers.KEPT_TURNS
    assert records[-1]["question"].startswith(f"{handlers.KEPT_TURNS + 4} When did Kuwait join?")
    reply = gr.Chatbot().postprocess(chat["value"]).model_dump()[-1]["content"]  # as the page holds it
    event_data = {"index": 2 * handlers.KEPT_TURNS - 1, "value": reply, "liked": True}
    request = json.dumps({"data": [records], "event_data": event_data, "fn_index": 0})
    print(f"largest chat request: {len(request.encode()) / 1024:.0f} kB")
    assert len(request.encode()) < serve.MAX_REQUEST_BYTES / 2
    before = votes_in(feedback_url)
    done = send_event(launched_app, *page_event(launched_app, "chat", "like"), [records], event_data)
    assert done["success"], done
    assert votes_in(feedback_url) == before + 1
    assert done["output"]["data"][0][-1]["vote"] == "like"


def test_the_questions_kept_for_follow_ups_are_bounded_too(real_searcher):
    refused = [Turn.refused(f"Question {n}?", "Sorry.", "b1", 5, "hybrid") for n in range(handlers.KEPT_TURNS)]
    earlier = to_records(refused)
    _, _, records = handlers.respond(real_searcher, "When did Kuwait join CICA?", earlier, 2, "hybrid")
    assert [r["question"] for r in records] == [*(r["question"] for r in earlier[1:]), "When did Kuwait join CICA?"]


def votes_in(url: str) -> int:
    with FeedbackStore.open(url) as store:
        return store.stats().votes


# --- The conversation: retry, undo, reload, /?q=, download --------------------


def asked(searcher, *questions: str, k: int = 3) -> list:
    records: list = []
    for question in questions:
        _, _, records = handlers.respond(searcher, question, records, k, "hybrid")
    return records


def test_retry_asks_the_last_question_again_with_the_settings_now(real_searcher):
    records = asked(real_searcher, "When did Kuwait join CICA?", "What is its main priority?")
    chat, again = handlers.retry(real_searcher, records, 5, "keyword")
    assert again[0] == records[0] and len(again) == 2
    assert (again[1]["question"], again[1]["top_k"], again[1]["mode"]) == ("What is its main priority?", 5, "keyword")
    assert again[1]["previous"] == "When did Kuwait join CICA?"  # still read with the question before it
    assert chat["value"][3]["content"].count('<div class="qa-card') == 5
    assert handlers.retry(real_searcher, [], 5, "hybrid")[1] == []


def test_undo_takes_the_last_turn_back_into_the_question_box(real_searcher):
    records = asked(real_searcher, "When did Kuwait join CICA?", "What is the CICA Fund?")
    box, chat, kept = handlers.undo(real_searcher, records)
    assert box == "What is the CICA Fund?" and kept == records[:1] and len(chat["value"]) == 2
    assert handlers.undo(real_searcher, [])[0] == ""


def test_the_page_opening_restores_the_conversation_then_asks_the_addresss_question(real_searcher):
    records = asked(real_searcher, "Which country took over the chairmanship in December 2024?")
    chat, restored = handlers.restore(real_searcher, records, None)
    assert restored == records and len(chat["value"]) == 2
    chat, restored = handlers.restore(real_searcher, records, "What is its main priority?")
    assert [r["question"] for r in restored] == [records[0]["question"], "What is its main priority?"]
    assert restored[1]["previous"] == records[0]["question"]  # a follow-up, as typed in the chat
    assert "adopt the Charter" in chat["value"][3]["content"]
    assert handlers.restore(real_searcher, "not a list", "  ")[1] == []


def test_a_reply_from_an_index_build_that_is_gone_shows_what_the_turn_holds(real_searcher):
    (record,) = asked(real_searcher, "When did Kuwait join CICA?")
    chat, _ = handlers.restore(real_searcher, [record | {"index_id": "a-gone-build"}])
    reply = chat["value"][1]["content"]
    assert reply.startswith(f'<div class="qa-note">{render.EARLIER_BUILD}</div>')
    assert "Kuwait joining in 2022" in reply and "qa-card" not in reply and "Copy with citation" in reply


def test_every_reply_carries_its_copy_buttons_after_the_answer(real_searcher):
    chat = handlers.restore(real_searcher, asked(real_searcher, "When did Kuwait join CICA?"))[0]
    reply = chat["value"][1]["content"]
    assert reply.index("qa-answer") < reply.index("qa-actions") < reply.index("qa-card")
    link = html.unescape(reply.split('class="qa-copy qa-copy-link" value="')[1].split('"')[0])
    assert link == "?q=When%20did%20Kuwait%20join%20CICA%3F"


def test_the_download_is_the_conversation_in_markdown(real_searcher):
    records = asked(real_searcher, "What is the capital of France?", "When did Kuwait join CICA?")
    text = handlers.conversation_file(records)
    assert text.startswith(
        "# Conversation with the CICA interview\n\n## 1. What is the capital of France?\n\n"
        "The interview does not seem to cover this.\n\nPassages shown:\n\n1. cica_interview.txt, paragraph "
    )
    assert "\n## 2. When did Kuwait join CICA?\n\n> “The CICA family” is consistently growing;" in text
    assert "Saudi Arabia in 2023.\n\n— Kairat Sarybay, interview on Kazakhstan's CICA chairmanship, ¶4\n" in text
    assert "\n1. cica_interview.txt, paragraph 4\n" in text
    assert text.endswith(f"Answered by index build {real_searcher.index_id}.\n")


def test_the_index_id_is_the_start_of_the_manifests_own_checksum(real_config, real_searcher):
    written = json.loads((real_config.index_dir / "manifest.json").read_text(encoding="utf-8"))["sha256"]
    assert real_searcher.index_id == written[:12] and len(real_searcher.index_id) == 12
    assert f"build {real_searcher.index_id}" in handlers.index_status(real_searcher)


# --- Feedback: votes, comments, bounds, failures, --no-feedback ---------------


@pytest.fixture
def store(tmp_path):
    with FeedbackStore.open(default_url(tmp_path)) as opened:
        yield opened


def test_a_vote_is_stored_with_everything_the_reader_was_shown(real_searcher, store):
    records = asked(
        real_searcher, "Which country took over the chairmanship in December 2024?", "What is its main priority?"
    )
    turn = turns_from_records(records, 20)[1]
    began = datetime.now(UTC)
    records, notice, awaiting = voting.vote(store, records, 3, False)  # the second reply is chat message 3
    assert notice == voting.ASK_COMMENT and awaiting is not None
    assert (
        voting.send_comment(store, awaiting, "  Not the <b>priority</b>: " + "x" * 900)
        == "Thank you: your comment is saved."
    )
    (stored,) = store.disliked()
    v = stored.vote
    assert stored.id == awaiting
    assert (v.question, v.previous, v.outcome, v.vote) == (
        "What is its main priority?",
        "Which country took over the chairmanship in December 2024?",
        turn.outcome,
        DISLIKE,
    )
    assert v.answer == (turn.sentence.text if turn.sentence else None)
    assert v.shown_passages == tuple(p.id for p in turn.passages) and len(v.shown_passages) == 3
    assert v.index_id == real_searcher.index_id
    assert v.comment == ("Not the <b>priority</b>: " + "x" * 900)[:MAX_COMMENT]  # bounded, kept as typed
    assert began - timedelta(seconds=1) <= v.time <= datetime.now(UTC)
    assert records[1]["vote"] == "dislike" and records[0]["vote"] is None


def test_a_like_is_stored_and_asks_for_nothing(real_searcher, store):
    records, notice, awaiting = voting.vote(store, asked(real_searcher, "When did Kuwait join CICA?"), 1, True)
    assert (notice, awaiting, records[0]["vote"]) == (voting.THANKS, None, "like")
    assert store.stats().likes == 1 and store.stats().votes == 1


def test_only_the_first_vote_on_a_reply_is_kept(real_searcher, store):
    records = asked(real_searcher, "When did Kuwait join CICA?")
    records, _, _ = voting.vote(store, records, 1, True)
    for liked in (False, True, ""):  # the other thumb, the same again, a thumb taken back
        again, notice, awaiting = voting.vote(store, records, 1, liked)
        assert (again, notice, awaiting) == (records, "Your first vote on this answer (like) is kept.", None)
    assert store.stats().votes == 1


@pytest.mark.parametrize("index", [0, 2, 3, -1, "1", None, True])
def test_a_vote_on_no_reply_stores_nothing(real_searcher, store, index):
    records = asked(real_searcher, "When did Kuwait join CICA?")
    assert voting.vote(store, records, index, True) == (records, voting.GONE, None)
    assert store.stats().votes == 0


def test_a_refused_message_has_nothing_to_vote_on(real_searcher, store):
    records = asked(real_searcher, "   ")
    assert voting.vote(store, records, 1, False) == (records, voting.NOTHING_TO_VOTE, None)
    assert voting.send_comment(store, None, "a comment with no vote") == ""
    assert store.stats().votes == 0


class FailingStore:
    """A store whose database has gone away (what FeedbackStore raises then)."""

    def record(self, vote):
        raise FeedbackError("feedback store postgresql://qa@db/qa: connection refused")

    def add_comment(self, vote_id, comment):
        raise FeedbackError("feedback store postgresql://qa@db/qa: connection refused")


def test_a_vote_the_store_cannot_take_costs_the_vote_not_the_chat(real_searcher, caplog):
    records = asked(real_searcher, "When did Kuwait join CICA?")
    again, notice, awaiting = voting.vote(FailingStore(), records, 1, False)
    assert (again, notice, awaiting) == (records, voting.VOTE_FAILED, None)  # no vote noted: the reader may try again
    assert voting.send_comment(FailingStore(), 7, "stale") == voting.COMMENT_FAILED
    assert [r.getMessage() for r in caplog.records] == [
        "warning: a vote was not stored: feedback store postgresql://qa@db/qa: connection refused",
        "warning: a comment was not stored: feedback store postgresql://qa@db/qa: connection refused",
    ]


def test_a_vote_on_a_store_whose_table_is_gone_is_a_notice(real_searcher, tmp_path):
    with FeedbackStore.open(default_url(tmp_path)) as broken:
        with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:
            db.execute("DROP TABLE feedback_votes")
        records = asked(real_searcher, "When did Kuwait join CICA?")
        assert voting.vote(broken, records, 1, True) == (records, voting.VOTE_FAILED, None)


def component(demo: gr.Blocks, elem_id: str) -> dict | None:
    return next((c for c in demo.config["components"] if c.get("props", {}).get("elem_id") == elem_id), None)


def test_without_a_store_there_are_no_thumbs_and_no_comment_box(real_searcher, store):
    with_votes, without = page.build_demo(real_searcher, store), page.build_demo(real_searcher, None)
    assert component(with_votes, "chat")["props"]["likeable"] is True
    assert component(with_votes, "comment")["props"]["max_length"] == MAX_COMMENT
    assert component(without, "chat")["props"]["likeable"] is False
    assert component(without, "chat")["props"].get("feedback_options") is None
    assert component(without, "comment") is None
    chat = component(without, "chat")["id"]
    assert not any([chat, "like"] in d["targets"] for d in without.config["dependencies"])


def test_the_page_keeps_the_conversation_in_the_browser_under_a_fixed_key(real_searcher):
    demo = page.build_demo(real_searcher, None)
    (kept,) = [c for c in demo.config["components"] if c["type"] == "browserstate"]
    assert (kept["props"]["storage_key"], kept["props"]["secret"]) == (page.CONVERSATION_KEY, page.CONVERSATION_SECRET)


def run_app(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "app.py", *argv], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_a_feedback_store_that_cannot_be_opened_stops_the_start_in_one_line():
    result = run_app("--feedback-db", "postgresql://qa:s3cret-pw@127.0.0.1:1/qa")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: feedback store postgresql://qa:***@127.0.0.1:1/qa: ")
    assert line.endswith("; choose another store with --feedback-db, or run with --no-feedback")
    assert "s3cret-pw" not in result.stderr


def test_readme_documents_every_flag_of_the_app():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for action in serve.build_parser()._actions:
        longest = max(action.option_strings, key=len, default=None)
        if longest and longest != "--help":
            assert f"`{longest}" in readme, longest


def test_feedback_db_and_no_feedback_do_not_go_together():
    result = run_app("--feedback-db", "sqlite:///x.sqlite3", "--no-feedback")
    assert result.returncode == 2 and "not allowed with argument" in result.stderr


# --- The launched page's vote route ---------------------------------------------


def test_a_dislike_and_its_comment_through_the_page_land_in_the_store(launched_app, feedback_url):
    done = chat_over_http(launched_app, "What did the Youth Council work on?")
    records = done["output"]["data"][2]
    like, chat = page_event(launched_app, "chat", "like")
    before = votes_in(feedback_url)
    done = send_event(launched_app, like, chat, [records], {"index": 1, "value": [], "liked": False})
    assert done["success"], done
    records, notice, panel, _, _ = done["output"]["data"]
    assert records[0]["vote"] == "dislike" and panel["visible"] is True
    assert notice == render.text(voting.ASK_COMMENT)
    assert votes_in(feedback_url) == before + 1
    with FeedbackStore.open(feedback_url) as store:
        latest = store.disliked()[-1].vote
    assert latest.question == "What did the Youth Council work on?" and latest.vote == DISLIKE
