"""Search: a question -> ranked passages and the answer sentence.

This is the query path shared by the CLI, the web app and evaluation. It
works on a loaded :class:`~qa.store.StoredIndex` and an embedder; it never
builds anything.
"""

from __future__ import annotations

import numpy as np

from qa.config import DEFAULT_TOP_K, MAX_TOP_K
from qa.embedding import Embedder
from qa.errors import InvalidQuestion
from qa.store import StoredIndex
from qa.types import Answer, AnswerSentence, Hit, Passage

# How many of the top passages the answer sentence is chosen from, and how
# much the passage's own score counts next to the sentence's similarity.
ANSWER_FROM_TOP = 3
PASSAGE_WEIGHT = 0.5


def clean_question(question: str) -> str:
    """The question with runs of whitespace collapsed; blank is an error."""
    if not isinstance(question, str):
        raise InvalidQuestion("the question must be text")
    text = " ".join(question.split())
    if not text:
        raise InvalidQuestion("the question is empty")
    return text


def check_top_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_TOP_K:
        raise ValueError(f"top_k must be a whole number from 1 to {MAX_TOP_K}, got {k!r}")
    return int(k)


class Searcher:
    def __init__(self, index: StoredIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        # Sentence vectors are stored passage by passage: passage i owns the
        # rows [offsets[i], offsets[i + 1]).
        counts = [len(p.sentences) for p in index.passages]
        self._sentence_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(int)

    @property
    def passages(self) -> list[Passage]:
        return self.index.passages

    def search(self, question: str, k: int = DEFAULT_TOP_K) -> list[Hit]:
        vector = self.embedder.encode([clean_question(question)])
        return self._dense_hits(vector, check_top_k(k))

    def ask(self, question: str, k: int = DEFAULT_TOP_K) -> Answer:
        vector = self.embedder.encode([clean_question(question)])
        hits = self._dense_hits(vector, check_top_k(k))
        return Answer(
            question=question, abstained=False, sentence=self._answer_sentence(vector[0], hits), hits=tuple(hits)
        )

    def _dense_hits(self, vector: np.ndarray, k: int) -> list[Hit]:
        total = self.index.dense.ntotal
        if total == 0:
            return []
        scores, ids = self.index.dense.search(vector, min(k, total))
        hits: list[Hit] = []
        seen: set[int] = set()
        for score, passage_id in zip(scores[0], ids[0], strict=True):
            # FAISS pads missing results with -1; passages[-1] would be a lie.
            if passage_id < 0 or passage_id in seen:
                continue
            seen.add(int(passage_id))
            hits.append(Hit(self.passages[passage_id], float(score), len(hits) + 1))
        return hits

    def _answer_sentence(self, vector: np.ndarray, hits: list[Hit]) -> AnswerSentence | None:
        best: tuple[float, Hit, tuple[int, int]] | None = None
        for hit in hits[:ANSWER_FROM_TOP]:
            first = self._sentence_offsets[hit.passage.id]
            rows = self.index.sentence_vectors[first : first + len(hit.passage.sentences)]
            similarities = rows @ vector
            for span, similarity in zip(hit.passage.sentences, similarities, strict=True):
                score = float(similarity) + PASSAGE_WEIGHT * hit.score
                if best is None or score > best[0]:
                    best = (score, hit, span)
        if best is None:
            return None
        score, hit, span = best
        return AnswerSentence(hit.passage.sentence_text(span), hit.rank, span[0], span[1], score)
