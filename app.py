"""The web chat: ``python app.py`` serves it on http://127.0.0.1:7860.

Handlers are plain functions over a :class:`qa.search.Searcher` (testable
without a browser); ``build_demo`` wires them into a Gradio page: a chat,
example questions, settings, the index status, and a named API endpoint
``ask`` that returns the ``ask --json`` object. No retrieval logic lives
here, and every text a person typed or the corpus holds is shown as text
(qa/render.py), never rendered as HTML or Markdown.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any, NoReturn
from unittest import mock

from qa.config import quiet  # noqa: E402

quiet(os.environ)  # nothing downloaded, nothing reported: before gradio and onnxruntime are imported

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from qa import render  # noqa: E402
from qa.config import DEFAULT_MODE, DEFAULT_TOP_K, MAX_TOP_K, MODES, config_from_env  # noqa: E402
from qa.errors import InvalidArgument, QAError  # noqa: E402
from qa.followup import conversation_context  # noqa: E402
from qa.http_guard import RequestGuard  # noqa: E402
from qa.questions import MAX_QUESTION_CHARS, visible_text  # noqa: E402
from qa.search import Searcher  # noqa: E402

EXAMPLES = [
    "Why is CICA being turned into a full international organization?",
    "Which countries joined CICA during Kazakhstan's chairmanship?",
    "What are Azerbaijan's priorities as the new chair?",
    "How many priority areas does the Catalogue of confidence building measures have?",
    "What did the Youth Council work on?",
]
QUEUE_SIZE = 64
CONCURRENCY = 4
# The page sends the conversation on screen back with every question, so the
# chat keeps the last KEPT_TURNS exchanges (and questions for follow-ups, kept
# per session on the server); the largest such request (10 passages a reply)
# is under half of MAX_REQUEST_BYTES, an API question a few kB.
KEPT_TURNS = 20
MAX_REQUEST_BYTES = 1 << 20
# Gradio's routes that store files; the app takes none.
UPLOAD_ROUTES = ("/gradio_api/upload", "/gradio_api/process_recording")
# Refresh the monitoring summary never (2**62 events), keep 1 event for it.
UNUSED_QUEUE_SUMMARY = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": str(2**62), "GRADIO_ANALYTICS_MAX_EVENTS": "1"}
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
        return searcher.ask(question, k=k, mode=mode, previous=previous).to_dict()
    except InvalidArgument as exc:
        raise gr.Error(str(exc)) from None


def chat_reply(
    searcher: Searcher, message: Any, earlier: list[str], top_k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE
) -> tuple[str, bool]:
    """One chat turn: the reply as HTML, and whether later follow-ups may lean
    on the message: only a question the interview answers (an off-topic one, or
    pasted junk, would lead the next "what about its ...?" astray).
    ``earlier`` are the questions asked before that follow-ups may lean on."""
    if not isinstance(message, str) or not message.strip():
        return "Please type a question about the interview.", False
    try:
        k, mode = coerce_top_k(top_k), coerce_mode(mode)
        answer = searcher.ask(message, k=k, mode=mode, previous=conversation_context(earlier))
    except (InvalidArgument, gr.Error) as exc:
        return f"Sorry, I cannot answer that: {render.text(getattr(exc, 'message', str(exc)))}.", False
    neighbours = {hit.passage.id: searcher.neighbours(hit.passage) for hit in answer.hits}
    return render.reply(answer, neighbours), not answer.abstained


def respond(
    searcher: Searcher, message: Any, history: list, asked: list, top_k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE
) -> tuple[str, list, list]:
    """The chat's submit: the cleared question box, the conversation with the
    message and its reply, and the questions follow-ups may lean on. The
    message is kept as it was searched (invisible characters and lone
    surrogates removed: a surrogate could not even be sent back)."""
    reply, is_question = chat_reply(searcher, message, asked, top_k, mode)
    text = shown_message(message)
    turn = [{"role": "user", "content": render.text(text)}, {"role": "assistant", "content": reply}]
    asked = [*asked, text][-KEPT_TURNS:] if is_question else asked
    return "", [*history[-2 * (KEPT_TURNS - 1) :], *turn], asked


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
        f"{counts.passages} passages · built {render.text(manifest.created_at)}"
    )


def build_demo(searcher: Searcher) -> gr.Blocks:
    def chat(message: str, history: list, asked: list, top_k: float, mode: str) -> tuple[str, list, list]:
        return respond(searcher, message, history, asked, top_k, mode)

    def ask(question: str, top_k: float = DEFAULT_TOP_K, previous: str = "", mode: str = DEFAULT_MODE) -> dict:
        return ask_json(searcher, question, top_k, previous, mode)

    # No telemetry: Gradio would otherwise post usage to api.gradio.app and fetch its latest version from there.
    with gr.Blocks(title="Ask the CICA interview", fill_height=True, analytics_enabled=False) as demo:
        gr.Markdown(
            "## Ask the CICA interview\n"
            "The interview with CICA Secretary General Kairat Sarybay on Kazakhstan's 2020-2024 chairmanship "
            "and the handover to Azerbaijan. Answers are quoted from the interview, with where they come from."
        )
        chatbot = gr.Chatbot(
            label="Conversation",
            elem_id="chat",
            height="60vh",
            latex_delimiters=[],
            sanitize_html=True,
            placeholder="Ask anything about the interview, or pick an example below.",
        )
        question = gr.Textbox(
            placeholder="Type a question and press Enter",
            show_label=False,
            elem_id="question",
            max_length=MAX_QUESTION_CHARS,
            submit_btn="Ask",
        )
        asked = gr.State([])
        with gr.Row(elem_id="examples"):
            example_buttons = [gr.Button(example, size="sm", variant="secondary") for example in EXAMPLES]
        with gr.Accordion("Settings", open=False):
            top_k = gr.Slider(1, 10, value=DEFAULT_TOP_K, step=1, label="Passages to show")
            mode = gr.Radio(list(MODES), value=DEFAULT_MODE, label="Retrieval")
        clear = gr.Button("New conversation", size="sm", variant="secondary")
        gr.Markdown(index_status(searcher), elem_id="status")

        inputs, outputs = [question, chatbot, asked, top_k, mode], [question, chatbot, asked]
        question.submit(chat, inputs, outputs, api_visibility="private")
        for button, example in zip(example_buttons, EXAMPLES, strict=True):
            button.click(lambda e=example: e, None, question, api_visibility="private").then(
                chat, inputs, outputs, api_visibility="private"
            )
        clear.click(lambda: ("", [], []), None, outputs, api_visibility="private")
        gr.api(ask, api_name="ask")
    return demo


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
    guard = Middleware(RequestGuard, max_body_bytes=MAX_REQUEST_BYTES, refused_paths=UPLOAD_ROUTES)
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
        **options,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the CICA interview chat.")
    parser.add_argument("--host", help="address to bind (default 127.0.0.1, or $GRADIO_SERVER_NAME)")
    parser.add_argument("--port", type=int, help="port (default 7860, or $GRADIO_SERVER_PORT)")
    parser.add_argument("--corpus", type=Path, help="corpus directory (default corpus)")
    parser.add_argument("--index", type=Path, help="index directory (default index)")
    parser.add_argument("--model", help="sentence-transformers model name or path")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(message)s", level=logging.WARNING)
    config = config_from_env(os.environ, corpus_dir=args.corpus, index_dir=args.index, model=args.model)
    try:
        searcher = Searcher.open(config)
    except QAError as exc:
        _exit(f"error: {exc}")
    try:
        launch(build_demo(searcher), args.host, args.port)
    except OSError:  # Gradio's "Cannot find empty port": another server has it
        where = _ports_in_use(args.host, args.port)
        _exit(f"error: cannot serve on {where}; choose another with --port or GRADIO_SERVER_PORT")


def _exit(message: str) -> NoReturn:
    """One line on stderr and exit status 2, as the command line does."""
    print(message, file=sys.stderr)
    sys.exit(2)


def _ports_in_use(host: str | None, port: int | None) -> str:
    """Where Gradio tried to listen: the port given, or the range it tries without one."""
    from gradio.http_server import INITIAL_PORT_VALUE, TRY_NUM_PORTS

    host = host or os.environ.get("GRADIO_SERVER_NAME") or "127.0.0.1"
    if port is not None:
        return f"{host}: port {port} is in use"
    return f"{host}: ports {INITIAL_PORT_VALUE}-{INITIAL_PORT_VALUE + TRY_NUM_PORTS - 1} are all in use"


if __name__ == "__main__":
    main()
