"""Answerability: does the chosen sentence answer *this* question?

Topicality ("is the question about the interview", the calibrated
confidence) is not enough: "What is CICA's budget?" is about CICA, and the
interview never says. A logistic model (fitted by ``python -m qa tune`` on
the dev questions, in-domain and near-misses; coefficients in the index's
ScoringSpec) gives the probability that the chosen sentence is a right
answer, from:

  topicality      the calibrated evidence, in units of the calibration scale
  sentence        the answer-sentence model's score of the chosen sentence
  margin          how far it leads the second-best sentence
  focus_sentence  the share of the question's terms the sentence holds
  focus_passage   the share its passage holds
  unknown         the share of the question's terms the corpus never uses
                  ("budget", "deputy")
  type_miss       1 when the question asks for a kind of answer (a date, a
                  person, ...) the sentence does not hold

Outcomes: below 0.5 topicality, "not_covered"; else "answered" when the
probability reaches the threshold, "related" when it does not (the
interview discusses the subject, but this exact question seems unanswered).
"""

from __future__ import annotations

import math

import numpy as np

from qa.answer.fusion import linear
from qa.answer.sentence import Candidates, focus_share
from qa.index import keyword
from qa.index.spec import Calibration, ScoringSpec
from qa.index.store import StoredIndex
from qa.types import Outcome

ANSWERABILITY_FEATURES = (
    "topicality", "sentence", "margin", "focus_sentence", "focus_passage", "unknown", "type_miss",
)  # fmt: skip
ANSWERED, RELATED, NOT_COVERED = Outcome.ANSWERED, Outcome.RELATED, Outcome.NOT_COVERED
TOPICALITY_LIMIT = 10.0


def features(
    index: StoredIndex, text: str, found: Candidates, evidence: float, calibration: Calibration | None
) -> dict[str, float]:
    order = found.order()
    best = int(order[0])
    second = float(found.scores[order[1]]) if order.size > 1 else float(found.scores[best])
    terms = keyword.query_terms(index.passage_keywords, text)
    owner = index.passages[int(index.sentence_owner[found.rows[best]])]
    topicality = (evidence - calibration.threshold) / calibration.scale if calibration else TOPICALITY_LIMIT
    return {
        "topicality": float(np.clip(topicality, -TOPICALITY_LIMIT, TOPICALITY_LIMIT)),
        "sentence": float(found.scores[best]),
        "margin": float(found.scores[best]) - second,
        "focus_sentence": float(found.features["focus"][best]),
        "focus_passage": focus_share(set(terms), owner.text),
        "unknown": sum(t not in index.passage_keywords.vocab_dict for t in terms) / len(terms) if terms else 1.0,
        "type_miss": float(found.features["type_miss"][best]),
    }


def probability(values: dict[str, float], scoring: ScoringSpec) -> float:
    """The probability that the chosen sentence answers the question."""
    z = float(linear({name: np.array([v]) for name, v in values.items()}, scoring.answerability)[0])
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def outcome(topicality_confidence: float, answer_probability: float | None, scoring: ScoringSpec) -> Outcome:
    if topicality_confidence < 0.5 or answer_probability is None:
        return NOT_COVERED
    return ANSWERED if answer_probability >= scoring.answer_threshold else RELATED
