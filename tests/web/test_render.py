"""Replies as HTML, on hand-made answers: everything escaped, the outcome's
badge and sentence, the short answer above its sentence, one passage open
and the others folded, no raw score, links to the source view, questions to
ask next, and a list or summary's points."""

import html
import re

import pytest

from qa import wording
from qa.types import Answer, AnswerSentence, Hit, Passage, Point, Span
from qa.web import render
from qa.web.conversation import Turn

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


def passage(text="Kuwait joined in 2022. It is member 28.", pid=0, paragraph=4, section="How many <b>members</b>?"):
    start = 100 * (pid + 1)
    return Passage(pid, "i.txt", start, start + len(text), paragraph, section, text, ((start, start + 22),))


def links(reply: str) -> list[str]:
    """The addresses of a reply's links, as the browser reads them."""
    return [html.unescape(h) for h in re.findall(r'<a class="qa-para" href="([^"]*)"', reply)]


def hits(count: int) -> tuple[Hit, ...]:
    return tuple(Hit(passage(pid=n, paragraph=4 + n), 10.0 - n, n + 1) for n in range(count))


def answered(rank: int = 1, short: Span | None = None, points=()) -> Answer:
    start = 100 * rank
    sentence = AnswerSentence("Kuwait joined in 2022.", rank, start, start + 22, 1.0, short=short)
    return Answer("When did Kuwait join?", "answered", sentence, hits(5), 0.9, 0.75, points=points)


def test_an_answer_shows_its_badge_sentence_and_source_and_escapes_everything():
    reply = render.reply(answered())
    assert reply.startswith('<div class="qa-reply qa-answered">\n<p class="qa-outcome"><span class="qa-badge">Answered')
    assert wording.OUTCOMES["answered"].sentence.replace(".", "&#46;") in reply
    assert '<blockquote class="qa-answer"><p>Kuwait joined in 2022&#46; <a class="qa-para" href=' in reply
    assert links(reply)[0] == "source/i.txt?mark=100-122#p4"  # the sentence, marked in its paragraph
    assert "<mark>Kuwait joined in 2022&#46;</mark>" in reply
    assert "<b>" not in reply and "&#60;b&#62;members&#60;/b&#62;" in reply
    assert "\n\n" not in reply  # one HTML block per line: Markdown never re-reads it


def test_one_passage_open_the_others_folded_and_no_raw_score():
    reply = render.reply(answered(rank=2))
    opened, folded = reply.split('<details class="qa-more">')
    assert opened.count('<div class="qa-card') == 1 and "The answer comes from here" in opened
    assert "source/i.txt?mark=200-239#p5" in links(opened)  # the answer's passage, though ranked second
    assert folded.startswith("<summary>More passages (4)</summary>") and folded.count('<div class="qa-card">') == 4
    assert "score" not in reply and "10.00" not in reply and "10.0" not in reply


def test_the_confidences_wait_behind_how_sure():
    reply = render.reply(answered())
    assert (
        '<details class="qa-sure"><summary>How sure?</summary><p>About the interview: 90% · that this answers it: 75%'
        in reply
    )


def test_the_short_answer_stands_in_bold_above_its_sentence():
    reply = render.reply(answered(short=Span("2022", 117, 121)))
    assert '<p class="qa-short"><strong>2022</strong></p>\n<blockquote class="qa-answer">' in reply
    assert "qa-short" not in render.reply(answered())


def test_a_list_shows_its_points_each_linked_to_its_paragraph():
    points = (Point("Kuwait joined.", "i.txt", 4, 100, 114), Point("Turkmenistan <observes>.", "i.txt", 9, 300, 324))
    reply = render.reply(answered(points=points))
    items = re.findall(r"<li>(.*?)</li>", reply.split('<ul class="qa-points">')[1].split("</ul>")[0])
    assert [html.unescape(re.sub(r"<[^>]+>", "", i)) for i in items] == [
        "Kuwait joined. ¶4",
        "Turkmenistan <observes>. ¶9",
    ]
    assert "source/i.txt?mark=300-324#p9" in links(reply)


def test_not_covered_folds_every_passage_and_says_so_plainly():
    answer = Answer("q", "not_covered", None, hits(3), 0.1, previous="Earlier <question>")
    reply = render.reply(answer)
    assert '<span class="qa-badge">Not about the interview</span>' in reply
    assert "<summary>The closest passages, about something else (3)</summary>" in reply
    assert "qa-main" not in reply and "<mark>" not in reply and "qa-answer" not in reply
    assert "Read together with your earlier question: “Earlier &#60;question&#62;”" in reply
    assert "that this answers it" not in reply  # no answer confidence when not covered


def test_a_related_reply_claims_no_answer_and_opens_the_closest_passage():
    sentence = AnswerSentence("Kuwait joined in 2022.", 1, 100, 122, 1.0)
    reply = render.reply(Answer("q", "related", sentence, hits(2), 0.95, 0.2))
    assert '<span class="qa-badge">Discussed, not answered</span>' in reply
    assert "qa-answer" not in reply and "<mark>" not in reply
    assert "The closest passage</span>" in reply and "<summary>More passages (1)</summary>" in reply


def test_a_related_reply_opens_the_passage_closest_to_an_answer_with_that_sentence_marked():
    """main's reader names the sentence that came closest (Answer.closest): its passage is the one open."""
    closest = AnswerSentence("It is member 28.", 2, 223, 239, 0.4)
    reply = render.reply(Answer("What is CICA's budget?", "related", None, hits(3), 0.95, 0.2, closest=closest))
    opened = reply.split('<div class="qa-card qa-main">')[1].split("</div>")[0]
    assert ">¶5</a>" in opened and "<mark>It is member 28&#46;</mark>" in opened
    assert "The interview does not say what CICA&#39;s budget is&#46;" in reply  # what it does not say, escaped


def test_a_sentence_outside_its_passage_text_is_not_marked():
    """An answer may be a fact the interviewer states in the question (main's section_start): not in the text."""
    outside = AnswerSentence("How many members?", 1, 10, 27, 1.0)
    reply = render.reply(Answer("How many?", "answered", outside, hits(1), 0.9, 0.8))
    assert "<mark>" not in reply and "Kuwait joined in 2022&#46; It is member 28&#46;" in reply


def test_what_the_interviewer_says_is_attributed():
    p = Passage(0, "i.txt", 0, 22, 1, "Introduction", "Kuwait joined in 2022.", ((0, 22),), "interviewer")
    answer = Answer("q", "answered", AnswerSentence(p.text, 1, 0, 22, 1.0, "interviewer"), (Hit(p, 1.0, 1),), 0.9, 0.8)
    reply = render.reply(answer)
    assert "The interviewer says: Kuwait joined in 2022&#46;" in reply
    assert "(the interviewer, i&#46;txt) under: <em>Introduction</em>" in reply


@pytest.mark.parametrize("outcome", ["related", "not_covered"])
def test_a_reply_with_no_passages_promises_none(outcome):
    """A keyword search can find nothing ("<script>" has no term the index knows)."""
    reply = render.reply(Answer("q", outcome, None, (), 0.6 if outcome == "related" else 0.1, 0.2))
    assert "qa-card" not in reply and "qa-more" not in reply and "passages" not in reply.lower()


def test_suggested_questions_are_buttons_that_give_back_their_question_exactly():
    reply = render.reply(answered(), suggestions=['What "next" <now>?'])
    (value,) = re.findall(r'<button type="button" class="qa-ask" value="([^"]*)">', reply)
    assert html.unescape(value) == 'What "next" <now>?'
    assert reply.index("qa-next") > reply.index("qa-more")


def test_every_reply_ends_with_a_way_back_to_the_question_box():
    for reply in (render.reply(answered()), render.refused("Please type a question.")):
        assert reply.endswith(
            f'<p class="qa-back"><a class="qa-skip" href="#question">{wording.chat().back}</a></p>\n</div>'
        ) or reply.endswith(
            f'<p class="qa-back"><a class="qa-skip" href="#question">{wording.chat().back}</a></p></div>'
        )


def visible_words(reply: str, *content: str) -> str:
    """What a reader sees of ``reply`` (tags dropped, entities read) without ``content``: the chat's own words."""
    seen = html.unescape(re.sub(r"<[^>]+>", " ", reply))
    for part in sorted(content, key=len, reverse=True):
        seen = seen.replace(part, " ")
    return seen


@pytest.mark.parametrize("language", ["ru", "kk", "zh"])
def test_a_reply_to_a_question_in_russian_kazakh_or_chinese_says_every_fixed_text_in_its_language(language):
    """Only the interview's passages, sources, sections and suggested questions stay English;
    every word the chat adds (the fold, labels, buttons, links, notes) is in the question's language."""
    said = wording.chat(language)
    question, previous, next_question = "Когда вступил Кувейт?", "Кто вступил?", "When did Kuwait join?"
    p = Passage(0, "i.txt", 0, 22, 1, "How many members?", "Kuwait joined in 2022.", ((0, 22),), "interviewer")
    others = tuple(Hit(passage(pid=n, section="The members"), 9.0 - n, n + 2) for n in range(2))
    sentence = AnswerSentence(p.text, 1, 0, 22, 1.0, "interviewer")
    answer = Answer(question, "answered", sentence, (Hit(p, 1.0, 1), *others), 0.9, 0.75, previous, language=language)
    turn = Turn.from_answer(answer, "abcdef012345", 5, "hybrid")
    content = (question, previous, next_question, p.text, p.section, "The members", others[0].passage.text, "i.txt")
    replies = {
        "answered": render.reply(answer, render.actions(turn), [next_question]),
        "related": render.reply(Answer(question, "related", None, answer.hits, 0.9, 0.2, language=language)),
        "earlier build": render.earlier_reply(turn, render.actions(turn)),
    }
    for name, reply in replies.items():
        assert not re.search(r"[A-Za-z]", visible_words(reply, *content)), name  # no English left
    answered_reply = replies["answered"]
    fixed = [said.more_passages.format(count=2), said.answer_from_here, said.how_sure, said.copy_link]
    fixed += [said.copy_citation, said.ask_next, said.back, said.interviewer_says, said.the_interviewer.strip()]
    fixed += [said.in_reply_to, said.under, said.earlier_question.format(question=previous)]
    fixed += [said.about_interview.format(confidence=0.9) + said.answers_it.format(confidence=0.75)]
    for words in fixed:
        assert words in html.unescape(answered_reply), words
    assert f"<summary>{said.more_passages.format(count=2)}</summary>" in answered_reply
    assert said.closest_passage in replies["related"] and said.earlier_build in replies["earlier build"]
    english = wording.chat()
    assert english.more_passages.format(count=2) not in answered_reply and english.copy_link not in answered_reply
    # Marked for the page's script, which names Gradio's buttons under the reply in its language.
    for name, reply in replies.items():
        assert reply.startswith(
            f'<div class="qa-reply qa-{name.replace("earlier build", "answered")} qa-lang-{language}">'
        )
    assert "qa-lang" not in render.reply(answered()) + render.reply(Answer("q", "related", None, (), language="tr"))
