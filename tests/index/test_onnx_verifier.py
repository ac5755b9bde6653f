"""The shipped verifier at query time (qa.index.onnx_verifier), as the real
index exports it."""

from __future__ import annotations

import numpy as np

SENTENCE = (
    "“The CICA family” is consistently growing; during Kazakhstan's four-year chairmanship alone, the number of "
    "Member States increased to 28, with Kuwait joining in 2022 and two observer states –Turkmenistan in 2021 and "
    "Saudi Arabia in 2023."
)
OTHER = "Morocco's application for observer status is under consideration."
SECTION = "What progress has been made and why is this transformation necessary?"


def test_the_verifier_reads_a_question_of_any_allowed_length(real_searcher):
    """A question of 1,000 characters leaves the sentence room in the pair: it
    is read up to half the token budget, not refused by the tokenizer."""
    verifier = real_searcher.verifier
    assert verifier is not None
    long = "When did Kuwait join? " + "&<" * 480
    scores = verifier.score(long, [(SENTENCE, SECTION), (OTHER, SECTION)])
    assert scores.shape == (2,) and np.all((scores >= 0.0) & (scores <= 1.0))


def test_a_short_question_is_read_whole(real_searcher):
    verifier = real_searcher.verifier
    question = "When did Kuwait join?"
    assert verifier._shortened(question) == question
    assert verifier._shortened(question + " and" * 200).startswith(question)
    right, wrong = verifier.score(question, [(SENTENCE, SECTION), (OTHER, SECTION)])
    assert right > wrong
