"""Answers as HTML for the web chat.

Every piece of text that comes from a person or from the corpus goes
through :func:`text`, which turns HTML and Markdown syntax into character
entities: whatever is typed or stored is shown, never rendered or run. The
markup around it is ours. Blocks contain no blank line, so the chat's
Markdown renderer passes them through as HTML.
"""

from __future__ import annotations

from urllib.parse import quote

from qa import wording
from qa.types import Answer, Hit, Outcome, Passage
from qa.web.citation import citation
from qa.web.conversation import Turn

# Characters HTML, Markdown (or the chat's LaTeX) could act on, as entities,
# replaced in one pass so that no entity is escaped twice.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#+-.!|~$:="}
_TEXT = str.maketrans({**_ENTITIES, "\n": "<br>"})
EARLIER_BUILD = "This reply came from an earlier build of the index; ask again to see its passages."
_ATTRIBUTE = str.maketrans({**_ENTITIES, "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def text(value: str) -> str:
    """``value`` as inert HTML text that reads exactly as typed."""
    return value.translate(_TEXT)


def attribute(value: str) -> str:
    """``value`` as the content of a double-quoted HTML attribute that gives it back exactly."""
    return value.translate(_ATTRIBUTE)


def share_query(question: str) -> str:
    """The query that asks ``question`` when the page opens (``/?q=...``);
    the page puts its own address in front."""
    return "?q=" + quote(question, safe="")


def actions(turn: Turn) -> str:
    """A reply's buttons: "Copy link" and, for an answer, "Copy with citation".
    The text each copies is its button's value (the chat's sanitiser keeps
    ``value`` and drops ``data-*``); the page's script copies it on click."""
    if turn.outcome is None:
        return ""
    buttons = [
        f'<button type="button" class="qa-copy qa-copy-link" value="{attribute(share_query(turn.question))}">'
        "Copy link</button>"
    ]
    quoted = citation(turn)
    if quoted is not None:
        buttons.append(
            f'<button type="button" class="qa-copy qa-copy-citation" value="{attribute(quoted)}">'
            "Copy with citation</button>"
        )
    return f'<div class="qa-actions">{" ".join(buttons)}</div>'


def earlier_reply(turn: Turn, buttons: str = "") -> str:
    """A reply kept from an index build that is gone: its answer sentence and
    where the passages were, without their text (their ids mean other
    passages now)."""
    parts = [f'<div class="qa-note">{EARLIER_BUILD}</div>']
    if turn.sentence is not None:
        says = "The interviewer says: " if turn.sentence.speaker == "interviewer" else ""
        parts.append(f'<div class="qa-answer"><strong>Answer</strong><br>{says}{text(turn.sentence.text)}</div>')
    if buttons:
        parts.append(buttons)
    for shown in turn.passages:
        parts.append(f'<div class="qa-meta">[{shown.rank}] paragraph {shown.paragraph} · {text(shown.source)}</div>')
    return "\n".join(parts)


def reply(answer: Answer, neighbours: dict[int, list[Passage]], buttons: str = "") -> str:
    """The chat reply: the answer sentence (or a kind "not covered"), the
    reply's ``buttons`` (:func:`actions`), then a card per passage.
    ``neighbours`` maps passage ids to their context."""
    parts = []
    if answer.previous:
        parts.append(f'<div class="qa-note">Read together with your earlier question: “{text(answer.previous)}”</div>')
    if answer.outcome == Outcome.ANSWERED and answer.sentence is not None:
        says = "The interviewer says: " if answer.sentence.speaker == "interviewer" else ""
        parts.append(
            f'<div class="qa-answer"><strong>Answer</strong> '
            f'<span class="qa-confidence">{_confidence(answer)}</span>'
            f"<br>{says}{text(answer.sentence.text)}</div>"
        )
    elif answer.outcome == Outcome.RELATED:
        below = f" The closest passages are below; {wording.RELATED_PASSAGES}." if answer.hits else ""
        parts.append(
            f'<div class="qa-answer qa-related">{wording.RELATED} '
            f'<span class="qa-confidence">({_confidence(answer)})</span>.{below}</div>'
        )
    else:
        below = " The closest passages are below, but treat them with care." if answer.hits else ""
        parts.append(
            f'<div class="qa-answer qa-low">{wording.NOT_COVERED} (confidence {answer.confidence:.0%}).{below}</div>'
        )
    if buttons:
        parts.append(buttons)
    for hit in answer.hits:
        parts.append(_card(hit, answer, neighbours.get(hit.passage.id, [])))
    return "\n".join(parts)


def _card(hit: Hit, answer: Answer, context: list[Passage]) -> str:
    p = hit.passage
    body = text(p.text)
    sentence = answer.sentence
    if sentence is not None and answer.outcome == Outcome.ANSWERED and sentence.passage_rank == hit.rank:
        before, after = p.text[: sentence.start - p.start], p.text[sentence.end - p.start :]
        body = f"{text(before)}<mark>{text(sentence.text)}</mark>{text(after)}"
    low = " qa-low" if answer.outcome != Outcome.ANSWERED else ""
    speaker = " · the interviewer" if p.speaker == "interviewer" else ""
    card = (
        f'<div class="qa-card{low}">'
        f'<div class="qa-meta">[{hit.rank}] paragraph {p.paragraph} · {text(p.source)}{speaker}'
        f" · score {hit.score:.2f}</div>"
        f'<div class="qa-section">In reply to: {text(p.section)}</div>'
        f'<div class="qa-text">{body}</div>'
    )
    if context:
        paragraphs = "".join(f'<p><span class="qa-meta">¶{c.paragraph}</span> {text(c.text)}</p>' for c in context)
        card += f"<details><summary>Context: the passages around it</summary>{paragraphs}</details>"
    return card + "</div>"


def _confidence(answer: Answer) -> str:
    """The two confidences in words: about the interview, and that this answers it."""
    sure = f"answer {answer.answer_confidence:.0%} sure" if answer.answer_confidence is not None else ""
    return f"on topic {answer.confidence:.0%}" + (f" · {sure}" if sure else "")
