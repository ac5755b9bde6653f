"""Choosing the answer sentence among the sentences of the top passages.

A sentence's score = its cosine to the question + its passage's hybrid
score + a weight × its BM25 score over sentences (normalised by the best
among the candidates) + a bonus when it holds the kind of answer the
question asks for (see :mod:`qa.answer_type`). Weights come from the
index's ScoringSpec.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qa import answer_type, keyword
from qa.fusion import max_normalised
from qa.spec import ScoringSpec
from qa.store import StoredIndex
from qa.types import AnswerSentence, Hit, Passage


def choose(
    index: StoredIndex,
    text: str,
    vector: np.ndarray,
    hits: Sequence[Hit],
    hybrid: np.ndarray,
    scoring: ScoringSpec,
) -> AnswerSentence | None:
    """The best sentence of the first ``scoring.answer_from_top`` hits, or None
    when they hold no sentence."""
    offsets = index.sentence_offsets
    rows = np.concatenate(
        [np.arange(offsets[h.passage.id], offsets[h.passage.id + 1]) for h in hits[: scoring.answer_from_top]]
        or [np.empty(0, dtype=np.int64)]
    )
    if rows.size == 0:
        return None
    bm25 = keyword.scores(index.sentence_keywords, text)
    passage_part = np.nan_to_num(hybrid[index.sentence_owner[rows]], neginf=0.0)
    scores = index.sentence_vectors[rows] @ vector + scoring.answer_passage_weight * passage_part
    scores = scores + scoring.answer_keyword_weight * max_normalised(bm25[rows])
    kind = answer_type.expected(text)
    if kind is not None:
        typed = [answer_type.has(sentence_text(index, int(row)), kind) for row in rows]
        scores = scores + scoring.answer_type_weight * np.array(typed, dtype=np.float32)
    best = int(np.argmax(scores))
    owner, span = sentence_at(index, int(rows[best]))
    rank = next(h.rank for h in hits if h.passage.id == owner.id)
    return AnswerSentence(owner.sentence_text(span), rank, span[0], span[1], float(scores[best]))


def sentence_at(index: StoredIndex, row: int) -> tuple[Passage, tuple[int, int]]:
    """The passage owning sentence row ``row``, and the sentence's span in it."""
    owner = index.passages[int(index.sentence_owner[row])]
    return owner, owner.sentences[row - int(index.sentence_offsets[owner.id])]


def sentence_text(index: StoredIndex, row: int) -> str:
    owner, span = sentence_at(index, row)
    return owner.sentence_text(span)
