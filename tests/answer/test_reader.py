"""The reader (qa.answer.reader): its candidates, the checks it never
overrides, and the verifier's part in choosing. On a small interview with
the fake embedder; the trained verifier is replaced by a stand-in whose
scores the test sets."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from qa import open_searcher
from qa.answer import answerability
from qa.answer.reader import gather
from qa.config import Config

INTERVIEW = (
    "The magazine spoke with the Secretary General about the Conference.\n"
    "- What were the achievements of the chairmanship from 2020 to 2024?\n"
    "- The Youth Council was strengthened. Kuwait joined in 2022.\n"
    "- Where was the Sixth Summit held?\n"
    "- The Sixth Summit was held in Astana. The Charter could be adopted at the 2026 summit.\n"
)


class StandIn:
    """A verifier whose score of each sentence the test decides."""

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores
        self.read: list[str] = []

    def score(self, question, pairs):
        self.read += [sentence for sentence, _ in pairs]
        return np.array([self.scores.get(sentence, 0.0) for sentence, _ in pairs])


@pytest.fixture
def searcher(tmp_path, fake_factory):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "interview.txt").write_text(INTERVIEW, encoding="utf-8")
    return open_searcher(Config(corpus_dir=corpus, index_dir=tmp_path / "index"), embedder_factory=fake_factory)


def test_the_interviewers_question_is_a_candidate_with_its_place_in_the_file(searcher):
    """A fact stated only inside the interviewer's question ("from 2020 to 2024")."""
    trace = searcher.trace("When was the Youth Council strengthened during the chairmanship?", k=3)
    assert trace.candidates is not None
    candidates = gather(searcher.index, trace.candidates, trace.hits, 3)
    question = "What were the achievements of the chairmanship from 2020 to 2024?"
    (found,) = [c for c in candidates if c.in_section and "2020" in c.text]
    assert found.text == question and found.speaker == "interviewer"
    assert INTERVIEW[found.start : found.end] == question


def test_a_sentence_the_checks_rule_out_is_never_chosen_however_the_verifier_scores_it(searcher):
    wrong = "The Sixth Summit was held in Astana."
    searcher.verifier = StandIn({wrong: 1.0})
    trace = searcher.trace("Where was the Fifth Summit held?", k=3)
    assert wrong not in searcher.verifier.read  # ruled out before the verifier reads
    chosen = searcher.chosen_sentence(trace)
    assert chosen is None or chosen.text != wrong
    assert trace.outcome != answerability.ANSWERED


def test_the_verifier_decides_among_the_candidates_that_pass(searcher):
    """With everything else equal, the verifier's score moves the choice."""
    question = "What was strengthened?"
    picks = []
    for favourite in ("The Youth Council was strengthened.", "Kuwait joined in 2022."):
        searcher.verifier = StandIn({favourite: 1.0})
        trace = searcher.trace(question, k=3)
        if favourite in searcher.verifier.read:
            picks.append(searcher.chosen_sentence(trace).text == favourite)
    assert picks and all(picks)


def test_a_question_about_something_the_interview_never_names_is_not_covered(searcher):
    answer = searcher.ask("Who is the Secretary General of NATO?")
    assert answer.outcome == answerability.NOT_COVERED and answer.abstained
    assert answer.reason == "the interview never names NATO"


def test_without_fitted_models_the_reader_stays_out(searcher):
    """An index whose scoring has no reader models decides as before the reader existed."""
    scoring = dataclasses.replace(searcher.spec.scoring, reader={})
    spec = dataclasses.replace(searcher.spec, scoring=scoring)
    searcher.index = dataclasses.replace(
        searcher.index, manifest=dataclasses.replace(searcher.index.manifest, spec=spec)
    )
    assert searcher.trace("Where was the Sixth Summit held?").reading is None


def test_without_the_verifier_the_checks_still_rule_out_and_the_claim_is_the_answerability_models(searcher):
    """An index without the verifier (here: the fake embedder's) neither claims
    what a check rules out nor withholds what the model before the reader claims."""
    assert searcher.verifier is None
    ruled_out = searcher.trace("Where was the Fifth Summit held?", k=3)
    assert ruled_out.outcome != answerability.ANSWERED
    kept = searcher.trace("When did Kuwait join?", k=3)
    assert kept.reading is not None and kept.reading.chosen.text == "Kuwait joined in 2022."
    assert kept.probability == answerability.probability(kept.answerability, searcher.spec.scoring)
