"""The launched app through gradio_client and the page's own HTTP requests,
the way Gradio tests its own demos."""

import json

import gradio as gr
import pytest
from gradio_client import Client

from qa.feedback.store import FeedbackStore
from qa.feedback.votes import DISLIKE
from qa.web import handlers, render, serve, voting
from tests.web.chat import chat_over_http, page_event, send_event, shown, votes_in


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


def test_a_lone_surrogate_sent_to_the_chat_is_removed(launched_app):
    """JSON's "\\ud800" arrives as a lone surrogate, which the reply could not be sent back with."""
    done = chat_over_http(launched_app, "When did Kuwait \ud800 join?")
    assert done["success"], done
    _, chat, records = done["output"]["data"]
    assert shown(chat)[0] == "When did Kuwait join?"
    assert "Kuwait joining in 2022" in shown(chat)[1]
    assert records[0]["question"] == "When did Kuwait join?"


def test_the_longest_conversation_the_chat_keeps_is_well_within_the_request_limit(
    real_searcher, launched_app, feedback_url
):
    """The page sends the turns kept in the browser with every event, so the
    chat keeps the last KEPT_TURNS: the largest request, a vote (its event
    data carries the reply voted on) with 20 turns of 10 passages and
    1,000-character questions of characters HTML escapes, fits the server's
    limit with room to spare, and is stored."""
    records = []
    with FeedbackStore.open(feedback_url) as store:  # the app's store: its key signs the replies
        for n in range(handlers.KEPT_TURNS + 5):
            question = f"{n} When did Kuwait join? " + "&<" * 480
            sign = lambda turn: voting.sign_turn(store, turn)  # noqa: E731
            _, chat, records = handlers.respond(real_searcher, question, records, 10, "hybrid", sign)
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
