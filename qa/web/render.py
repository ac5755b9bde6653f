"""Answers as HTML for the web chat.

Every piece of text that comes from a person or from the corpus goes
through :func:`text`, which turns HTML and Markdown syntax into character
entities: whatever is typed or stored is shown, never rendered or run. The
markup around it is ours. Blocks contain no blank line, so the chat's
Markdown renderer passes them through as HTML.

A reply reads top down: the outcome's badge and sentence
(:mod:`qa.wording`), the short answer in bold, the answer sentence with who
says it and a link to its paragraph in the source view, the confidences
behind "How sure?", the copy buttons, the passage the answer comes from
(open), the others under "More passages (N)" (all of them, collapsed, when
the interview is not about the question), questions to ask next, and a link
back to the question box. No raw score is shown: it cannot be compared
from one question to the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from qa import wording
from qa.types import Answer, Hit, Outcome, Point
from qa.web import source
from qa.web.citation import citation
from qa.web.conversation import Turn

# Characters HTML, Markdown (or the chat's LaTeX) could act on, as entities,
# replaced in one pass so that no entity is escaped twice.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#+-.!|~$:="}
_TEXT = str.maketrans({**_ENTITIES, "\n": "<br>"})
_ATTRIBUTE = str.maketrans({**_ENTITIES, "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
CLASSES = {Outcome.ANSWERED: "qa-answered", Outcome.RELATED: "qa-related", Outcome.NOT_COVERED: "qa-not-covered"}


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


def refused(note: str) -> str:
    """A question the chat did not take (blank, too long): why, in a reply of its own."""
    return f'<div class="qa-reply qa-refused"><p>{text(note)}</p>{_back()}</div>'


def actions(turn: Turn) -> str:
    """A reply's buttons: "Copy link" and, for an answer, "Copy with citation".
    The text each copies is its button's value (the chat's sanitiser keeps
    ``value`` and drops ``data-*``); the page's script copies it on click."""
    if turn.outcome is None:
        return ""
    words = wording.chat(turn.language)
    buttons = [
        f'<button type="button" class="qa-copy qa-copy-link" value="{attribute(share_query(turn.question))}">'
        f"{words.copy_link}</button>"
    ]
    quoted = citation(turn)
    if quoted is not None:
        buttons.append(
            f'<button type="button" class="qa-copy qa-copy-citation" value="{attribute(quoted)}">'
            f"{words.copy_citation}</button>"
        )
    return f'<div class="qa-actions">{" ".join(buttons)}</div>'


def earlier_reply(turn: Turn, buttons: str = "") -> str:
    """A reply kept from an index build that is gone: its outcome, its answer
    sentence and where the passages were, without their text or links (their
    ids and offsets may mean other text now)."""
    outcome, words = Outcome(turn.outcome), wording.chat(turn.language)
    parts = [_outcome(outcome, turn.question, None, turn.language), f'<p class="qa-note">{words.earlier_build}</p>']
    if turn.sentence is not None:
        says = f"{words.interviewer_says} " if turn.sentence.speaker == "interviewer" else ""
        parts.append(f'<blockquote class="qa-answer"><p>{says}{text(turn.sentence.text)}</p></blockquote>')
    if buttons:
        parts.append(buttons)
    shown = ", ".join(words.paragraph_of.format(paragraph=p.paragraph, source=text(p.source)) for p in turn.passages)
    if shown:
        parts.append(f'<p class="qa-note">{words.passages_shown.format(shown=shown)}</p>')
    return _wrap(outcome, parts, turn.language)


def reply(answer: Answer, buttons: str = "", suggestions: Sequence[str] = ()) -> str:
    """The chat reply to ``answer`` (see the module's docstring); ``buttons``
    are :func:`actions`, ``suggestions`` the questions to ask next."""
    outcome, words = Outcome(answer.outcome), wording.chat(answer.language)
    parts = []
    if answer.previous:
        parts.append(f'<p class="qa-note">{words.earlier_question.format(question=text(answer.previous))}</p>')
    if answer.language != "en":  # the passages are the English interview's; the words around them, the reader's
        note = wording.from_english(answer.question, answer.language)
        parts.append(f'<p class="qa-note qa-from-english">{text(note)}</p>')
    parts.append(_outcome(outcome, answer.question, answer.reason, answer.language))
    sentence = answer.sentence if outcome == Outcome.ANSWERED else None
    main = None
    if sentence is not None:
        main = next((h for h in answer.hits if h.rank == sentence.passage_rank), None)
        if sentence.short is not None and sentence.short.text.strip():
            parts.append(f'<p class="qa-short"><strong>{text(sentence.short.text)}</strong></p>')
        says = f"{words.interviewer_says} " if sentence.speaker == "interviewer" else ""
        where = ""
        if main is not None:
            where = " " + _paragraph_link(main.passage.source, main.passage.paragraph, (sentence.start, sentence.end))
        parts.append(f'<blockquote class="qa-answer"><p>{says}{text(sentence.text)}{where}</p></blockquote>')
        if answer.points:
            parts.append(_points(answer.points))
    elif outcome == Outcome.RELATED and answer.hits:
        closest = answer.closest
        rank = closest.passage_rank if closest is not None else 1
        main = next((h for h in answer.hits if h.rank == rank), answer.hits[0])
    parts.append(_how_sure(answer))
    if buttons:
        parts.append(buttons)
    if main is not None:
        label = words.answer_from_here if sentence is not None else words.closest_passage
        parts.append(_card(main, answer, label, opened=True))
    others = [h for h in answer.hits if h is not main]
    if others:
        summary = (
            f"{wording.outcome(outcome, answer.language).passages} ({len(others)})"
            if main is None
            else words.more_passages.format(count=len(others))
        )
        cards = "".join(_card(h, answer) for h in others)
        parts.append(f'<details class="qa-more"><summary>{summary}</summary>{cards}</details>')
    if suggestions:
        asks = "".join(
            f'<li><button type="button" class="qa-ask" value="{attribute(q)}">{text(q)}</button></li>'
            for q in suggestions
        )
        title = f'<p class="qa-next-title">{words.ask_next}</p>'
        parts.append(f'<div class="qa-next">{title}<ul>{asks}</ul></div>')
    parts.append(_back(answer.language))
    return _wrap(outcome, parts, answer.language)


def _wrap(outcome: Outcome, parts: list[str], language: str = "en") -> str:
    """The reply's block; one to a question the chat answers in another language is marked
    ``qa-lang-XX``, so that the page's script names Gradio's buttons under it in that language."""
    marked = f" qa-lang-{language}" if language != "en" and language in wording.CHAT else ""
    return f'<div class="qa-reply {CLASSES[outcome]}{marked}">\n' + "\n".join(parts) + "\n</div>"


def _outcome(outcome: Outcome, question: str, reason: str | None = None, language: str = "en") -> str:
    """The badge, then the sentence (which may quote the question: escaped like any text)."""
    said = wording.reply_sentence(outcome, question, reason, language)
    return (
        f'<p class="qa-outcome"><span class="qa-badge">{text(wording.outcome(outcome, language).badge)}</span> '
        f'<span class="qa-says">{text(said)}</span></p>'
    )


def _how_sure(answer: Answer) -> str:
    """The two confidences, on demand: about the interview, and that this answers it."""
    words = wording.chat(answer.language)
    shown = words.about_interview.format(confidence=answer.confidence)
    if answer.answer_confidence is not None:
        shown += words.answers_it.format(confidence=answer.answer_confidence)
    return f'<details class="qa-sure"><summary>{words.how_sure}</summary><p>{shown}</p></details>'


def _points(points: Sequence[Point]) -> str:
    items = "".join(
        f"<li>{text(p.text)} {_paragraph_link(p.source, p.paragraph, (p.start, p.end))}</li>" for p in points
    )
    return f'<ul class="qa-points">{items}</ul>'


def _card(hit: Hit, answer: Answer, label: str = "", opened: bool = False) -> str:
    p = hit.passage
    body = text(p.text)
    # The answer's sentence marked, or for "related" the one that came closest; only
    # inside the passage's text (a fact the interviewer states in the question is not).
    sentence = {Outcome.ANSWERED: answer.sentence, Outcome.RELATED: answer.closest}.get(Outcome(answer.outcome))
    if (
        opened
        and sentence is not None
        and sentence.passage_rank == hit.rank
        and p.start <= sentence.start < sentence.end <= p.end
    ):
        before, after = p.text[: sentence.start - p.start], p.text[sentence.end - p.start :]
        body = f"{text(before)}<mark>{text(sentence.text)}</mark>{text(after)}"
    words = wording.chat(answer.language)
    who = words.the_interviewer if p.speaker == "interviewer" else ""
    tag = f'<span class="qa-label">{text(label)}</span> ' if label else ""
    under = words.in_reply_to if p.section.rstrip().endswith("?") else words.under
    return (
        f'<div class="qa-card{" qa-main" if opened else ""}">'
        f'<p class="qa-where">{tag}{_paragraph_link(p.source, p.paragraph, (p.start, p.end))} '
        f"({who}{text(p.source)}) {under}: <em>{text(p.section)}</em></p>"
        f'<p class="qa-text">{body}</p></div>'
    )


def _paragraph_link(name: str, paragraph: int, span: tuple[int, int]) -> str:
    """ "¶N", linked to that paragraph in the source view (a new tab: the chat stays), ``span`` marked."""
    return f'<a class="qa-para" href="{attribute(source.link(name, paragraph, span))}" target="_blank">¶{paragraph}</a>'


def _back(language: str = "en") -> str:
    return f'<p class="qa-back"><a class="qa-skip" href="#question">{wording.chat(language).back}</a></p>'
