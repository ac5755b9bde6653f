"""The page's layout: thumbs and a comment box only with a store, the
conversation kept in the browser."""

import json

import gradio as gr

from qa.feedback.votes import MAX_COMMENT
from qa.web import page


def component(demo: gr.Blocks, elem_id: str) -> dict | None:
    return next((c for c in demo.config["components"] if c.get("props", {}).get("elem_id") == elem_id), None)


def test_without_a_store_there_are_no_thumbs_and_no_comment_box(tiny_searcher, store):
    with_votes, without = page.build_demo(tiny_searcher, store), page.build_demo(tiny_searcher, None)
    assert component(with_votes, "chat")["props"]["likeable"] is True
    assert component(with_votes, "comment")["props"]["max_length"] == MAX_COMMENT
    assert component(without, "chat")["props"]["likeable"] is False
    assert component(without, "chat")["props"].get("feedback_options") is None
    assert component(without, "comment") is None
    chat = component(without, "chat")["id"]
    assert not any([chat, "like"] in d["targets"] for d in without.config["dependencies"])


def test_the_page_keeps_the_conversation_in_the_browser_under_a_fixed_key(tiny_searcher):
    demo = page.build_demo(tiny_searcher, None)
    (kept,) = [c for c in demo.config["components"] if c["type"] == "browserstate"]
    assert (kept["props"]["storage_key"], kept["props"]["secret"]) == (page.CONVERSATION_KEY, page.CONVERSATION_SECRET)


def test_the_page_script_names_gradios_buttons_in_each_language_the_chat_speaks():
    """Gradio names a reply's buttons in English; page.js renames them under a reply marked qa-lang-XX."""
    assert set(page.BUTTON_WORDS) == {"ru", "kk", "zh"}
    for words in page.BUTTON_WORDS.values():
        assert set(words) == {"Like", "Liked", "Dislike", "Disliked", "Retry", "Undo", "Copied", "Copy failed"}
        assert all(said != english for english, said in words.items())
    assert "QA_BUTTON_WORDS" not in page.PAGE_JS and json.dumps(page.BUTTON_WORDS) in page.PAGE_JS
