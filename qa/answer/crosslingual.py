"""Questions in another language than the interview's: ranked by the
multilingual view, never answered with a claimed sentence.

Ranking: the cosine of the question and each passage in the multilingual
view (:mod:`qa.index.multilingual`), plus keyword search (BM25, normalised
by its best) weighted by the share of the question's words the interview
uses: a Russian question borrows a few ("CICA", "Astana"), a Kazakh or
Chinese one none, so BM25 counts for little or nothing. Numbers alone are not
words here: "в 2022 году" matched a passage on "2022" alone and took over.

Topicality: similarities run lower across languages than within English,
and off-topic questions reach the same best cosine as on-topic ones, so the
English calibration does not carry over, nor does the best cosine alone. A
question is taken to be about the interview by its best passage cosine plus
how much closer it comes to English questions about the interview (the gold
set's dev questions) than to the off-topic probes: the anchors the build
embeds with the passages (qa/build/data/topical.txt and offtopic.txt). The
threshold was chosen on dev questions written in Russian, Kazakh and Chinese
for it (qa/eval/data/crosslingual_dev.jsonl), never on the blind sets: at or
above it, related, with the passages; below, not covered. No sentence is
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
# The evidence (best passage cosine + best topical anchor - best off-topic probe)
# at which a question is taken to be about the interview, and the scale of the
# logistic that turns the margin into a confidence. On the dev questions: 49 of
# 50 off topic below it, 33 of 44 answerable at or above.
TOPICAL_AT = 0.795
SCALE = 0.01
_NUMBER = re.compile(r"\b\d+\b")


@dataclass(frozen=True)
class Ranking:
    scores: np.ndarray  # one per passage
    evidence: float  # topicality, uncalibrated

    @property
    def confidence(self) -> float:
        """That the question is about the interview, in [0, 1]: 0.5 at TOPICAL_AT."""
        z = (self.evidence - TOPICAL_AT) / SCALE
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    @property
    def topical(self) -> bool:
        return self.evidence >= TOPICAL_AT


def rank(index: StoredIndex, text: str, vector: np.ndarray) -> Ranking:
    """The score of every passage for ``text`` (multilingual unit ``vector``)."""
    view = index.multilingual
    if view is None or not len(view.passages):
        raise ValueError("the index has no multilingual view")
    cosines = view.passages @ vector  # unit vectors: inner product = cosine
    anchors = float((view.topical @ vector).max()) - float((view.offtopic @ vector).max())
    words = _NUMBER.sub(" ", text)
    bm25 = keyword.scores(index.passage_keywords, words)
    best = float(bm25.max()) if bm25.size else 0.0
    coverage = keyword.coverage(index.passage_keywords, words)
    lexical = bm25 / best if best > 0 else np.zeros_like(cosines)
    scores = (cosines + KEYWORD_WEIGHT * coverage * lexical).astype(np.float32)
    return Ranking(scores, float(cosines.max()) + anchors)
