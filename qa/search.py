"""Search: a question -> ranked passages, the answer sentence, and whether
the corpus answers it at all.

This is the query path shared by the CLI, the web app and evaluation. It
works on a loaded :class:`~qa.store.StoredIndex` and an embedder; it never
builds anything.

Modes
  dense    cosine of question and passage vectors (FAISS)
  keyword  BM25 over stemmed words (bm25s)
  hybrid   weighted fusion of four views of each candidate passage: the
           passage vector, its best sentence, the interviewer question it
           answers (readers often paraphrase the interviewer), and BM25
           normalised by the best BM25 score for this question and scaled
           by the share of the question's words found in the corpus.

The fusion weights and the answer-sentence weights were chosen on the gold
set's dev split only (see README, "Evaluation"); the test split is never
used for tuning.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import numpy as np

from qa import answer_type, keyword
from qa.config import DEFAULT_TOP_K, MAX_TOP_K
from qa.embedding import Embedder
from qa.errors import InvalidQuestion
from qa.followup import with_previous
from qa.store import StoredIndex
from qa.types import Answer, AnswerSentence, Hit, Passage

_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
MODES = ("dense", "keyword", "hybrid")
DEFAULT_MODE = "hybrid"
MAX_QUESTION_CHARS = 1000

# Hybrid passage score = dense + w * best sentence + w * question view + w * keyword.
SENTENCE_WEIGHT = 0.25
QUESTION_WEIGHT = 0.25
KEYWORD_WEIGHT = 0.25
# Candidates taken from each retriever before fusion.
CANDIDATES = 50
# The answer sentence: from the top passages, by its own similarity plus its
# passage's score plus its normalised BM25 score.
ANSWER_FROM_TOP = 3
ANSWER_PASSAGE_WEIGHT = 1.0
ANSWER_KEYWORD_WEIGHT = 0.2
# Added to a sentence holding the kind of answer the question asks for (a number, a date).
ANSWER_TYPE_WEIGHT = 0.25


@dataclass(frozen=True)
class Calibration:
    """Confidence = logistic((evidence - threshold) / scale); abstain below 0.5.

    ``evidence`` is the best hybrid passage score for the question, whatever
    mode ranks the passages: whether the corpus answers a question does not
    depend on how the results are ordered.
    """

    threshold: float
    scale: float

    def confidence(self, evidence: float) -> float:
        z = (evidence - self.threshold) / self.scale
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def visible_text(text: str) -> str:
    """``text`` without control, format or lone surrogate characters, whitespace collapsed."""
    kept = "".join(c if c.isspace() or unicodedata.category(c) not in _INVISIBLE else " " for c in text)
    return " ".join(kept.split())


def clean_question(question: str) -> str:
    """The question as searched: control, format (zero-width, bidi) and lone
    surrogate characters removed, runs of whitespace collapsed. Blank, or
    longer than MAX_QUESTION_CHARS, is an InvalidQuestion."""
    if not isinstance(question, str):
        raise InvalidQuestion("the question must be text")
    if len(question) > 4 * MAX_QUESTION_CHARS:  # refuse before scanning a huge input
        raise InvalidQuestion(f"the question is longer than {MAX_QUESTION_CHARS} characters")
    text = visible_text(question)
    if not text:
        raise InvalidQuestion("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(f"the question is longer than {MAX_QUESTION_CHARS} characters")
    return text


def check_top_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_TOP_K:
        raise ValueError(f"top_k must be a whole number from 1 to {MAX_TOP_K}, got {k!r}")
    return int(k)


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


def top_ids(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest finite ``scores``, best first, ties by
    index; O(n) selection first, so a large corpus does not pay a full sort."""
    if k <= 0:
        return np.empty(0, dtype=np.intp)
    ids = np.flatnonzero(np.isfinite(scores))
    if ids.size > k:
        kth = np.partition(scores[ids], ids.size - k)[ids.size - k]
        ids = ids[scores[ids] >= kth]  # every tie at the boundary, so the order below decides
    return ids[np.argsort(-scores[ids], kind="stable")][:k]


class Searcher:
    def __init__(self, index: StoredIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        # Sentence rows are stored passage by passage: passage i owns the rows
        # [offsets[i], offsets[i + 1]).
        counts = [len(p.sentences) for p in index.passages]
        self._sentence_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._sentence_owner = np.repeat(np.arange(len(counts)), counts)
        stored = index.manifest.get("calibration")
        self.calibration = Calibration(stored["threshold"], stored["scale"]) if stored else None

    @property
    def passages(self) -> list[Passage]:
        return self.index.passages

    def search(self, question: str, k: int = DEFAULT_TOP_K, mode: str = DEFAULT_MODE, previous: str = "") -> list[Hit]:
        return list(self.ask(question, k, mode, previous).hits)

    def ask(self, question: str, k: int = DEFAULT_TOP_K, mode: str = DEFAULT_MODE, previous: str = "") -> Answer:
        """Answer ``question``; ``previous`` is the question asked before it, used
        only when this one leans on it (see :mod:`qa.followup`)."""
        text = shown = clean_question(question)
        k, mode = check_top_k(k), check_mode(mode)
        earlier = (
            visible_text(previous[: 4 * MAX_QUESTION_CHARS])[:MAX_QUESTION_CHARS] if isinstance(previous, str) else ""
        )
        combined = with_previous(text, earlier) if earlier else None
        text, context = (combined, earlier) if combined else (text, None)
        if not self.passages:
            return Answer(shown, True, None, (), 0.0, context)
        vector = self.embedder.encode([text])[0]
        scored = self._score(text, vector)
        ranking = scored[mode]
        order = [int(i) for i in top_ids(ranking, k)]
        hits = [Hit(self.passages[i], float(ranking[i]), rank) for rank, i in enumerate(order, start=1)]
        confidence = self.calibration.confidence(self.evidence(scored)) if self.calibration else 1.0
        abstained = confidence < 0.5 or not hits
        sentence = None if abstained else self._answer_sentence(text, vector, hits, scored["hybrid"])
        return Answer(shown, abstained, sentence, tuple(hits), confidence, context)

    def neighbours(self, passage: Passage, radius: int = 1) -> list[Passage]:
        """The passages just before and after ``passage`` in its document, for context."""
        around = self.passages[max(0, passage.id - radius) : passage.id + radius + 1]
        return [p for p in around if p.source == passage.source and p.id != passage.id]

    def evidence(self, scored: dict[str, np.ndarray]) -> float:
        finite = scored["hybrid"][np.isfinite(scored["hybrid"])]
        return float(finite.max()) if finite.size else 0.0

    def raw_evidence(self, questions: list[str]) -> np.ndarray:
        """The uncalibrated evidence for each question (what calibration is
        fitted on), the questions encoded in one batch."""
        texts = [clean_question(q) for q in questions]
        vectors = self.embedder.encode(texts) if texts else []
        return np.array([self.evidence(self._score(t, v)) for t, v in zip(texts, vectors, strict=True)], dtype=float)

    def _score(self, text: str, vector: np.ndarray) -> dict[str, np.ndarray]:
        """Scores of each mode over all passages; -inf for passages a mode does
        not retrieve (not among its candidates, or no keyword in common)."""
        n = len(self.passages)
        bm25 = keyword.scores(self.index.passage_keywords, text)
        dense_ids = self._dense_candidates(vector, min(n, CANDIDATES))
        keyword_only = np.where(bm25 > 0, bm25, -np.inf).astype(np.float32)
        keyword_ids = top_ids(keyword_only, CANDIDATES)
        candidates = np.union1d(dense_ids, keyword_ids).astype(np.int64)

        dense = np.full(n, -np.inf, dtype=np.float32)
        dense[candidates] = self.index.dense.reconstruct_batch(candidates) @ vector
        best_sentence = self._best_sentence_similarity(candidates, vector)
        question_view = self.index.question_vectors[candidates] @ vector
        top_bm25 = float(bm25.max())
        normalised = bm25[candidates] / top_bm25 if top_bm25 > 0 else np.zeros(len(candidates), dtype=np.float32)
        # Scaled by the share of the question's words the corpus knows at all, so
        # one shared word ("weather in Astana") cannot earn the full keyword weight.
        normalised = normalised * keyword.coverage(self.index.passage_keywords, text)
        hybrid = np.full(n, -np.inf, dtype=np.float32)
        hybrid[candidates] = (
            dense[candidates]
            + SENTENCE_WEIGHT * best_sentence
            + QUESTION_WEIGHT * question_view
            + KEYWORD_WEIGHT * normalised
        )
        dense_only = np.full(n, -np.inf, dtype=np.float32)
        dense_only[dense_ids] = dense[dense_ids]
        return {"dense": dense_only, "keyword": keyword_only, "hybrid": hybrid}

    def _dense_candidates(self, vector: np.ndarray, count: int) -> np.ndarray:
        _, ids = self.index.dense.search(vector[None, :], count)
        # FAISS pads missing results with -1; passages[-1] would be a lie.
        return np.unique(ids[0][ids[0] >= 0])

    def _best_sentence_similarity(self, passage_ids: np.ndarray, vector: np.ndarray) -> np.ndarray:
        best = np.empty(len(passage_ids), dtype=np.float32)
        for slot, i in enumerate(passage_ids):
            rows = self.index.sentence_vectors[self._sentence_offsets[i] : self._sentence_offsets[i + 1]]
            best[slot] = float((rows @ vector).max()) if len(rows) else -1.0
        return best

    def _answer_sentence(
        self, text: str, vector: np.ndarray, hits: list[Hit], hybrid: np.ndarray
    ) -> AnswerSentence | None:
        bm25 = keyword.scores(self.index.sentence_keywords, text)
        rows = np.concatenate(
            [
                np.arange(self._sentence_offsets[h.passage.id], self._sentence_offsets[h.passage.id + 1])
                for h in hits[:ANSWER_FROM_TOP]
            ]
        )
        if rows.size == 0:
            return None
        top_bm25 = float(bm25[rows].max())
        keyword_part = bm25[rows] / top_bm25 if top_bm25 > 0 else np.zeros(rows.size)
        passage_part = np.nan_to_num(hybrid[self._sentence_owner[rows]], neginf=0.0)
        scores = self.index.sentence_vectors[rows] @ vector + ANSWER_PASSAGE_WEIGHT * passage_part
        scores = scores + ANSWER_KEYWORD_WEIGHT * keyword_part
        kind = answer_type.expected(text)
        if kind is not None:
            typed = [answer_type.has(self._sentence_text(int(row)), kind) for row in rows]
            scores = scores + ANSWER_TYPE_WEIGHT * np.array(typed, dtype=np.float32)
        best = int(np.argmax(scores))
        owner, span = self._sentence(int(rows[best]))
        rank = next(h.rank for h in hits if h.passage.id == owner.id)
        return AnswerSentence(owner.sentence_text(span), rank, span[0], span[1], float(scores[best]))

    def _sentence(self, row: int) -> tuple[Passage, tuple[int, int]]:
        """The passage owning sentence row ``row``, and the sentence's span in it."""
        owner = self.passages[int(self._sentence_owner[row])]
        return owner, owner.sentences[row - int(self._sentence_offsets[owner.id])]

    def _sentence_text(self, row: int) -> str:
        owner, span = self._sentence(row)
        return owner.sentence_text(span)
