"""The chat's handlers: plain functions over a :class:`~qa.answer.search.Searcher`
and the turns the reader's browser keeps (:mod:`qa.web.conversation`),
testable without a browser. :mod:`qa.web.page` wires them into the page.

No retrieval logic lives here, and every text a person typed or the corpus
holds is shown as text (:mod:`qa.web.render`), never rendered as HTML or Markdown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from qa.answer.search import Searcher
from qa.config import DEFAULT_MODE, DEFAULT_TOP_K, MAX_TOP_K, MODES
from qa.errors import InvalidArgument
from qa.inputs import MAX_QUESTION_CHARS, check_previous, shorten, visible_text
from qa.types import Answer
from qa.web import render
from qa.web.citation import conversation_markdown
from qa.web.conversation import MAX_SHOWN, Turn, to_records, turns_from_records
from qa.web.suggest import suggestions

# The conversation lives in the reader's browser as turns (qa.web.conversation:
# compact records, not the replies' HTML) and comes back with every event, so
# the chat keeps the last KEPT_TURNS exchanges; the largest request (a vote:
# 20 turns of 10 passages and 1,000-character questions, plus the voted
# reply) is far below MAX_REQUEST_BYTES, an API question a few kB.
KEPT_TURNS = 20
FEEDBACK_OPTIONS = {"like": "Like", "dislike": "Dislike"}  # a turn's vote -> the chat's thumb
BLANK = "Please type a question about the interview."
Sign = Callable[[Turn], Turn]  # a reply just produced, with its vote token (qa.web.voting.sign_turn)


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


@dataclass(frozen=True)
class Asked:
    """A question just asked in the chat: its turn (what the browser keeps),
    and the answer it was made from (None when the question was refused)."""

    turn: Turn
    answer: Answer | None


def ask(
    searcher: Searcher,
    message: Any,
    previous: list[str],
    top_k: Any = DEFAULT_TOP_K,
    mode: Any = DEFAULT_MODE,
    sign: Sign | None = None,
) -> Asked:
    """One question from the chat. ``previous`` are the questions asked before
    that a follow-up may lean on (the searcher reads the chain). A blank or
    over-long message, or a bad setting, is a refused turn whose note says why.
    ``sign`` gives the reply its vote token (only the server's replies get one)."""
    text = shown_message(message)
    if not isinstance(message, str) or not message.strip():
        return Asked(Turn.refused(text, BLANK, searcher.index_id, DEFAULT_TOP_K, DEFAULT_MODE), None)
    try:
        k, mode = min(coerce_top_k(top_k), MAX_SHOWN), coerce_mode(mode)
        answer = searcher.ask(message, k=k, mode=mode, previous=previous)
    except (InvalidArgument, gr.Error) as exc:
        note = f"Sorry, I cannot answer that: {getattr(exc, 'message', str(exc))}."
        return Asked(Turn.refused(text, note, searcher.index_id, DEFAULT_TOP_K, DEFAULT_MODE), None)
    turn = Turn.from_answer(answer, searcher.index_id, k, mode)
    return Asked(sign(turn) if sign else turn, answer)


def ask_turn(
    searcher: Searcher, message: Any, previous: list[str], top_k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE
) -> Turn:
    """One question from the chat, as the turn the browser keeps (see :func:`ask`)."""
    return ask(searcher, message, previous, top_k, mode).turn


def reply_html(searcher: Searcher, turn: Turn, answer: Answer | None = None) -> str:
    """A turn's reply as the chat shows it: the answer, its copy buttons, the
    passages' cards, questions to ask next. From ``answer`` when the turn was
    just asked; else from the index build that answered, or, when that build
    is gone, what the turn itself holds."""
    if turn.outcome is None:
        return render.refused(turn.note)
    if answer is None and turn.index_id == searcher.index_id:
        answer = turn.answer(searcher.passages)
    if answer is None:
        return render.earlier_reply(turn, render.actions(turn))
    return render.reply(answer, render.actions(turn), suggestions(answer, searcher.passages))


def chat_reply(
    searcher: Searcher, message: Any, previous: list[str], top_k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE
) -> tuple[str, bool]:
    """One chat turn: the reply as HTML, and whether later follow-ups may lean on the message."""
    asked = ask(searcher, message, previous, top_k, mode)
    return reply_html(searcher, asked.turn, asked.answer), asked.turn.can_be_previous


def chat_view(searcher: Searcher, turns: list[Turn], last: Answer | None = None) -> dict[str, Any]:
    """The chat showing ``turns``: each question as text, each reply, and the
    thumbs of the votes already given (an update for the Chatbot). ``last`` is
    the answer of the last turn when it was just asked."""
    messages = []
    for number, turn in enumerate(turns, start=1):
        messages.append({"role": "user", "content": render.text(turn.question)})
        fresh = last if number == len(turns) else None
        messages.append({"role": "assistant", "content": reply_html(searcher, turn, fresh)})
    votes = [FEEDBACK_OPTIONS.get(turn.vote or "") for turn in turns]
    return gr.update(value=messages, feedback_value=votes)


def previous_questions(turns: list[Turn]) -> list[str]:
    """The questions of ``turns`` a follow-up may lean on, in order."""
    return [turn.question for turn in turns if turn.can_be_previous]


def respond(
    searcher: Searcher,
    message: Any,
    records: Any,
    top_k: Any = DEFAULT_TOP_K,
    mode: Any = DEFAULT_MODE,
    sign: Sign | None = None,
) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """The chat's submit: the cleared question box, the chat, and the turns
    (the browser's records, with this one added; the last KEPT_TURNS)."""
    turns = turns_from_records(records, KEPT_TURNS)
    asked = ask(searcher, message, previous_questions(turns), top_k, mode, sign)
    turns = [*turns, asked.turn][-KEPT_TURNS:]
    return "", chat_view(searcher, turns, asked.answer), to_records(turns)


def retry(
    searcher: Searcher, records: Any, top_k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE, sign: Sign | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The last question asked again (with the settings as they are now), in place of its reply."""
    turns = turns_from_records(records, KEPT_TURNS)
    if not turns:
        return chat_view(searcher, turns), to_records(turns)
    asked = ask(searcher, turns[-1].question, previous_questions(turns[:-1]), top_k, mode, sign)
    turns[-1] = asked.turn
    return chat_view(searcher, turns, asked.answer), to_records(turns)


def undo(searcher: Searcher, records: Any) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """The last turn taken back: its question returns to the question box."""
    turns = turns_from_records(records, KEPT_TURNS)
    question = turns.pop().question if turns else ""
    return question, chat_view(searcher, turns), to_records(turns)


def restore(
    searcher: Searcher,
    records: Any,
    question: Any = None,
    top_k: Any = DEFAULT_TOP_K,
    mode: Any = DEFAULT_MODE,
    sign: Sign | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The page opening: the conversation kept in the browser, then the
    question of the address (``/?q=...``), if any, asked."""
    turns = turns_from_records(records, KEPT_TURNS)
    if not (isinstance(question, str) and question.strip()):
        return chat_view(searcher, turns), to_records(turns)
    asked = ask(searcher, question, previous_questions(turns), top_k, mode, sign)
    turns = [*turns, asked.turn][-KEPT_TURNS:]
    return chat_view(searcher, turns, asked.answer), to_records(turns)


def conversation_file(searcher: Searcher, records: Any) -> str:
    """What "Download" saves: the conversation as Markdown, with the passages'
    text from the index build that answered (when it is still the one in use)."""
    turns = turns_from_records(records, KEPT_TURNS)
    answers = [turn.answer(searcher.passages) if turn.index_id == searcher.index_id else None for turn in turns]
    return conversation_markdown(turns, answers)


def shown_message(message: Any) -> str:
    """The message as the conversation keeps it: cleaned, and an over-long one
    (refused by the reply) cut to the question limit, never kept whole."""
    if not isinstance(message, str):
        return ""
    text = visible_text(message[: 4 * MAX_QUESTION_CHARS])
    return shorten(text, MAX_QUESTION_CHARS)


def index_status(searcher: Searcher) -> str:
    """The footer, in a reader's words: what is searched, and since when; the
    build's id is the one every vote records (``feedback stats`` lists it)."""
    manifest = searcher.index.manifest
    counts = manifest.counts
    documents = "the interview" if counts.documents == 1 else f"{counts.documents} documents"
    built = render.text(manifest.created_at[:10])
    return (
        f"Answers are quoted from {documents}, read as {counts.passages} passages, "
        f"last indexed on {built} (build {render.text(searcher.index_id)})."
    )
