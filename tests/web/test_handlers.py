"""The chat's and the API's handlers as plain functions: a question in, a
reply or the ask object out."""

import json
from html import unescape

import gradio as gr
import pytest

from qa.inputs import MAX_QUESTION_CHARS
from qa.web import handlers, render
from qa.web.conversation import Turn, to_records, turns_from_records


def test_ask_json_matches_the_cli_object(tiny_searcher):
    result = handlers.ask_json(tiny_searcher, "Which country joined CICA in 2022?", 3)
    assert result == tiny_searcher.ask("Which country joined CICA in 2022?", k=3).to_dict()


def test_chat_reply_gives_the_answer_then_cited_passages(real_searcher):
    reply, is_question = handlers.chat_reply(real_searcher, "When did Kuwait join CICA?", [], 2)
    assert is_question
    assert reply.startswith('<div class="qa-reply qa-answered">\n<p class="qa-outcome"><span class="qa-badge">Answered')
    # The passage the answer comes from open, its sentence marked; the other under "More passages (1)".
    assert reply.count('<div class="qa-card qa-main">') == 1 and reply.count('<div class="qa-card">') == 1
    assert "<summary>More passages (1)</summary>" in reply
    assert ">¶4</a>" in reply and "score" not in unescape(reply)
    assert "Kuwait joining in 2022" in unescape(reply.split("<mark>")[1].split("</mark>")[0])


def test_chat_reads_a_follow_up_with_the_earlier_question(real_searcher):
    earlier = ["Which country took over the chairmanship in December 2024?"]
    reply, _ = handlers.chat_reply(real_searcher, "What is its main priority?", earlier, 3)
    assert "Read together with your earlier question" in reply and "December 2024" in reply
    assert "adopt the Charter" in reply


def test_chat_reads_a_short_question_about_something_new_alone(real_searcher):
    earlier = ["When did Kuwait join?", "Which country took over the chairmanship in December 2024?"]
    reply, leans = handlers.chat_reply(real_searcher, "What is the capital of France?", earlier, 3)
    assert "Read together" not in reply and "The interview is not about this." in unescape(reply)
    assert not leans


@pytest.mark.parametrize("message", ["", "   ", None])
def test_blank_chat_message_gets_a_friendly_reply(tiny_searcher, message):
    assert handlers.chat_reply(tiny_searcher, message, []) == (
        render.refused("Please type a question about the interview."),
        False,
    )


def test_over_long_chat_message_says_the_limit(tiny_searcher):
    reply, is_question = handlers.chat_reply(tiny_searcher, "why " * 400, [])
    assert "longer than 1000 characters" in reply and not is_question


@pytest.mark.parametrize("top_k, expected", [(0, 1), (-3, 1), (3.7, 3), ("4", 4), (10**9, 50)])
def test_top_k_from_the_api_is_clamped(top_k, expected):
    assert handlers.coerce_top_k(top_k) == expected


@pytest.mark.parametrize("top_k", ["many", None, float("nan")])
def test_non_numeric_top_k_is_a_clear_error(top_k):
    with pytest.raises(gr.Error, match="top_k"):
        handlers.coerce_top_k(top_k)


def test_off_topic_chat_reply_says_the_interview_does_not_cover_it(real_searcher):
    reply, _ = handlers.chat_reply(real_searcher, "What is the capital of France?", [], 2)
    assert reply.startswith('<div class="qa-reply qa-not-covered">\n<p class="qa-outcome">')
    assert "Not about the interview</span>" in reply and "The interview is not about this." in unescape(reply)
    # Both passages, collapsed: none is open, none is marked.
    assert reply.count('<div class="qa-card">') == 2 and "qa-main" not in reply and "<mark>" not in reply
    assert "<summary>The closest passages, about something else (2)</summary>" in reply


def test_follow_ups_lean_on_the_last_question_the_interview_answers(real_searcher):
    earlier = []
    for message in ("Which country took over the chairmanship in December 2024?", "<img src=x onerror=alert(1)>"):
        _, leans = handlers.chat_reply(real_searcher, message, earlier, 3)
        earlier = [*earlier, message] if leans else earlier
    assert earlier == ["Which country took over the chairmanship in December 2024?"]
    reply, _ = handlers.chat_reply(real_searcher, "What is its main priority?", earlier, 3)
    assert "Read together with your earlier question" in reply and "December 2024" in reply


def test_mode_reaches_the_search(tiny_searcher):
    expected = tiny_searcher.ask("TurkPA", 3, "keyword").to_dict()
    assert handlers.ask_json(tiny_searcher, "TurkPA", 3, mode="keyword") == expected
    with pytest.raises(gr.Error, match="mode must be one of"):
        handlers.ask_json(tiny_searcher, "TurkPA", 3, mode="fuzzy")


def test_the_chat_turn_cleans_the_message_before_showing_and_keeping_it(tiny_searcher):
    box, chat, records = handlers.respond(tiny_searcher, "When did Kuwait\u200b \udfff join?", [], 2, "hybrid")
    assert box == ""
    assert [turn["role"] for turn in chat["value"]] == ["user", "assistant"]
    assert chat["value"][0]["content"] == "When did Kuwait join?"
    assert [turn.question for turn in turns_from_records(records, 20)] == ["When did Kuwait join?"]
    json.dumps([chat, records], ensure_ascii=False).encode("utf-8")  # no lone surrogate left to fail on


def test_an_over_long_chat_message_is_refused_without_keeping_it(tiny_searcher):
    message = "Why did Kuwait join? " * 250  # 5,250 characters
    _, chat, records = handlers.respond(tiny_searcher, message, [], 2, "hybrid")
    assert "longer than 1000 characters" in chat["value"][1]["content"]
    (turn,) = turns_from_records(records, 20)
    assert len(turn.question) == MAX_QUESTION_CHARS + 1 and turn.question.endswith("…")  # cut, with an ellipsis
    assert turn.outcome is None and not turn.can_be_previous


def test_the_questions_kept_for_follow_ups_are_bounded_too(tiny_searcher):
    refused = [Turn.refused(f"Question {n}?", "Sorry.", "b1", 5, "hybrid") for n in range(handlers.KEPT_TURNS)]
    earlier = to_records(refused)
    _, _, records = handlers.respond(tiny_searcher, "When did Kuwait join CICA?", earlier, 2, "hybrid")
    assert [r["question"] for r in records] == [*(r["question"] for r in earlier[1:]), "When did Kuwait join CICA?"]
