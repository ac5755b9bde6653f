"""Questions in another language than the interview's: ranked by the
multilingual view, never answered with a claimed sentence.

Ranking: the cosine of the question and each passage in the multilingual
view (:mod:`qa.index.multilingual`), plus keyword search (BM25, normalised
by its best) weighted by the share of the question's words the interview
uses: a Russian question borrows a few ("CICA", "Astana"), a Kazakh or
Chinese one none, so BM25 counts for little or nothing. Numbers alone are not
words here: "в 2022 году" matched a passage on "2022" alone and took over.

Topicality: the best cosine. Similarities run lower across languages than
within English and the English calibration does not carry over, so the
threshold is its own, chosen on dev questions in Russian, Kazakh and Chinese
(``qa/eval/data/crosslingual_dev.jsonl``; see :func:`qa.eval.blind`): below
it, not covered; at or above it, related, with the passages. No sentence is
claimed in another language until a language has dev questions enough to
calibrate the reader on.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from qa.index import keyword
from qa.index.store import StoredIndex

# Weight of max-normalised BM25 (× the share of the question's words the interview uses).
KEYWORD_WEIGHT = 0.1
# Best multilingual cosine at which a question is taken to be about the interview,
# and the scale of the logistic that turns the margin into a confidence.
TOPICAL_AT = 0.785
SCALE = 0.01
_NUMBER = re.compile(r"\b\d+\b")


@dataclass(frozen=True)
class Ranking:
    scores: np.ndarray  # one per passage
    best_cosine: float  # topicality, uncalibrated

    @property
    def confidence(self) -> float:
        """That the question is about the interview, in [0, 1]: 0.5 at TOPICAL_AT."""
        z = (self.best_cosine - TOPICAL_AT) / SCALE
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    @property
    def topical(self) -> bool:
        return self.best_cosine >= TOPICAL_AT


def rank(index: StoredIndex, text: str, vector: np.ndarray) -> Ranking:
    """The score of every passage for ``text`` (multilingual unit ``vector``)."""
    vectors = index.multilingual_vectors
    if vectors is None or not len(vectors):
        raise ValueError("the index has no multilingual view")
    cosines = vectors @ vector  # unit vectors: inner product = cosine
    words = _NUMBER.sub(" ", text)
    bm25 = keyword.scores(index.passage_keywords, words)
    best = float(bm25.max()) if bm25.size else 0.0
    coverage = keyword.coverage(index.passage_keywords, words)
    lexical = bm25 / best if best > 0 else np.zeros_like(cosines)
    return Ranking((cosines + KEYWORD_WEIGHT * coverage * lexical).astype(np.float32), float(cosines.max()))
