import html
import re

import pytest

from qa.types import Answer, AnswerSentence, Hit, Passage
from qa.web import render

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "**bold** _it_ `code` # head > quote | table ~~del~~ $x^2$",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "Kazakhstan's “CICA family” – 28 & counting; 5 > 3",
    "&lt;b&gt; already escaped &#x27;",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_leaves_no_markup_and_reads_back_as_typed(payload):
    shown = render.text(payload)
    bare = re.sub(r"&#?\w+;", "", shown)  # what is left once the entities are taken out
    assert not re.search(r"[<>\[\]()*_`#|~$]", bare)  # nothing HTML or Markdown could act on
    assert html.unescape(shown) == payload


def passage(text="Kuwait joined in 2022. It is member 28.", pid=0):
    return Passage(pid, "i.txt", 100, 100 + len(text), 4, "How many <b>members</b>?", text, ((100, 122), (123, 139)))


def test_reply_highlights_the_answer_sentence_in_its_passage_and_escapes_everything():
    p = passage()
    sentence = AnswerSentence("Kuwait joined in 2022.", 1, 100, 122, 1.0)
    answer = Answer("q", "answered", sentence, (Hit(p, 1.2, 1),), 0.9, 0.75)
    reply = render.reply(answer, {0: [passage("Before <i>this</i>.", 1)]})
    assert reply.startswith('<div class="qa-answer"><strong>Answer</strong>')
    assert "<mark>Kuwait joined in 2022&#46;</mark>" in reply
    assert "<b>" not in reply and "<i>" not in reply and "&#60;b&#62;members&#60;/b&#62;" in reply
    assert "on topic 90% · answer 75% sure" in reply and "paragraph 4" in reply
    assert "\n\n" not in reply  # one HTML block per line: Markdown never re-reads it


def test_abstained_reply_is_kind_and_marks_passages_low_confidence():
    answer = Answer("q", "not_covered", None, (Hit(passage(), 0.3, 1),), 0.1, previous="Earlier <question>")
    reply = render.reply(answer, {})
    assert "does not seem to cover this (confidence 10%)" in reply
    assert 'class="qa-card qa-low"' in reply and "<mark>" not in reply
    assert "Read together with your earlier question: “Earlier &#60;question&#62;”" in reply


def test_a_related_reply_claims_no_answer_and_says_so():
    """The interview discusses the subject but does not seem to answer: no
    Answer card, no highlight, and words that say what the passages are."""
    sentence = AnswerSentence("Kuwait joined in 2022.", 1, 100, 122, 1.0)
    answer = Answer("q", "related", sentence, (Hit(passage(), 0.3, 1),), 0.95, 0.2)
    reply = render.reply(answer, {})
    assert "<strong>Answer</strong>" not in reply and "<mark>" not in reply
    assert "does not seem to answer this exact question" in reply and "answer 20% sure" in reply
    assert "they may not answer your exact question" in reply


def test_what_the_interviewer_says_is_attributed():
    p = Passage(0, "i.txt", 0, 22, 1, "Introduction", "Kuwait joined in 2022.", ((0, 22),), "interviewer")
    answer = Answer("q", "answered", AnswerSentence(p.text, 1, 0, 22, 1.0, "interviewer"), (Hit(p, 1.0, 1),), 0.9, 0.8)
    reply = render.reply(answer, {})
    assert "The interviewer says: Kuwait joined in 2022&#46;" in reply
    assert "paragraph 1 · i&#46;txt · the interviewer · score" in reply


@pytest.mark.parametrize("outcome", ["related", "not_covered"])
def test_a_reply_with_no_passages_promises_none(outcome):
    """A keyword search can find nothing ("<script>" has no term the index
    knows): the reply said "the closest passages are below" over nothing."""
    reply = render.reply(Answer("q", outcome, None, (), 0.6 if outcome == "related" else 0.1, 0.2), {})
    assert "below" not in reply and "qa-card" not in reply
    with_one = render.reply(Answer("q", outcome, None, (Hit(passage(), 0.3, 1),), 0.6, 0.2), {})
    assert "The closest passages are below" in with_one
