"""Choosing the answer sentence among the sentences of the top passages.

Each candidate sentence (from the first ``answer_from_top`` passages) gets
features, and a linear model over them (fitted by ``python -m qa tune``,
coefficients in the index's ScoringSpec) picks the best:

  cosine       cosine of the question and the sentence
  passage      its passage's hybrid score
  first        1 when its passage is ranked first
  keyword      its BM25 over sentences, over the best among the candidates
  focus        the share of the question's terms (stemmed, typos corrected)
               the sentence holds
  type_match   1 when the question asks for a kind of answer (a country, a
               date, ...) and the sentence holds one; type_miss when it does not
  interviewer  1 when the interviewer speaks the sentence
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.answer import answer_type
from qa.answer.fusion import linear, max_normalised
from qa.index import keyword
from qa.index.spec import ScoringSpec
from qa.index.store import StoredIndex
from qa.types import AnswerSentence, Hit, Passage

SENTENCE_FEATURES = ("cosine", "passage", "first", "keyword", "focus", "type_match", "type_miss", "interviewer")


@dataclass(frozen=True)
class Candidates:
    """The candidate sentences of one question, with their features and scores."""

    rows: np.ndarray  # sentence rows of the index
    features: dict[str, np.ndarray]
    scores: np.ndarray  # the linear model's score of each row

    def order(self) -> np.ndarray:
        """Positions in ``rows``, best first."""
        return np.argsort(-self.scores, kind="stable")


def candidates(
    index: StoredIndex, text: str, vector: np.ndarray, hits: Sequence[Hit], hybrid: np.ndarray, scoring: ScoringSpec
) -> Candidates | None:
    """The sentences of the first ``scoring.answer_from_top`` hits, scored; None when they hold none."""
    offsets = index.sentence_offsets
    top = hits[: scoring.answer_from_top]
    rows = np.concatenate(
        [np.arange(offsets[h.passage.id], offsets[h.passage.id + 1]) for h in top] or [np.empty(0, dtype=np.int64)]
    ).astype(np.int64)
    if rows.size == 0:
        return None
    owners = index.sentence_owner[rows]
    texts = [sentence_text(index, int(row)) for row in rows]
    terms = set(keyword.query_terms(index.passage_keywords, text))
    kind = answer_type.expected(text)
    held = [answer_type.has(t, kind) for t in texts]
    features = {
        "cosine": index.sentence_vectors[rows] @ vector,
        "passage": np.nan_to_num(hybrid[owners], neginf=0.0),
        "first": (owners == top[0].passage.id).astype(np.float32),
        "keyword": max_normalised(keyword.scores(index.sentence_keywords, text)[rows]),
        "focus": np.array([_share(terms, index.sentence_terms(int(row))) for row in rows], dtype=np.float32),
        "type_match": np.array([h is True for h in held], dtype=np.float32),
        "type_miss": np.array([h is False for h in held], dtype=np.float32),
        "interviewer": index.interviewer[owners].astype(np.float32),
    }
    return Candidates(rows, features, linear(features, scoring.answer_sentence))


def choose(found: Candidates, index: StoredIndex, hits: Sequence[Hit]) -> AnswerSentence:
    best = int(found.order()[0])
    owner, span = sentence_at(index, int(found.rows[best]))
    rank = next(h.rank for h in hits if h.passage.id == owner.id)
    return AnswerSentence(owner.sentence_text(span), rank, span[0], span[1], float(found.scores[best]), owner.speaker)


def focus_share(terms: set[str], text: str) -> float:
    """The share of ``terms`` (the question's) that ``text`` holds."""
    return _share(terms, frozenset(keyword.analyse(text)))


def _share(terms: set[str], held: frozenset[str]) -> float:
    return len(terms & held) / len(terms) if terms else 0.0


def sentence_at(index: StoredIndex, row: int) -> tuple[Passage, tuple[int, int]]:
    """The passage owning sentence row ``row``, and the sentence's span in it."""
    owner = index.passages[int(index.sentence_owner[row])]
    return owner, owner.sentences[row - int(index.sentence_offsets[owner.id])]


def sentence_text(index: StoredIndex, row: int) -> str:
    owner, span = sentence_at(index, row)
    return owner.sentence_text(span)
