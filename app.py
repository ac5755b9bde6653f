"""The web chat: ``python app.py`` serves it on http://127.0.0.1:7860.

Handlers are plain functions over a :class:`qa.search.Searcher` (testable
without a browser); ``build_demo`` wires them into a Gradio page with a
chat and a named API endpoint ``ask`` that returns the ``ask --json`` object.
No retrieval logic lives here.
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

import gradio as gr

from qa.config import DEFAULT_TOP_K, MAX_TOP_K, config_from_env
from qa.errors import QAError
from qa.indexing import open_index
from qa.search import DEFAULT_MODE, MODES, Searcher
from qa.types import Answer

EXAMPLES = [
    "Why is CICA being turned into a full international organization?",
    "Which countries joined CICA during Kazakhstan's chairmanship?",
    "What are Azerbaijan's priorities as the new chair?",
    "How many priority areas does the Catalogue of confidence building measures have?",
]
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def escape_markdown(text: str) -> str:
    """Show ``text`` literally: no HTML element and no Markdown is ever built from it."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=True))


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
    searcher: Searcher, question: str, top_k: Any = DEFAULT_TOP_K, previous: Any = "", mode: Any = DEFAULT_MODE
) -> dict[str, Any]:
    """The ``ask`` endpoint: the same object as ``python -m qa ask --json``."""
    previous = previous if isinstance(previous, str) else ""
    try:
        return searcher.ask(question, k=coerce_top_k(top_k), mode=coerce_mode(mode), previous=previous).to_dict()
    except ValueError as exc:
        raise gr.Error(str(exc)) from None


def chat_reply(searcher: Searcher, message: str, top_k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE) -> str:
    """One chat turn as Markdown in which every piece of user or corpus text is escaped."""
    if not isinstance(message, str) or not message.strip():
        return "Please type a question about the interview."
    try:
        answer = searcher.ask(message, k=coerce_top_k(top_k), mode=coerce_mode(mode))
    except ValueError as exc:
        return f"Sorry, I cannot answer that: {escape_markdown(str(exc))}."
    return format_reply(answer)


def format_reply(answer: Answer) -> str:
    if answer.abstained or answer.sentence is None:
        lines = [
            "The interview does not seem to cover this "
            f"(confidence {answer.confidence:.0%}). The closest passages, low confidence:"
        ]
    else:
        lines = [f"**Answer:** {escape_markdown(answer.sentence.text)}", "", f"Confidence {answer.confidence:.0%}"]
    lines += ["", "**Sources**"]
    for hit in answer.hits:
        p = hit.passage
        text = escape_markdown(p.text)
        if answer.sentence is not None and hit.rank == answer.sentence.passage_rank:
            # Bold the answer sentence inside its passage.
            before = escape_markdown(p.text[: answer.sentence.start - p.start])
            inside = escape_markdown(answer.sentence.text)
            after = escape_markdown(p.text[answer.sentence.end - p.start :])
            text = f"{before}**{inside}**{after}"
        lines += [
            "",
            f"**{hit.rank}.** paragraph {p.paragraph} · score {hit.score:.2f} · "
            f"in reply to: *{escape_markdown(p.section)}*",
            "",
            f"> {text}",
        ]
    return "\n".join(lines)


def index_status(searcher: Searcher) -> str:
    manifest = searcher.index.manifest
    counts = manifest["counts"]
    return (
        f"Index: model `{escape_markdown(manifest['model']['id'])}` · {counts['documents']} documents · "
        f"{counts['passages']} passages · built {escape_markdown(manifest['created_at'])}"
    )


def build_demo(searcher: Searcher) -> gr.Blocks:
    def respond(message: str, history: list, top_k: float, mode: str) -> str:
        return chat_reply(searcher, message, top_k, mode)

    def ask(question: str, top_k: float = DEFAULT_TOP_K, previous: str = "", mode: str = DEFAULT_MODE) -> dict:
        return ask_json(searcher, question, top_k, previous, mode)

    with gr.Blocks(title="Ask the CICA interview") as demo:
        gr.Markdown(
            "# Ask the CICA interview\n"
            "Questions about the interview with CICA Secretary General Kairat Sarybay on Kazakhstan's "
            "2020-2024 chairmanship and the handover to Azerbaijan. Answers are passages quoted from the interview."
        )
        top_k = gr.Slider(1, 10, value=DEFAULT_TOP_K, step=1, label="Passages to show", render=False)
        mode = gr.Radio(list(MODES), value=DEFAULT_MODE, label="Retrieval", render=False)
        gr.ChatInterface(
            respond,
            additional_inputs=[top_k, mode],
            additional_inputs_accordion=gr.Accordion("Settings", open=False),
            examples=[[example, DEFAULT_TOP_K, DEFAULT_MODE] for example in EXAMPLES],
            api_name="chat",
        )
        gr.Markdown(index_status(searcher))
        gr.api(ask, api_name="ask")
    return demo


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the CICA interview chat.")
    parser.add_argument("--host", help="address to bind (default 127.0.0.1, or $GRADIO_SERVER_NAME)")
    parser.add_argument("--port", type=int, help="port (default 7860, or $GRADIO_SERVER_PORT)")
    parser.add_argument("--corpus", type=Path, help="corpus directory (default corpus)")
    parser.add_argument("--index", type=Path, help="index directory (default index)")
    parser.add_argument("--model", help="sentence-transformers model name or path")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(message)s", level=logging.INFO)
    config = config_from_env(os.environ, corpus_dir=args.corpus, index_dir=args.index, model=args.model)
    try:
        searcher = Searcher(*open_index(config))
    except QAError as exc:
        sys.exit(f"error: {exc}")
    demo = build_demo(searcher)
    demo.queue(max_size=64, default_concurrency_limit=4, api_open=False)
    demo.launch(server_name=args.host, server_port=args.port, share=False)


if __name__ == "__main__":
    main()
