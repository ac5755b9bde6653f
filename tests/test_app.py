"""app.py: handlers as plain functions, then the launched app through
gradio_client, the way Gradio tests its own demos."""

import gradio as gr
import pytest
from gradio_client import Client

import app

pytestmark = pytest.mark.e2e


def test_ask_json_matches_the_cli_object(real_searcher):
    result = app.ask_json(real_searcher, "Which country joined CICA in 2022?", 3)
    assert result == real_searcher.ask("Which country joined CICA in 2022?", k=3).to_dict()


def test_chat_reply_gives_the_answer_then_sources(real_searcher):
    reply = app.chat_reply(real_searcher, "When did Kuwait join CICA?", 2)
    assert reply.startswith("**Answer:** ")
    assert "**1.** paragraph " in reply and "**2.** paragraph " in reply
    assert "in reply to:" in reply


def test_chat_reply_escapes_html_and_markdown(real_searcher):
    assert app.escape_markdown("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert\\(1\\)&gt;"
    assert app.escape_markdown("[x](javascript:alert(1))") == "\\[x\\]\\(javascript:alert\\(1\\)\\)"


@pytest.mark.parametrize("message", ["", "   "])
def test_blank_chat_message_gets_a_friendly_reply(real_searcher, message):
    assert app.chat_reply(real_searcher, message) == "Please type a question about the interview."


@pytest.mark.parametrize("top_k, expected", [(0, 1), (-3, 1), (3.7, 3), ("4", 4), (10**9, 50)])
def test_top_k_from_the_api_is_clamped(top_k, expected):
    assert app.coerce_top_k(top_k) == expected


@pytest.mark.parametrize("top_k", ["many", None, float("nan")])
def test_non_numeric_top_k_is_a_clear_error(top_k):
    with pytest.raises(gr.Error, match="top_k"):
        app.coerce_top_k(top_k)


def test_launched_app_serves_the_ask_endpoint(real_searcher):
    demo = app.build_demo(real_searcher)
    demo.queue(max_size=16, api_open=False)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True)
    try:
        client = Client(url, verbose=False)
        result = client.predict("Which country took over the chairmanship from Kazakhstan?", 4, api_name="/ask")
        assert result == real_searcher.ask("Which country took over the chairmanship from Kazakhstan?", k=4).to_dict()
        assert len(result["passages"]) == 4
        previous = "Which country took over the chairmanship in December 2024?"
        follow_up = client.predict("What is its main priority?", 3, previous, api_name="/ask")
        assert follow_up == real_searcher.ask("What is its main priority?", 3, previous=previous).to_dict()
        with pytest.raises(Exception, match="empty"):
            client.predict("   ", 4, api_name="/ask")
    finally:
        demo.close()


def test_off_topic_chat_reply_says_the_interview_does_not_cover_it(real_searcher):
    reply = app.chat_reply(real_searcher, "What is the capital of France?", 2)
    assert reply.startswith("The interview does not seem to cover this")
    assert "**Answer:**" not in reply and "**1.** paragraph" in reply


def test_mode_reaches_the_search(real_searcher):
    expected = real_searcher.ask("TurkPA", 3, "keyword").to_dict()
    assert app.ask_json(real_searcher, "TurkPA", 3, mode="keyword") == expected
    with pytest.raises(gr.Error, match="mode must be one of"):
        app.ask_json(real_searcher, "TurkPA", 3, mode="fuzzy")
