"""The page: ``build_demo`` wires the handlers (:mod:`qa.web.handlers`,
:mod:`qa.web.voting`) into a Gradio page: a chat whose replies take a like or
dislike (with an optional comment, asked for under the reply) and can be
copied as a link or a citation, retry and undo of the last turn, the
conversation kept in the reader's browser and downloadable as Markdown,
``/?q=...`` asking on load, example questions inside the empty chat,
settings, the index status, and a named API endpoint ``ask`` that returns the
``ask --json`` object. After every reply, reload, retry or asking link, the
page shows the top of the last reply. Its CSS and scripts are files in
``assets/``; the source view each reply links to is :mod:`qa.web.source`.
"""

from __future__ import annotations

import json
from importlib import resources

import gradio as gr

from qa import wording
from qa.answer.search import Searcher
from qa.config import DEFAULT_MODE, DEFAULT_TOP_K, MODES
from qa.feedback.store import FeedbackStore
from qa.feedback.votes import MAX_COMMENT
from qa.inputs import MAX_QUESTION_CHARS
from qa.web import render
from qa.web.conversation import MAX_SHOWN, Turn, turns_from_records
from qa.web.handlers import (
    FEEDBACK_OPTIONS,
    KEPT_TURNS,
    ask_json,
    chat_view,
    conversation_file,
    index_status,
    respond,
    restore,
    retry,
    undo,
)
from qa.web.limits import RateLimit
from qa.web.voting import send_comment, sign_turn, vote_on

# Before the first question: the summary built with the index (a request the kind classifier reads as one).
GLANCE_EXAMPLE = {"display_text": "The interview at a glance", "text": "Summarize the interview"}
EXAMPLES = [
    "Why is CICA being turned into a full international organization?",
    "Which countries joined CICA during Kazakhstan's chairmanship?",
    "What are Azerbaijan's priorities as the new chair?",
    "How many priority areas does the Catalogue of confidence building measures have?",
    "What did the Youth Council work on?",
]
# Where the browser keeps the conversation (localStorage). Fixed, so that it
# survives a restart and reads the same on every replica. The "secret" is no
# secret: Gradio sends it to the page, which encrypts with it; what it guards
# is the reader's own conversation, in the reader's own browser.
CONVERSATION_KEY = "cica-qa-conversation-v1"
CONVERSATION_SECRET = "cica-qa-conversation"
AWAITING_KEY = "cica-qa-awaiting-comment-v1"
VOTES_PER_MINUTE = 30
DOWNLOAD_NAME = "cica-conversation.md"


def asset(name: str) -> str:
    """A file of ``qa/web/assets``: the page's CSS and scripts."""
    return resources.files("qa.web").joinpath("assets", name).read_text(encoding="utf-8")


# The page's scripts (qa/web/assets): page.js runs once when the page loads
# (the copy buttons, suggested questions, skip links, the last reply shown,
# the feedback panel under its reply); after /?q=... is asked on load, the
# address without it (a reload shows the conversation instead of asking
# again); "Download" saves the Markdown the server wrote (no file on the server).
# Gradio names the buttons under a reply (and page.js its copy buttons' notices) in English:
# page.js names them in the language of a reply marked qa-lang-XX, from qa.wording's table.
_BUTTONS = ("like", "liked", "dislike", "disliked", "retry", "undo", "copied", "copy_failed")
BUTTON_WORDS = {
    language: {getattr(wording.chat(), name): getattr(words, name) for name in _BUTTONS}
    for language, words in wording.CHAT.items()
    if language != "en"
}
CSS = asset("page.css")
PAGE_JS = asset("page.js").replace("QA_BUTTON_WORDS", json.dumps(BUTTON_WORDS))
FORGET_QUESTION_JS = asset("forget_question.js")
DOWNLOAD_JS = asset("download.js")
SHOW_LAST_REPLY_JS = "() => window.qaShowLastReply && window.qaShowLastReply()"
HEADER = (
    '<a class="qa-skip-link" href="#question">Skip to the question box</a>'
    "<h1>Ask the CICA interview</h1>"
    "<p>The interview with CICA Secretary General Kairat Sarybay on Kazakhstan's 2020-2024 chairmanship and the "
    "handover to Azerbaijan. Answers are quoted from the interview, each with the paragraph it comes from. "
    '<a href="source" target="_blank">Read the whole interview</a></p>'
)


def build_demo(
    searcher: Searcher, feedback: FeedbackStore | None = None, votes_per_minute: int = VOTES_PER_MINUTE
) -> gr.Blocks:
    """The page over ``searcher``; like/dislike buttons only with a ``feedback``
    store, each client voting at most ``votes_per_minute`` times a minute."""
    sign = (lambda turn: sign_turn(feedback, turn)) if feedback is not None else None

    def chat(message: str, records: list, top_k: float, mode: str) -> tuple[str, dict, list]:
        return respond(searcher, message, records, top_k, mode, sign)

    def load(records: list, top_k: float, mode: str, request: gr.Request) -> tuple[dict, list]:
        return restore(searcher, records, request.query_params.get("q"), top_k, mode, sign)

    def ask(question: str = "", top_k: float = DEFAULT_TOP_K, previous: str = "", mode: str = DEFAULT_MODE) -> dict:
        return ask_json(searcher, question, top_k, previous, mode)

    # No telemetry: Gradio would otherwise post usage to api.gradio.app and fetch its latest version from there.
    with gr.Blocks(title="Ask the CICA interview", fill_height=True, analytics_enabled=False) as demo:
        gr.HTML(HEADER, elem_id="header")
        turns = gr.BrowserState([], storage_key=CONVERSATION_KEY, secret=CONVERSATION_SECRET)
        chatbot = gr.Chatbot(
            label="Conversation",
            elem_id="chat",
            height="60vh",
            autoscroll=False,  # the page shows the top of the last reply instead (page.js)
            buttons=["copy_all"],
            latex_delimiters=[],
            sanitize_html=True,
            feedback_options=list(FEEDBACK_OPTIONS.values()) if feedback else None,
            placeholder="Ask anything about the interview, or start with one of these questions:",
            examples=[GLANCE_EXAMPLE, *({"text": example} for example in EXAMPLES)],
        )
        if feedback is not None:
            _feedback_panel(feedback, chatbot, turns, RateLimit(votes_per_minute))
        question = gr.Textbox(
            label="Your question about the interview",
            placeholder="Type a question and press Enter",
            elem_id="question",
            max_length=MAX_QUESTION_CHARS,
            submit_btn="Ask",
        )
        with gr.Accordion("Settings", open=False, elem_id="settings"):
            top_k = gr.Slider(1, MAX_SHOWN, value=DEFAULT_TOP_K, step=1, label="Passages to show")
            mode = gr.Radio(list(MODES), value=DEFAULT_MODE, label="Retrieval")
        with gr.Row():
            clear = gr.Button("New conversation", size="sm", variant="secondary")
            download = gr.Button("Download conversation (Markdown)", size="sm", variant="secondary", elem_id="download")
        markdown = gr.Textbox(visible=False)
        gr.Markdown(index_status(searcher), elem_id="status")

        private = {"api_visibility": "private"}
        shown = {"js": SHOW_LAST_REPLY_JS, **private}
        inputs, outputs = [question, turns, top_k, mode], [question, chatbot, turns]
        question.submit(chat, inputs, outputs, **private).then(None, **shown)
        chatbot.example_select(example_text, None, question, **private).then(chat, inputs, outputs, **private).then(
            None, **shown
        )
        chatbot.retry(
            lambda r, k, m: retry(searcher, r, k, m, sign), [turns, top_k, mode], [chatbot, turns], **private
        ).then(None, **shown)
        chatbot.undo(lambda r: undo(searcher, r), [turns], outputs, **private)
        for cleared in (clear.click, chatbot.clear):
            cleared(lambda: ("", chat_view(searcher, []), []), None, outputs, **private)
        download.click(lambda r: conversation_file(searcher, r), [turns], [markdown], **private).then(
            None, [markdown], None, js=DOWNLOAD_JS, **private
        )
        demo.load(load, [turns, top_k, mode], [chatbot, turns], **private).then(
            None, None, None, js=FORGET_QUESTION_JS, **private
        ).then(None, **shown)
        gr.api(ask, api_name="ask")
    return demo


def example_text(data: gr.SelectData) -> str:
    """The example question clicked in the empty chat."""
    return data.value["text"]


def _feedback_panel(store: FeedbackStore, chatbot: gr.Chatbot, turns: gr.BrowserState, limit: RateLimit) -> None:
    """What a vote did, and the comment box a dislike opens, naming the
    question of the reply it is about; wired to the thumbs on every reply.
    The page's script moves the panel (always there, often empty) under the
    reply voted on and puts the focus in the comment box."""
    with gr.Column(elem_id="feedback-panel"):
        notice = gr.Markdown(elem_id="feedback-note")
        with gr.Group(visible=False, elem_id="dislike") as dislike:
            comment = gr.Textbox(label=COMMENT_LABEL, elem_id="comment", max_length=MAX_COMMENT, lines=2)
            with gr.Row():
                send = gr.Button("Send comment", size="sm", variant="primary", elem_id="send-comment")
                skip = gr.Button("No comment", size="sm", variant="secondary")
    # The signed reference to the dislike just stored, kept in the browser: a
    # comment sent after the server restarted (its sessions gone) still finds its vote.
    awaiting_comment = gr.BrowserState(None, storage_key=AWAITING_KEY, secret=CONVERSATION_SECRET)

    def thumb(records: list, data: gr.LikeData, request: gr.Request) -> tuple[list, str, dict, str | None, dict]:
        turns = turns_from_records(records, KEPT_TURNS)  # read once: checking every field is a vote's main cost
        client = request.client.host if request is not None and request.client is not None else ""
        records, said, reference = vote_on(store, turns, data.index, data.liked, client=client, limit=limit)
        # The comment box is cleared and named only when a dislike opens it:
        # an update rebuilds the component and its config twice on the server.
        opened = gr.update(value="", label=comment_label(turns, data.index)) if reference is not None else gr.skip()
        return records, render.text(said), gr.update(visible=reference is not None), reference, opened

    def comment_sent(reference: str | None, text: str) -> tuple[str, dict, None, str]:
        return render.text(send_comment(store, reference, text)), gr.update(visible=False), None, ""

    private = {"api_visibility": "private"}
    chatbot.like(thumb, [turns], [turns, notice, dislike, awaiting_comment, comment], **private)
    panel = [notice, dislike, awaiting_comment, comment]
    send.click(comment_sent, [awaiting_comment, comment], panel, **private)
    comment.submit(comment_sent, [awaiting_comment, comment], panel, **private)
    skip.click(lambda: ("", gr.update(visible=False), None, ""), None, panel, **private)


COMMENT_LABEL = "What was wrong with this answer? (optional)"


def comment_label(turns: list[Turn], index: object) -> str:
    """The comment box's label, naming the question of the reply at chat
    message ``index`` (so that it reads as that reply's, wherever it is)."""
    number = (index - 1) // 2 if isinstance(index, int) and not isinstance(index, bool) else -1
    if not 0 <= number < len(turns):
        return COMMENT_LABEL
    return f"What was wrong with the answer to “{turns[number].question}”? (optional)"
