"""app.py: handlers as plain functions, then the launched app through
gradio_client, the way Gradio tests its own demos."""

import json
import urllib.request
import uuid

import gradio as gr
import pytest
from gradio_client import Client

import app
from qa.questions import MAX_QUESTION_CHARS

pytestmark = pytest.mark.e2e


def test_ask_json_matches_the_cli_object(real_searcher):
    result = app.ask_json(real_searcher, "Which country joined CICA in 2022?", 3)
    assert result == real_searcher.ask("Which country joined CICA in 2022?", k=3).to_dict()


def test_chat_reply_gives_the_answer_then_cited_passages(real_searcher):
    reply, is_question = app.chat_reply(real_searcher, "When did Kuwait join CICA?", [], 2)
    assert is_question
    assert reply.startswith('<div class="qa-answer"><strong>Answer</strong>')
    assert reply.count('<div class="qa-card">') == 2
    assert "paragraph 4" in reply and "In reply to:" in reply
    assert "Kuwait joining in 2022" in reply.split("<mark>")[1].split("</mark>")[0]
    assert "<details><summary>Context" in reply


def test_chat_reads_a_follow_up_with_the_earlier_question(real_searcher):
    earlier = ["Which country took over the chairmanship in December 2024?"]
    reply, _ = app.chat_reply(real_searcher, "What is its main priority?", earlier, 3)
    assert "Read together with your earlier question" in reply and "December 2024" in reply
    assert "adopt the Charter" in reply


@pytest.mark.parametrize("message", ["", "   ", None])
def test_blank_chat_message_gets_a_friendly_reply(real_searcher, message):
    assert app.chat_reply(real_searcher, message, []) == ("Please type a question about the interview.", False)


def test_over_long_chat_message_says_the_limit(real_searcher):
    reply, is_question = app.chat_reply(real_searcher, "why " * 400, [])
    assert "longer than 1000 characters" in reply and not is_question


@pytest.mark.parametrize("top_k, expected", [(0, 1), (-3, 1), (3.7, 3), ("4", 4), (10**9, 50)])
def test_top_k_from_the_api_is_clamped(top_k, expected):
    assert app.coerce_top_k(top_k) == expected


@pytest.mark.parametrize("top_k", ["many", None, float("nan")])
def test_non_numeric_top_k_is_a_clear_error(top_k):
    with pytest.raises(gr.Error, match="top_k"):
        app.coerce_top_k(top_k)


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
    reply, _ = app.chat_reply(real_searcher, "What is the capital of France?", [], 2)
    assert reply.startswith('<div class="qa-answer qa-low">The interview does not seem to cover this')
    assert "<strong>Answer</strong>" not in reply and reply.count('<div class="qa-card qa-low">') == 2
    assert "<mark>" not in reply


def test_follow_ups_lean_on_the_last_question_the_interview_answers(real_searcher):
    earlier = []
    for message in ("Which country took over the chairmanship in December 2024?", "<img src=x onerror=alert(1)>"):
        _, leans = app.chat_reply(real_searcher, message, earlier, 3)
        earlier = [*earlier, message] if leans else earlier
    assert earlier == ["Which country took over the chairmanship in December 2024?"]
    reply, _ = app.chat_reply(real_searcher, "What is its main priority?", earlier, 3)
    assert "Read together with your earlier question" in reply and "December 2024" in reply


def test_mode_reaches_the_search(real_searcher):
    expected = real_searcher.ask("TurkPA", 3, "keyword").to_dict()
    assert app.ask_json(real_searcher, "TurkPA", 3, mode="keyword") == expected
    with pytest.raises(gr.Error, match="mode must be one of"):
        app.ask_json(real_searcher, "TurkPA", 3, mode="fuzzy")


def test_the_app_sends_no_telemetry(real_searcher, monkeypatch):
    import gradio.analytics

    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "True")  # Gradio's default, which a CI may have changed
    sent = []
    monkeypatch.setattr(gradio.analytics, "_do_analytics_request", lambda **kw: sent.append(kw["topic"]))
    monkeypatch.setattr(gradio.analytics, "version_check", lambda: sent.append("version check"))
    demo = app.build_demo(real_searcher)
    app.launch(demo, "127.0.0.1", None, prevent_thread_lock=True, quiet=True)
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
        app.ask_json(real_searcher, question, top_k)
    assert caught.value.message == message
    client = Client(launched_app, verbose=False)
    with pytest.raises(Exception) as remote:
        client.predict(question, top_k, api_name="/ask")
    assert str(remote.value) == message


def chat_event(url: str) -> tuple[int, int]:
    """The page's "question submitted" event, and the question box's id."""
    config = json.loads(urllib.request.urlopen(f"{url}config", timeout=30).read())
    box = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "question")
    return next(d["id"] for d in config["dependencies"] if [box, "submit"] in d["targets"]), box


def chat_over_http(url: str, message: str, history: list | None = None) -> dict:
    """One chat turn sent as the page sends it (the question box's submit event
    through the queue, then its event stream); the final message of the stream."""
    event, box = chat_event(url)
    session = uuid.uuid4().hex
    body = {"data": [message, history or [], None, 2, "hybrid"], "fn_index": event, "trigger_id": box}
    body |= {"session_hash": session, "event_data": None}
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


def test_a_lone_surrogate_sent_to_the_chat_is_removed(launched_app):
    """JSON's "\\ud800" arrives as a lone surrogate, which the reply could not be sent back with."""
    done = chat_over_http(launched_app, "When did Kuwait \ud800 join?")
    assert done["success"], done
    _, history, _ = done["output"]["data"]
    shown = [part["text"] for turn in history for part in turn["content"]]  # Gradio 6 sends parts
    assert shown[0] == "When did Kuwait join?"
    assert "Kuwait joining in 2022" in shown[1]


def test_the_chat_turn_cleans_the_message_before_showing_and_keeping_it(real_searcher):
    box, history, asked = app.respond(real_searcher, "When did Kuwait\u200b \udfff join?", [], [], 2, "hybrid")
    assert box == ""
    assert [turn["role"] for turn in history] == ["user", "assistant"]
    assert history[0]["content"] == "When did Kuwait join?"
    assert asked == ["When did Kuwait join?"]
    json.dumps(history, ensure_ascii=False).encode("utf-8")  # no lone surrogate left to fail on


def test_an_over_long_chat_message_is_refused_without_keeping_it(real_searcher):
    message = "Why did Kuwait join? " * 250  # 5,250 characters
    _, history, asked = app.respond(real_searcher, message, [], [], 2, "hybrid")
    assert "longer than 1000 characters" in history[1]["content"]
    assert len(history[0]["content"]) <= MAX_QUESTION_CHARS + 1  # cut, with an ellipsis
    assert history[0]["content"].endswith("…") and asked == []


def test_the_longest_conversation_the_chat_keeps_is_well_within_the_request_limit(real_searcher, launched_app):
    """The page sends the conversation on screen back with every question, so
    the chat keeps the last KEPT_TURNS exchanges: the largest (10 passages per
    reply, 1,000-character questions of characters HTML escapes) fits the
    server's limit with room to spare, and is accepted."""
    history, asked = [], []
    for n in range(app.KEPT_TURNS + 5):
        question = f"{n} When did Kuwait join? " + "&<" * 480
        _, history, asked = app.respond(real_searcher, question, history, asked, 10, "hybrid")
    assert len(history) == 2 * app.KEPT_TURNS
    assert history[-2]["content"].startswith(f"{app.KEPT_TURNS + 4} When did Kuwait join?")
    on_page = gr.Chatbot().postprocess(history).model_dump()  # as the page holds it and sends it back
    request = json.dumps({"data": ["When did Kuwait join?", on_page, None, 10, "hybrid"], "fn_index": 0})
    print(f"largest chat request: {len(request.encode()) / 1024:.0f} kB")
    assert len(request.encode()) < app.MAX_REQUEST_BYTES / 2
    done = chat_over_http(launched_app, "When did Kuwait join?", on_page)
    assert done["success"], done
    assert len(done["output"]["data"][1]) == 2 * app.KEPT_TURNS


def test_the_questions_kept_for_follow_ups_are_bounded_too(real_searcher):
    earlier = [f"Question {n}?" for n in range(app.KEPT_TURNS)]
    _, _, asked = app.respond(real_searcher, "When did Kuwait join CICA?", [], earlier, 2, "hybrid")
    assert asked == [*earlier[1:], "When did Kuwait join CICA?"]
