"""Suggested next questions come from the interview: the interviewer's
questions near the answer, never the question just asked."""

from qa.types import Answer, AnswerSentence, Hit, Passage
from qa.web.suggest import asked_part, suggestions

Q1 = "The Conference grew. How many member states does it have?"
Q2 = "What are the plans for the Charter?"
Q3 = "Who chairs it now?"
PASSAGES = [
    Passage(0, "i.txt", 0, 10, 1, "Introduction", "Intro text.", ((0, 10),), "interviewer"),
    Passage(1, "i.txt", 20, 30, 3, Q1, "It has 28.", ((20, 30),)),
    Passage(2, "i.txt", 40, 50, 5, Q2, "At the 2026 summit.", ((40, 50),)),
    Passage(3, "i.txt", 60, 70, 7, Q3, "Azerbaijan.", ((60, 70),)),
]


def answer(outcome: str, question: str = "How big is CICA?", ranks=(1, 3)) -> Answer:
    hits = tuple(Hit(PASSAGES[i], 1.0, n) for n, i in enumerate(ranks, 1))
    sentence = AnswerSentence("It has 28.", 1, 20, 30, 1.0) if outcome == "answered" else None
    return Answer(question, outcome, sentence, hits, 0.9, 0.8)


def test_the_question_of_an_interviewers_turn_leaves_its_statements_out():
    assert asked_part(Q1) == "How many member states does it have?"
    assert asked_part("Introduction") is None


def test_an_answer_suggests_its_passages_question_then_the_next_one_then_the_others():
    assert suggestions(answer("answered"), PASSAGES) == [asked_part(Q1), Q2, Q3]


def test_the_question_just_asked_is_not_suggested_again():
    assert asked_part(Q1) not in suggestions(answer("answered", "how many member states does it have"), PASSAGES)


def test_a_question_the_interview_is_not_about_gets_the_interviews_first_questions():
    assert suggestions(answer("not_covered", "Capital of France?", ranks=(3,)), PASSAGES) == [asked_part(Q1), Q2, Q3]
