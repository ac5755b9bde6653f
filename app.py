"""The web chat: ``python app.py`` serves it on http://127.0.0.1:7860.

Handlers are plain functions over a :class:`qa.search.Searcher` and a
:class:`qa.feedback.FeedbackStore` (testable without a browser);
``build_demo`` wires them into a Gradio page: a chat whose replies take a
like or dislike (with an optional comment) and can be copied as a link or a
citation, retry and undo of the last turn, the conversation kept in the
reader's browser and downloadable as Markdown, ``/?q=...`` asking on load,
example questions, settings, the index status, and a named API endpoint
``ask`` that returns the ``ask --json`` object. No retrieval logic lives
here, and every text a person typed or the corpus holds is shown as text
(qa/render.py), never rendered as HTML or Markdown.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any, NoReturn
from unittest import mock

from qa.config import quiet  # noqa: E402

quiet(os.environ)  # nothing downloaded, nothing reported: before gradio and onnxruntime are imported


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, not {value!r}")
    return port


if __name__ == "__main__" and os.environ.get("GRADIO_SERVER_PORT"):  # gradio reads it when imported
    try:
        _port(os.environ["GRADIO_SERVER_PORT"])
    except argparse.ArgumentTypeError as exc:
        print(f"error: GRADIO_SERVER_PORT: {exc}", file=sys.stderr)
        sys.exit(2)

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from qa.answer.followup import conversation_context  # noqa: E402
from qa.answer.search import Searcher  # noqa: E402
from qa.cli import OneLineParser  # noqa: E402
from qa.config import DEFAULT_MODE, DEFAULT_TOP_K, MAX_TOP_K, MODES, config_from_env  # noqa: E402
from qa.errors import FeedbackError, InvalidArgument, InvalidVote, QAError  # noqa: E402
from qa.feedback.store import DISLIKE, LIKE, MAX_COMMENT, FeedbackStore, Vote, default_url  # noqa: E402
from qa.inputs import MAX_QUESTION_CHARS, check_previous, visible_text  # noqa: E402
from qa.web import render  # noqa: E402
from qa.web.citation import conversation_markdown  # noqa: E402
from qa.web.conversation import Turn, to_records, turns_from_records  # noqa: E402
from qa.web.http_guard import RequestGuard  # noqa: E402

EXAMPLES = [
    "Why is CICA being turned into a full international organization?",
    "Which countries joined CICA during Kazakhstan's chairmanship?",
    "What are Azerbaijan's priorities as the new chair?",
    "How many priority areas does the Catalogue of confidence building measures have?",
    "What did the Youth Council work on?",
]
QUEUE_SIZE = 64
CONCURRENCY = 4
# The conversation lives in the reader's browser as turns (qa.web.conversation:
# compact records, not the replies' HTML) and comes back with every event, so
# the chat keeps the last KEPT_TURNS exchanges; the largest request (a vote:
# 20 turns of 10 passages and 1,000-character questions, plus the voted
# reply) is far below MAX_REQUEST_BYTES, an API question a few kB.
KEPT_TURNS = 20
MAX_REQUEST_BYTES = 1 << 20
# Gradio's routes that store files; the app takes none.
UPLOAD_ROUTES = ("/gradio_api/upload", "/gradio_api/process_recording")
# Refresh the monitoring summary never (2**62 events), keep 1 event for it.
UNUSED_QUEUE_SUMMARY = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": str(2**62), "GRADIO_ANALYTICS_MAX_EVENTS": "1"}
# Where the browser keeps the conversation (localStorage). Fixed, so that it
# survives a restart and reads the same on every replica. The "secret" is no
# secret: Gradio sends it to the page, which encrypts with it; what it guards
# is the reader's own conversation, in the reader's own browser.
CONVERSATION_KEY = "cica-qa-conversation-v1"
CONVERSATION_SECRET = "cica-qa-conversation"
DOWNLOAD_NAME = "cica-conversation.md"
FEEDBACK_OPTIONS = {"like": "Like", "dislike": "Dislike"}  # a turn's vote -> the chat's thumb
BLANK = "Please type a question about the interview."
THANKS = "Thank you for your vote."
ASK_COMMENT = "Thank you. What was wrong with this answer? Tell us below if you like (optional)."
KEPT_VOTE = "Your first vote on this answer ({vote}) is kept."
NOTHING_TO_VOTE = "There is no answer to vote on in this reply."
GONE = "That reply is no longer in the conversation."
VOTE_FAILED = "Sorry, your vote could not be saved just now; the chat works as before."
COMMENT_FAILED = "Sorry, your comment could not be saved just now; your vote is kept."
log = logging.getLogger("qa")
CSS = """
.qa-answer { padding: .6em .8em; border-left: 4px solid var(--color-accent); margin-bottom: .6em; }
.qa-answer.qa-low { border-left-color: var(--neutral-400); font-style: italic; }
.qa-answer.qa-related { border-left-color: var(--color-accent-soft); }
.qa-confidence, .qa-meta { color: var(--body-text-color-subdued); font-size: .85em; }
.qa-note { color: var(--body-text-color-subdued); font-size: .9em; margin-bottom: .4em; }
.qa-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .5em .8em; margin: .5em 0; }
.qa-card.qa-low { opacity: .8; }
.qa-section { font-style: italic; margin: .2em 0 .4em; }
.qa-card mark { background: var(--color-accent-soft); padding: 0 .1em; }
.qa-card, .qa-answer { overflow-wrap: anywhere; }
.qa-actions { margin-top: .4em; display: flex; gap: .5em; flex-wrap: wrap; }
.qa-copy { font-size: .85em; padding: .15em .6em; border: 1px solid var(--border-color-primary);
  border-radius: 6px; background: var(--button-secondary-background-fill); cursor: pointer; }
.qa-copy:hover { background: var(--button-secondary-background-fill-hover); }
"""
# Run once when the page loads: a reply's "Copy link" / "Copy with citation"
# buttons copy their value (a link relative to this page, or the citation).
# Over plain http to another host there is no navigator.clipboard (it needs a
# secure context), so the text is copied through a selected text area.
PAGE_JS = """
() => {
  const copy = async (text) => {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { if (!document.execCommand("copy")) throw new Error("copy refused"); } finally { area.remove(); }
  };
  document.addEventListener("click", async (event) => {
    const button = event.target.closest ? event.target.closest("button.qa-copy") : null;
    if (!button) return;
    const link = button.classList.contains("qa-copy-link");
    const text = link ? location.origin + location.pathname + button.value : button.value;
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    try { await copy(text); button.textContent = "Copied"; } catch (error) { button.textContent = "Copy failed"; }
    setTimeout(() => { button.textContent = label; }, 1500);
  });
}
"""
# After /?q=... is asked on load: the address without it, so that a reload
# shows the conversation (kept in the browser) instead of asking again.
FORGET_QUESTION_JS = """
() => {
  const url = new URL(location.href);
  if (url.searchParams.has("q")) { url.searchParams.delete("q"); history.replaceState(history.state, "", url); }
}
"""
# The Markdown the server wrote, saved by the browser: no file on the server.
DOWNLOAD_JS = f"""
(text) => {{
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], {{type: "text/markdown;charset=utf-8"}}));
  link.download = "{DOWNLOAD_NAME}";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
}}
"""


def coerce_top_k(top_k: Any) -> int:
    """API callers may send anything; clamp numbers into range, reject the rest."""
    try:
        number = int(float(top_k))
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(f"top_k must be a number from 1 to {MAX_TOP_K}") from None
    return max(1, min(MAX_TOP_K, number))


def coerce_mode(mode: Any) -> str:
    if mode in (None, ""):
        return DEFAULT_MODE
    if mode not in MODES:
        raise gr.Error(f"mode must be one of {', '.join(MODES)}")
    return str(mode)


def ask_json(
    searcher: Searcher, question: Any, top_k: Any = DEFAULT_TOP_K, previous: Any = "", mode: Any = DEFAULT_MODE
) -> dict[str, Any]:
    """The ``ask`` endpoint: the same object as ``python -m qa ask --json``.
    A bad input is a ``gr.Error`` with its message as is."""
    k, mode = coerce_top_k(top_k), coerce_mode(mode)
    try:
        check_previous(previous)
        return searcher.ask(question, k=k, mode=mode, previous=previous).to_dict()
    except InvalidArgument as exc:
        raise gr.Error(str(exc)) from None


def ask_turn(
    searcher: Searcher, message: Any, earlier: list[str], top_k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE
) -> Turn:
    """One question from the chat, as a turn. ``earlier`` are the questions
    asked before that a follow-up may lean on. A blank or over-long message,
    or a bad setting, is a refused turn whose note says why."""
    text = shown_message(message)
    if not isinstance(message, str) or not message.strip():
        return Turn.refused(text, BLANK, searcher.index_id, DEFAULT_TOP_K, DEFAULT_MODE)
    try:
        k, mode = coerce_top_k(top_k), coerce_mode(mode)
        answer = searcher.ask(message, k=k, mode=mode, previous=conversation_context(earlier, searcher.uses_word))
    except (InvalidArgument, gr.Error) as exc:
        note = f"Sorry, I cannot answer that: {getattr(exc, 'message', str(exc))}."
        return Turn.refused(text, note, searcher.index_id, DEFAULT_TOP_K, DEFAULT_MODE)
    return Turn.from_answer(answer, searcher.index_id, k, mode)


def reply_html(searcher: Searcher, turn: Turn) -> str:
    """A turn's reply as the chat shows it: the answer, its copy buttons, the
    passages' cards; from the index build that answered, or, when that build
    is gone, what the turn itself holds."""
    if turn.outcome is None:
        return render.text(turn.note)
    answer = turn.answer(searcher.passages) if turn.index_id == searcher.index_id else None
    if answer is None:
        return render.earlier_reply(turn, render.actions(turn))
    neighbours = {hit.passage.id: searcher.neighbours(hit.passage) for hit in answer.hits}
    return render.reply(answer, neighbours, render.actions(turn))


def chat_reply(
    searcher: Searcher, message: Any, earlier: list[str], top_k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE
) -> tuple[str, bool]:
    """One chat turn: the reply as HTML, and whether later follow-ups may lean on the message."""
    turn = ask_turn(searcher, message, earlier, top_k, mode)
    return reply_html(searcher, turn), turn.leans


def chat_view(searcher: Searcher, turns: list[Turn]) -> dict[str, Any]:
    """The chat showing ``turns``: each question as text, each reply, and the
    thumbs of the votes already given (an update for the Chatbot)."""
    messages = []
    for turn in turns:
        messages.append({"role": "user", "content": render.text(turn.question)})
        messages.append({"role": "assistant", "content": reply_html(searcher, turn)})
    votes = [FEEDBACK_OPTIONS.get(turn.vote or "") for turn in turns]
    return gr.update(value=messages, feedback_value=votes)


def leaned_on(turns: list[Turn]) -> list[str]:
    return [turn.question for turn in turns if turn.leans]


def respond(
    searcher: Searcher, message: Any, records: Any, top_k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE
) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """The chat's submit: the cleared question box, the chat, and the turns
    (the browser's records, with this one added; the last KEPT_TURNS)."""
    turns = turns_from_records(records, KEPT_TURNS)
    turns = [*turns, ask_turn(searcher, message, leaned_on(turns), top_k, mode)][-KEPT_TURNS:]
    return "", chat_view(searcher, turns), to_records(turns)


def retry(
    searcher: Searcher, records: Any, top_k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The last question asked again (with the settings as they are now), in place of its reply."""
    turns = turns_from_records(records, KEPT_TURNS)
    if turns:
        turns[-1] = ask_turn(searcher, turns[-1].question, leaned_on(turns[:-1]), top_k, mode)
    return chat_view(searcher, turns), to_records(turns)


def undo(searcher: Searcher, records: Any) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """The last turn taken back: its question returns to the question box."""
    turns = turns_from_records(records, KEPT_TURNS)
    question = turns.pop().question if turns else ""
    return question, chat_view(searcher, turns), to_records(turns)


def restore(
    searcher: Searcher, records: Any, question: Any = None, top_k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The page opening: the conversation kept in the browser, then the
    question of the address (``/?q=...``), if any, asked."""
    turns = turns_from_records(records, KEPT_TURNS)
    if isinstance(question, str) and question.strip():
        turns = [*turns, ask_turn(searcher, question, leaned_on(turns), top_k, mode)][-KEPT_TURNS:]
    return chat_view(searcher, turns), to_records(turns)


def conversation_file(records: Any) -> str:
    """What "Download" saves: the conversation as Markdown."""
    return conversation_markdown(turns_from_records(records, KEPT_TURNS))


def record_vote(store: FeedbackStore, turn: Turn, liked: bool, comment: str = "") -> tuple[int | None, str]:
    """Store a like or dislike on ``turn``'s reply, with what the reader was
    shown: (the vote's id, what to tell the reader). A store that fails
    costs the vote, never the chat: no id, a short notice, one line in the log."""
    if turn.outcome is None:
        return None, NOTHING_TO_VOTE
    try:
        vote = Vote(
            question=turn.question,
            outcome=turn.outcome,
            index_id=turn.index_id,
            vote=LIKE if liked else DISLIKE,
            previous=turn.previous,
            answer=turn.sentence.text if turn.sentence is not None else None,
            shown_passages=tuple(shown.id for shown in turn.passages),
            comment=comment,
        )
    except InvalidVote:
        return None, NOTHING_TO_VOTE
    try:
        vote_id = store.record(vote)
    except FeedbackError as exc:
        log.warning("warning: a vote was not stored: %s", exc)
        return None, VOTE_FAILED
    return vote_id, THANKS if liked else ASK_COMMENT


def vote(store: FeedbackStore, records: Any, index: Any, liked: Any) -> tuple[list[dict[str, Any]], str, int | None]:
    """A thumb clicked on the reply at chat message ``index``: the turns (the
    reply's vote noted), what to tell the reader, and the id of a dislike
    awaiting its comment. Only the first vote on a reply is stored; taking a
    thumb back (``liked`` neither True nor False) stores nothing."""
    turns = turns_from_records(records, KEPT_TURNS)
    number = (index - 1) // 2 if isinstance(index, int) and not isinstance(index, bool) and index % 2 == 1 else -1
    if not 0 <= number < len(turns):
        return to_records(turns), GONE, None
    turn = turns[number]
    if turn.vote is not None:
        return to_records(turns), KEPT_VOTE.format(vote=turn.vote), None
    if liked is not True and liked is not False:
        return to_records(turns), "", None
    vote_id, notice = record_vote(store, turn, liked)
    if vote_id is not None:
        turns[number] = turn.with_vote("like" if liked else "dislike")
    return to_records(turns), notice, None if liked else vote_id


def send_comment(store: FeedbackStore, vote_id: int | None, comment: Any) -> str:
    """The comment on the dislike just stored (cut to MAX_COMMENT characters); what to tell the reader."""
    if vote_id is None or not isinstance(comment, str) or not comment.strip():
        return ""
    try:
        store.add_comment(vote_id, comment[: 4 * MAX_COMMENT])
    except FeedbackError as exc:
        log.warning("warning: a comment was not stored: %s", exc)
        return COMMENT_FAILED
    return "Thank you: your comment is saved."


def shown_message(message: Any) -> str:
    """The message as the conversation keeps it: cleaned, and an over-long one
    (refused by the reply) cut to the question limit, never kept whole."""
    if not isinstance(message, str):
        return ""
    text = visible_text(message[: 4 * MAX_QUESTION_CHARS])
    return text if len(text) <= MAX_QUESTION_CHARS else text[:MAX_QUESTION_CHARS] + "…"


def index_status(searcher: Searcher) -> str:
    manifest = searcher.index.manifest
    counts = manifest.counts
    return (
        f"Index: model {render.text(searcher.index.model_id)} · {counts.documents} documents · "
        f"{counts.passages} passages · built {render.text(manifest.created_at)} · build {searcher.index_id}"
    )


def build_demo(searcher: Searcher, feedback: FeedbackStore | None = None) -> gr.Blocks:
    """The page over ``searcher``; like/dislike buttons only with a ``feedback`` store."""

    def chat(message: str, records: list, top_k: float, mode: str) -> tuple[str, dict, list]:
        return respond(searcher, message, records, top_k, mode)

    def load(records: list, top_k: float, mode: str, request: gr.Request) -> tuple[dict, list]:
        return restore(searcher, records, request.query_params.get("q"), top_k, mode)

    def ask(question: str = "", top_k: float = DEFAULT_TOP_K, previous: str = "", mode: str = DEFAULT_MODE) -> dict:
        return ask_json(searcher, question, top_k, previous, mode)

    # No telemetry: Gradio would otherwise post usage to api.gradio.app and fetch its latest version from there.
    with gr.Blocks(title="Ask the CICA interview", fill_height=True, analytics_enabled=False) as demo:
        gr.Markdown(
            "## Ask the CICA interview\n"
            "The interview with CICA Secretary General Kairat Sarybay on Kazakhstan's 2020-2024 chairmanship "
            "and the handover to Azerbaijan. Answers are quoted from the interview, with where they come from."
        )
        turns = gr.BrowserState([], storage_key=CONVERSATION_KEY, secret=CONVERSATION_SECRET)
        chatbot = gr.Chatbot(
            label="Conversation",
            elem_id="chat",
            height="60vh",
            latex_delimiters=[],
            sanitize_html=True,
            feedback_options=list(FEEDBACK_OPTIONS.values()) if feedback else None,
            placeholder="Ask anything about the interview, or pick an example below.",
        )
        if feedback is not None:
            _feedback_panel(feedback, chatbot, turns)
        question = gr.Textbox(
            placeholder="Type a question and press Enter",
            show_label=False,
            elem_id="question",
            max_length=MAX_QUESTION_CHARS,
            submit_btn="Ask",
        )
        with gr.Row(elem_id="examples"):
            example_buttons = [gr.Button(example, size="sm", variant="secondary") for example in EXAMPLES]
        with gr.Accordion("Settings", open=False, elem_id="settings"):
            top_k = gr.Slider(1, 10, value=DEFAULT_TOP_K, step=1, label="Passages to show")
            mode = gr.Radio(list(MODES), value=DEFAULT_MODE, label="Retrieval")
        with gr.Row():
            clear = gr.Button("New conversation", size="sm", variant="secondary")
            download = gr.Button("Download conversation (Markdown)", size="sm", variant="secondary", elem_id="download")
        markdown = gr.Textbox(visible=False)
        gr.Markdown(index_status(searcher), elem_id="status")

        private = {"api_visibility": "private"}
        inputs, outputs = [question, turns, top_k, mode], [question, chatbot, turns]
        question.submit(chat, inputs, outputs, **private)
        for button, example in zip(example_buttons, EXAMPLES, strict=True):
            button.click(lambda e=example: e, None, question, **private).then(chat, inputs, outputs, **private)
        chatbot.retry(lambda r, k, m: retry(searcher, r, k, m), [turns, top_k, mode], [chatbot, turns], **private)
        chatbot.undo(lambda r: undo(searcher, r), [turns], outputs, **private)
        for cleared in (clear.click, chatbot.clear):
            cleared(lambda: ("", chat_view(searcher, []), []), None, outputs, **private)
        download.click(conversation_file, [turns], [markdown], **private).then(
            None, [markdown], None, js=DOWNLOAD_JS, **private
        )
        demo.load(load, [turns, top_k, mode], [chatbot, turns], **private).then(
            None, None, None, js=FORGET_QUESTION_JS, **private
        )
        gr.api(ask, api_name="ask")
    return demo


def _feedback_panel(store: FeedbackStore, chatbot: gr.Chatbot, turns: gr.BrowserState) -> None:
    """Under the chat: what a vote did, and the comment box a dislike opens;
    wired to the thumbs on every reply."""
    notice = gr.Markdown(elem_id="feedback-note")
    with gr.Group(visible=False, elem_id="dislike") as dislike:
        comment = gr.Textbox(
            label="What was wrong with this answer? (optional)", elem_id="comment", max_length=MAX_COMMENT, lines=2
        )
        with gr.Row():
            send = gr.Button("Send comment", size="sm", variant="primary", elem_id="send-comment")
            skip = gr.Button("No comment", size="sm", variant="secondary")
    awaiting_comment = gr.State(None)  # the id of the dislike just stored, on the server: this session's only

    def thumb(records: list, data: gr.LikeData) -> tuple[list, str, dict, int | None, str]:
        records, said, vote_id = vote(store, records, data.index, data.liked)
        return records, render.text(said), gr.update(visible=vote_id is not None), vote_id, ""

    def comment_sent(vote_id: int | None, text: str) -> tuple[str, dict, None, str]:
        return render.text(send_comment(store, vote_id, text)), gr.update(visible=False), None, ""

    private = {"api_visibility": "private"}
    chatbot.like(thumb, [turns], [turns, notice, dislike, awaiting_comment, comment], **private)
    panel = [notice, dislike, awaiting_comment, comment]
    send.click(comment_sent, [awaiting_comment, comment], panel, **private)
    comment.submit(comment_sent, [awaiting_comment, comment], panel, **private)
    skip.click(lambda: ("", gr.update(visible=False), None, ""), None, panel, **private)


def launch(demo: gr.Blocks, host: str | None = None, port: int | None = None, **options: Any) -> Any:
    """Queue and launch with what the app exposes kept to the chat and its API:
    loopback unless a host is given, no share link, no uploads, no request
    body over MAX_REQUEST_BYTES (both refused before they are read), no file
    serving beyond Gradio's own assets, no monitoring, no server-side rendering."""
    # With monitoring off nobody reads the queue's event summary, but Gradio
    # rebuilds it after every request by default (a pandas DataFrame of up to
    # 10,000 past events: 1.4 ms per request at first, 6 ms once full).
    # Read once by the Queue that demo.queue() creates, so set only around it;
    # a user's own setting wins.
    quiet_queue = {name: os.environ.get(name, value) for name, value in UNUSED_QUEUE_SUMMARY.items()}
    with mock.patch.dict(os.environ, quiet_queue):
        demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY, api_open=False)
    guard = Middleware(
        RequestGuard,
        max_body_bytes=MAX_REQUEST_BYTES,
        refused_paths=UPLOAD_ROUTES,
        keyword_calls={"/gradio_api/call/v2/ask": ("question", "top_k", "previous", "mode")},
    )
    return demo.launch(
        app_kwargs={"middleware": [guard]},
        server_name=host,
        server_port=port,
        share=False,
        ssr_mode=False,
        enable_monitoring=False,
        max_file_size="1kb",
        allowed_paths=[],
        css=CSS,
        js=PAGE_JS,
        **options,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="app.py", description="Serve the CICA interview chat.")
    parser.add_argument("--host", help="address to bind (default 127.0.0.1, or $GRADIO_SERVER_NAME)")
    parser.add_argument("--port", type=_port, help="port (default 7860, or $GRADIO_SERVER_PORT)")
    parser.add_argument("--corpus", type=Path, help="corpus directory (default corpus)")
    parser.add_argument("--index", type=Path, help="index directory (default index)")
    parser.add_argument("--model", help="sentence-transformers model name or path")
    votes = parser.add_mutually_exclusive_group()
    votes.add_argument(
        "--feedback-db",
        metavar="URL",
        help="where likes and dislikes are stored: sqlite:///PATH or postgresql://USER@HOST/DB, "
        "which several app replicas can share (default feedback/feedback.sqlite3)",
    )
    votes.add_argument("--no-feedback", action="store_true", help="no like/dislike buttons and no feedback store")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.port is None and os.environ.get("GRADIO_SERVER_PORT"):
        try:
            args.port = _port(os.environ["GRADIO_SERVER_PORT"])
        except argparse.ArgumentTypeError as exc:
            _exit(f"error: GRADIO_SERVER_PORT: {exc}")
    logging.basicConfig(format="%(message)s", level=logging.WARNING)
    config = config_from_env(os.environ, corpus_dir=args.corpus, index_dir=args.index, model=args.model)
    # A store that cannot be opened stops the start, as an unusable index does:
    # serving with the buttons off would lose every vote until someone noticed.
    store = None
    if not args.no_feedback:
        try:
            store = FeedbackStore.open(args.feedback_db or default_url())
        except FeedbackError as exc:
            _exit(f"error: {exc}; choose another store with --feedback-db, or run with --no-feedback")
    try:
        searcher = Searcher.open(config)
    except QAError as exc:
        _exit(f"error: {exc}")
    try:
        launch(build_demo(searcher, store), args.host, args.port)
    except OSError:  # Gradio's "Cannot find empty port", whatever the cause: find it
        host = args.host or os.environ.get("GRADIO_SERVER_NAME") or "127.0.0.1"
        _exit(f"error: cannot serve on {_why_not(host, args.port)}")


def _exit(message: str) -> NoReturn:
    """One line on stderr and exit status 2, as the command line does."""
    print(message, file=sys.stderr)
    sys.exit(2)


def _why_not(host: str, port: int | None) -> str:
    """Why Gradio could not listen on ``host``: the port given (or the range
    it tries without one) is taken, or the address is not one of this machine's."""
    from gradio.http_server import INITIAL_PORT_VALUE, TRY_NUM_PORTS

    choose = "choose another with --port or GRADIO_SERVER_PORT"
    if port is None:
        return f"{host}: ports {INITIAL_PORT_VALUE}-{INITIAL_PORT_VALUE + TRY_NUM_PORTS - 1} are all in use; {choose}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.bind(address)
    except socket.gaierror as exc:
        return f"{host}: no such address ({exc.strerror}); choose another with --host or GRADIO_SERVER_NAME"
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            return f"{host} port {port}: {exc.strerror}; choose another with --host or GRADIO_SERVER_NAME"
    return f"{host}: port {port} is in use; {choose}"


if __name__ == "__main__":
    main()
