"""Search: a question -> ranked passages, the answer sentence, and whether
the corpus answers it at all.

This is the query path shared by the CLI, the web app and evaluation. The
:class:`Searcher` orchestrates small parts: input checks
(:mod:`qa.questions`), follow-ups (:mod:`qa.followup`), the views of each
candidate passage and each mode's scores (:mod:`qa.retrieval`, over the pure
functions of :mod:`qa.fusion`), the answer sentence
(:mod:`qa.answer_sentence`) and the index's calibration. It never builds
anything: :meth:`Searcher.open` opens an index (building it only when it is
missing or stale, through :mod:`qa.opener`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from qa import answer_sentence
from qa.config import DEFAULT_MODE, DEFAULT_TOP_K, Config
from qa.embedding import Embedder
from qa.followup import with_previous
from qa.fusion import top_ids
from qa.questions import check_mode, check_top_k, clean_previous, clean_question
from qa.retrieval import evidence, mode_scores, passage_views, question_evidence
from qa.spec import IndexSpec
from qa.store import StoredIndex
from qa.types import Answer, Hit, Passage

if TYPE_CHECKING:
    from qa.opener import EmbedderFactory


class Searcher:
    def __init__(self, index: StoredIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder

    @classmethod
    def open(cls, config: Config, *, embedder_factory: EmbedderFactory | None = None) -> Searcher:
        """A searcher over the index in ``config.index_dir``, rebuilt first when
        it is missing, stale or damaged (with a one-line note)."""
        from qa.opener import open_index

        return cls(*open_index(config, embedder_factory=embedder_factory))

    @property
    def passages(self) -> list[Passage]:
        return self.index.passages

    @property
    def spec(self) -> IndexSpec:
        return self.index.spec

    def ask(self, question: Any, k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE, previous: Any = "") -> Answer:
        """Answer ``question``; ``previous`` is the question asked before it, used
        only when this one leans on it (see :mod:`qa.followup`)."""
        shown, text, context, k, mode = self._prepare(question, k, mode, previous)
        if not self.passages:
            return Answer(shown, True, None, (), 0.0, context)
        vector = self.embedder.encode([text])[0]
        scores = mode_scores(passage_views(self.index, text, vector, self.spec.scoring.candidates), self.spec.scoring)
        hits = _hits(self.passages, scores[mode], k)
        calibration = self.spec.calibration
        confidence = calibration.confidence(evidence(scores)) if calibration else 1.0
        abstained = confidence < 0.5 or not hits
        sentence = None
        if not abstained:
            sentence = answer_sentence.choose(self.index, text, vector, hits, scores["hybrid"], self.spec.scoring)
        return Answer(shown, abstained, sentence, tuple(hits), confidence, context)

    def search(self, question: Any, k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE, previous: Any = "") -> list[Hit]:
        """The ranked passages alone: no confidence, no answer sentence."""
        _, text, _, k, mode = self._prepare(question, k, mode, previous)
        if not self.passages:
            return []
        vector = self.embedder.encode([text])[0]
        scores = mode_scores(passage_views(self.index, text, vector, self.spec.scoring.candidates), self.spec.scoring)
        return _hits(self.passages, scores[mode], k)

    def neighbours(self, passage: Passage, radius: int = 1) -> list[Passage]:
        """The passages just before and after ``passage`` in its document, for context."""
        around = self.passages[max(0, passage.id - radius) : passage.id + radius + 1]
        return [p for p in around if p.source == passage.source and p.id != passage.id]

    def raw_evidence(self, questions: list[str]) -> np.ndarray:
        """The uncalibrated evidence for each question, encoded in one batch."""
        return question_evidence(self.index, self.embedder, self.spec.scoring, questions)

    def _prepare(self, question: Any, k: Any, mode: Any, previous: Any) -> tuple[str, str, str | None, int, str]:
        """(question as shown, text to search, earlier question leaned on, k, mode)."""
        shown = clean_question(question)
        k, mode = check_top_k(k), check_mode(mode)
        earlier = clean_previous(previous)
        combined = with_previous(shown, earlier) if earlier else None
        return (shown, combined, earlier, k, mode) if combined else (shown, shown, None, k, mode)


def _hits(passages: list[Passage], scores: np.ndarray, k: int) -> list[Hit]:
    return [Hit(passages[i], float(scores[i]), rank) for rank, i in enumerate(map(int, top_ids(scores, k)), start=1)]
