"""Retrieval: the views of each candidate passage for one question, and the
score of every mode.

Views (one array each, aligned with the candidate passage ids):
  dense     cosine of question and passage vectors (FAISS)
  sentence  cosine of the question and the passage's best sentence
  question  cosine of the question and the interviewer question the passage
            answers (readers often paraphrase the interviewer)
  keyword   BM25 over stemmed words (bm25s), normalised by the best BM25
            score for this question and scaled by the share of the
            question's words found in the corpus

Modes
  dense     the dense view of FAISS's candidates
  keyword   BM25 of every passage sharing a word with the question
  hybrid    a weighted sum of the four views (weights in the index's
            ScoringSpec), over the union of both retrievers' candidates

Used at query time by :mod:`qa.search` and at build time by
:mod:`qa.calibration`: both must score a question the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa import keyword
from qa.embedding import Embedder
from qa.fusion import best_finite, max_normalised, scatter, top_ids, weighted_sum
from qa.questions import clean_question
from qa.spec import ScoringSpec
from qa.store import StoredIndex


@dataclass(frozen=True)
class Views:
    size: int  # passages in the index
    candidates: np.ndarray  # passage ids, ascending
    dense_ids: np.ndarray  # the dense retriever's candidates, ascending
    bm25: np.ndarray  # raw BM25 of every passage
    dense: np.ndarray
    sentence: np.ndarray
    question: np.ndarray
    keyword: np.ndarray


def passage_views(index: StoredIndex, text: str, vector: np.ndarray, candidates: int) -> Views:
    n = len(index.passages)
    bm25 = keyword.scores(index.passage_keywords, text)
    dense_ids = _dense_candidates(index, vector, min(n, candidates))
    keyword_ids = top_ids(np.where(bm25 > 0, bm25, -np.inf), candidates)
    ids = np.union1d(dense_ids, keyword_ids).astype(np.int64)
    # Scaled by the share of the question's words the corpus knows at all, so
    # one shared word ("weather in Astana") cannot earn the full keyword weight.
    coverage = keyword.coverage(index.passage_keywords, text)
    return Views(
        size=n,
        candidates=ids,
        dense_ids=dense_ids,
        bm25=bm25,
        dense=index.dense.reconstruct_batch(ids) @ vector,
        sentence=_best_sentence_similarity(index, ids, vector),
        question=index.question_vectors[ids] @ vector,
        keyword=max_normalised(bm25)[ids] * coverage,
    )


def mode_scores(views: Views, scoring: ScoringSpec) -> dict[str, np.ndarray]:
    """Each mode's score of every passage; -inf for passages a mode does not
    retrieve (not among its candidates, or no keyword in common)."""
    hybrid = weighted_sum(
        [views.dense, views.sentence, views.question, views.keyword],
        [1.0, scoring.sentence_weight, scoring.question_weight, scoring.keyword_weight],
    )
    in_dense = np.isin(views.candidates, views.dense_ids)
    return {
        "dense": scatter(views.dense[in_dense], views.candidates[in_dense], views.size),
        "keyword": np.where(views.bm25 > 0, views.bm25, -np.inf).astype(np.float32),
        "hybrid": scatter(hybrid, views.candidates, views.size),
    }


def evidence(scores: dict[str, np.ndarray]) -> float:
    """How strongly the corpus speaks to the question: the best hybrid score,
    whatever mode ranks the passages (calibration is fitted on this)."""
    return best_finite(scores["hybrid"])


def _dense_candidates(index: StoredIndex, vector: np.ndarray, count: int) -> np.ndarray:
    if count <= 0:
        return np.empty(0, dtype=np.int64)
    _, ids = index.dense.search(vector[None, :], count)
    # FAISS pads missing results with -1; passages[-1] would be a lie.
    return np.unique(ids[0][ids[0] >= 0])


def _best_sentence_similarity(index: StoredIndex, passage_ids: np.ndarray, vector: np.ndarray) -> np.ndarray:
    offsets = index.sentence_offsets
    best = np.empty(len(passage_ids), dtype=np.float32)
    for slot, i in enumerate(passage_ids):
        rows = index.sentence_vectors[offsets[i] : offsets[i + 1]]
        best[slot] = float((rows @ vector).max()) if len(rows) else -1.0
    return best


def question_evidence(index: StoredIndex, embedder: Embedder, scoring: ScoringSpec, questions: list[str]) -> np.ndarray:
    """The uncalibrated evidence of each question (what calibration is fitted
    on), the questions encoded in one batch."""
    texts = [clean_question(q) for q in questions]
    if not texts or not index.passages:
        return np.zeros(len(texts), dtype=float)
    vectors = embedder.encode(texts)
    scored = [
        mode_scores(passage_views(index, t, v, scoring.candidates), scoring)
        for t, v in zip(texts, vectors, strict=True)
    ]
    return np.array([evidence(scores) for scores in scored], dtype=float)
