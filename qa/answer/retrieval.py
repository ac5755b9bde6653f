"""Retrieval: the views of each candidate passage for one question, and the
score of every mode.

Views (one array each, aligned with the candidate passage ids):
  dense        cosine of question and passage vectors (FAISS)
  sentence     cosine of the question and the passage's best sentence
  question     cosine of the question and the interviewer question the
               passage answers (readers often paraphrase the interviewer);
               for the interviewer's own passages, which would otherwise
               count their text twice, the mean of the others (neutral)
  bm25         BM25 over stemmed, typo-corrected words (bm25s)
  interviewer  1 for a passage the interviewer speaks

Modes
  dense     the dense view of FAISS's candidates
  keyword   BM25 of every passage sharing a word with the question
  hybrid    a linear model over the views, each z-scored among the
            candidates (coefficients fitted by ``python -m qa tune``, in the
            index's ScoringSpec), over the union of both retrievers' candidates

Topicality evidence ("is this about the corpus") is separate from ranking:
an absolute score (dense + weighted views), which calibration turns into a
confidence. Used at query time by :mod:`qa.answer.search` and at build time by
:mod:`qa.build.calibration`: both must score a question the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.answer.fusion import linear, max_normalised, scatter, top_ids, zscore
from qa.index import keyword
from qa.index.embedding import Embedder
from qa.index.spec import ScoringSpec
from qa.index.store import StoredIndex
from qa.inputs import clean_question

RANKING_FEATURES = ("dense", "sentence", "question", "bm25", "interviewer")


@dataclass(frozen=True)
class Views:
    size: int  # passages in the index
    candidates: np.ndarray  # passage ids, ascending
    dense_ids: np.ndarray  # the dense retriever's candidates, ascending
    bm25_all: np.ndarray  # BM25 of every passage
    coverage: float  # share of the question's terms the corpus knows
    dense: np.ndarray
    sentence: np.ndarray
    question: np.ndarray
    bm25: np.ndarray
    interviewer: np.ndarray

    def features(self) -> dict[str, np.ndarray]:
        """The ranking features: each view z-scored among the candidates."""
        return {
            "dense": zscore(self.dense),
            "sentence": zscore(self.sentence),
            "question": zscore(self.question),
            "bm25": zscore(self.bm25),
            "interviewer": self.interviewer.astype(np.float32),
        }


def passage_views(index: StoredIndex, text: str, vector: np.ndarray, candidates: int) -> Views:
    n = len(index.passages)
    bm25 = keyword.scores(index.passage_keywords, text)
    dense_ids = _dense_candidates(index, vector, min(n, candidates))
    keyword_ids = top_ids(np.where(bm25 > 0, bm25, -np.inf), candidates)
    ids = np.union1d(dense_ids, keyword_ids).astype(np.int64)
    interviewer = index.interviewer[ids]
    return Views(
        size=n,
        candidates=ids,
        dense_ids=dense_ids,
        bm25_all=bm25,
        coverage=keyword.coverage(index.passage_keywords, text),
        dense=index.dense.reconstruct_batch(ids) @ vector,
        sentence=_best_sentence_similarity(index, ids, vector),
        question=_question_view(index.question_vectors[ids] @ vector, interviewer),
        bm25=bm25[ids],
        interviewer=interviewer,
    )


def mode_scores(views: Views, scoring: ScoringSpec) -> dict[str, np.ndarray]:
    """Each mode's score of every passage; -inf for passages a mode does not
    retrieve (not among its candidates, or no keyword in common)."""
    in_dense = np.isin(views.candidates, views.dense_ids)
    return {
        "dense": scatter(views.dense[in_dense], views.candidates[in_dense], views.size),
        "keyword": np.where(views.bm25_all > 0, views.bm25_all, -np.inf).astype(np.float32),
        "hybrid": scatter(linear(views.features(), scoring.ranking), views.candidates, views.size),
    }


def evidence(views: Views, scoring: ScoringSpec) -> float:
    """How strongly the corpus speaks to the question, on an absolute scale:
    the best of dense + Σ weight × view over the candidates, the keyword view
    being BM25 over the best BM25, scaled by the share of the question's
    words the corpus knows (so one shared word, "the weather in Astana", is
    not evidence). Calibration is fitted on this."""
    if views.candidates.size == 0:
        return 0.0
    weights = scoring.evidence_weights
    keyword_view = max_normalised(views.bm25_all)[views.candidates] * views.coverage
    question_view = views.question
    score = (
        views.dense
        + weights["sentence"] * views.sentence
        + weights["question"] * question_view
        + weights["keyword"] * keyword_view
    )
    return float(score.max())


def question_evidence(index: StoredIndex, embedder: Embedder, scoring: ScoringSpec, questions: list[str]) -> np.ndarray:
    """The uncalibrated evidence of each question (what calibration is fitted
    on), the questions encoded in one batch."""
    texts = [clean_question(q) for q in questions]
    if not texts or not index.passages:
        return np.zeros(len(texts), dtype=float)
    vectors = embedder.encode(texts)
    views = [passage_views(index, t, v, scoring.candidates) for t, v in zip(texts, vectors, strict=True)]
    return np.array([evidence(v, scoring) for v in views], dtype=float)


def _question_view(cosines: np.ndarray, interviewer: np.ndarray) -> np.ndarray:
    answers = cosines[~interviewer]
    neutral = float(answers.mean()) if answers.size else 0.0
    return np.where(interviewer, neutral, cosines).astype(np.float32)


def _dense_candidates(index: StoredIndex, vector: np.ndarray, count: int) -> np.ndarray:
    if count <= 0:
        return np.empty(0, dtype=np.int64)
    _, ids = index.dense.search(vector[None, :], count)
    # FAISS pads missing results with -1; passages[-1] would be a lie.
    return np.unique(ids[0][ids[0] >= 0])


def _best_sentence_similarity(index: StoredIndex, passage_ids: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Each passage's best sentence cosine (-1 for a passage without sentences):
    one product over the candidates' sentence rows, then a maximum per passage."""
    starts, ends = index.sentence_offsets[passage_ids], index.sentence_offsets[passage_ids + 1]
    counts = ends - starts
    best = np.full(len(passage_ids), -1.0, dtype=np.float32)
    has = counts > 0
    if not has.any():
        return best
    rows = np.concatenate([np.arange(s, e) for s, e in zip(starts[has], ends[has], strict=True)])
    cosines = index.sentence_vectors[rows] @ vector
    firsts = np.concatenate([[0], np.cumsum(counts[has])[:-1]])
    best[has] = np.maximum.reduceat(cosines, firsts)
    return best
