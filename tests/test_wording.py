"""One owner for each wording: the command line, the chat and the
downloaded Markdown say each outcome in the words of qa/wording.py."""

import html

import pytest

from qa import wording
from qa.cli.ask import format_answer
from qa.types import Answer, AnswerSentence, Hit, Outcome, Passage
from qa.web import render
from qa.web.citation import conversation_markdown, markdown_text
from qa.web.conversation import Turn

PASSAGE = Passage(0, "i.txt", 0, 22, 1, "How many?", "Kuwait joined in 2022.", ((0, 22),))


def answer(outcome: Outcome) -> Answer:
    sentence = AnswerSentence(PASSAGE.text, 1, 0, 22, 1.0) if outcome == Outcome.ANSWERED else None
    answer_confidence = None if outcome == Outcome.NOT_COVERED else 0.6
    return Answer("How many?", outcome, sentence, (Hit(PASSAGE, 1.0, 1),), 0.9, answer_confidence)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_renderer_says_the_outcome_in_the_shared_words(outcome):
    words = wording.outcome(outcome)
    said = wording.reply_sentence(outcome, "How many?")
    shown = html.unescape(render.reply(answer(outcome)))
    assert f'<span class="qa-badge">{words.badge}</span> <span class="qa-says">{said}</span>' in shown
    markdown = conversation_markdown([Turn.from_answer(answer(outcome), "b1", 5, "hybrid")])
    assert f"**{words.badge}.** {markdown_text(said)}" in markdown
    if outcome != Outcome.ANSWERED:  # the command line says the answer itself when there is one
        assert said in format_answer(answer(outcome)) and f"{words.passages}:" in format_answer(answer(outcome))


def test_related_says_what_the_interview_does_not_say_and_an_unknown_name_is_named():
    assert wording.reply_sentence(Outcome.RELATED, "What is CICA's budget?") == (
        "The interview does not say what CICA's budget is."
    )
    reason = "the interview never names NATO"
    assert wording.reply_sentence(Outcome.NOT_COVERED, "Who leads NATO?", reason) == "The interview never names NATO."
    assert wording.reply_sentence(Outcome.NOT_COVERED, "Who leads NATO?") == "The interview is not about this."


def test_the_words_are_plain_sentences_and_badges_differ():
    assert len({w.badge for w in wording.OUTCOMES.values()}) == 3
    for words in wording.OUTCOMES.values():
        assert words.sentence.endswith(".") and "seem" not in words.sentence  # no hedging


def test_a_question_in_russian_kazakh_or_chinese_is_told_the_outcome_in_its_language():
    for language in ("ru", "kk", "zh"):
        for value in Outcome:
            said, english = wording.outcome(value, language), wording.outcome(value)
            assert said.badge != english.badge and said.sentence != english.sentence
    assert wording.outcome("related", "tr") == wording.outcome("related")  # not written in Turkish: English
    # not_said() would build an English sentence around a Russian question: the outcome's own sentence instead.
    question = "Какой бюджет у СВМДА?"
    assert wording.reply_sentence("related", question, None, "ru") == wording.LOCALISED["ru"][Outcome.RELATED].sentence
    assert wording.from_english(question, "ru") == f"Из интервью на английском языке. Ваш вопрос: «{question}»"
