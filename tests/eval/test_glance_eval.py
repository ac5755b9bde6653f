"""Glance sets are judged on the answer alone: its sentence and its points,
never the passages under it."""

import json

from qa.eval.glance import evaluate_glance, is_glance_set, load_glance
from qa.types import Answer, AnswerSentence, Hit, Passage, Point

TEXT = "Kuwait joined in 2022. Turkmenistan became an observer. Saudi Arabia followed. The Fund was set up."
SOURCE = "interview.txt"
PASSAGE = Passage(0, SOURCE, 0, len(TEXT), 1, "Introduction", TEXT, ((0, 22), (23, 55), (56, 77), (78, 98)))


def _point(text: str) -> Point:
    start = TEXT.index(text)
    return Point(text, SOURCE, 1, start, start + len(text))


class StubSearcher:
    """Answers each question with what the test gives it."""

    def __init__(self, answers):
        self.answers = answers

    def ask(self, question, k=5):
        return self.answers[question]


def _answer(question, lead, points=(), kind="list"):
    start = TEXT.index(lead)
    sentence = AnswerSentence(lead, 1, start, start + len(lead), 0.9)
    hits = (Hit(PASSAGE, 1.0, 1),)
    return Answer(question, "answered", sentence, hits, 0.9, 0.9, kind=kind, points=tuple(points))


def _questions(tmp_path):
    rows = [
        {"id": "q1", "question": "Who joined?", "kind": "list", "points": [
            {"point": "Kuwait", "evidence": ["Kuwait joined in 2022"]},
            {"point": "Turkmenistan", "evidence": ["Turkmenistan became an observer"]},
            {"point": "Saudi Arabia", "evidence": ["Saudi Arabia followed"]},
        ]},
        {"id": "q2", "question": "What is this?", "kind": "about", "points": [
            {"point": "the Fund", "evidence": ["The Fund was set up"]},
        ]},
    ]  # fmt: skip
    path = tmp_path / "glance-t1.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_point_counts_only_when_the_answer_itself_states_it(tmp_path):
    path = _questions(tmp_path)
    searcher = StubSearcher({
        # Two of three points in the answer; the third is only in the passage under it.
        "Who joined?": _answer("Who joined?", "Kuwait joined in 2022.", [_point("Kuwait joined in 2022."),
                                                                        _point("Saudi Arabia followed.")]),
        "What is this?": _answer("What is this?", "Kuwait joined in 2022.", kind="fact"),
    })  # fmt: skip
    report = evaluate_glance(searcher, path.name, load_glance(path), {SOURCE: TEXT})
    figures = report.figures()
    assert figures["list"]["recall"] == 2 / 3 and figures["list"]["points_max"] == 2
    assert figures["about"]["recall"] == 0 and figures["about"]["first_point_recalled"] == 0
    assert figures["about"]["answered_as"] == {"fact": 1} and figures["about"]["points_mean"] == 1
    assert "list   1  67%" in report.to_table()


def test_glance_sets_are_told_from_question_sets(tmp_path):
    assert is_glance_set(_questions(tmp_path))
    other = tmp_path / "en-x.jsonl"
    other.write_text(json.dumps({"id": "a", "question": "q", "kind": "absent"}) + "\n", encoding="utf-8")
    assert not is_glance_set(other)


def test_a_blind_question_answered_from_the_introduction_is_judged_by_what_it_says(real_searcher, real_config):
    """An about answer has no reader's choice: its lead sentence is what it claims."""
    from qa.eval.blind import BlindQuestion, evaluate_blind
    from qa.index.documents import load_corpus

    texts = {d.source: d.text for d in load_corpus(real_config.corpus_dir)}
    item = BlindQuestion(
        "t1", "Who was interviewed?", "answerable", ("CICA Secretary General Ambassador Kairat Sarybay",)
    )
    (result,) = evaluate_blind(real_searcher, "t", [item], texts).results
    assert result.claimed and result.right and result.holds
