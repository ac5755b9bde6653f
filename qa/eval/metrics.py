"""Retrieval metrics over binary relevance, and what "relevant" and "right" mean.

A gold question lists ``evidence`` strings copied from the corpus. A passage
is relevant when its text contains one of them (evidence lies inside one
sentence, and passages break only between sentences, so it is never split).
The answer sentence is right when it overlaps an evidence occurrence.

  hit@k    share of questions with a relevant passage in the top k
  MRR@10   mean of 1/rank of the first relevant passage (0 beyond 10)
  nDCG@10  DCG of the top 10 over the ideal DCG for that question's
           number of relevant passages
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from qa.eval.datasets import GoldQuestion
from qa.types import Hit, Outcome, Passage

CUTOFF = 10


@dataclass(frozen=True)
class QuestionResult:
    gold: GoldQuestion
    relevant_ranks: tuple[int, ...]  # ranks (within the passages asked for) of relevant passages
    relevant_total: int  # relevant passages in the whole index
    answer: str | None  # the answer sentence claimed, if any
    answer_correct: bool
    outcome: str = Outcome.ANSWERED
    best_sentence_correct: bool = False  # the chosen sentence is right, claimed or not
    answer_confidence: float | None = None
    hits: tuple[Hit, ...] = ()  # the passages asked for, best first: the ranking a TREC run holds

    @property
    def first_rank(self) -> int | None:
        return self.relevant_ranks[0] if self.relevant_ranks else None

    @property
    def abstained(self) -> bool:
        return self.outcome == Outcome.NOT_COVERED


@dataclass(frozen=True)
class Metrics:
    questions: int
    hit_1: float = 0.0
    hit_3: float = 0.0
    hit_5: float = 0.0
    mrr_10: float = 0.0
    ndcg_10: float = 0.0
    answer_accuracy: float = 0.0  # the chosen sentence right, whether or not it was claimed

    @classmethod
    def of(cls, results: Sequence[QuestionResult]) -> Metrics:
        n = len(results)
        if n == 0:
            return cls(0)

        def mean(values: Iterable[float]) -> float:
            return round(sum(values) / n, 4)

        return cls(
            n,
            hit_1=mean(hit_at(r.first_rank, 1) for r in results),
            hit_3=mean(hit_at(r.first_rank, 3) for r in results),
            hit_5=mean(hit_at(r.first_rank, 5) for r in results),
            mrr_10=mean(reciprocal_rank(r.first_rank) for r in results),
            ndcg_10=mean(ndcg(r.relevant_ranks, r.relevant_total) for r in results),
            answer_accuracy=mean(float(r.best_sentence_correct) for r in results),
        )

    def to_dict(self) -> dict[str, float]:
        if not self.questions:
            return {"questions": 0}
        return {
            "questions": self.questions,
            "hit@1": self.hit_1,
            "hit@3": self.hit_3,
            "hit@5": self.hit_5,
            "mrr@10": self.mrr_10,
            "ndcg@10": self.ndcg_10,
            "answer_accuracy": self.answer_accuracy,
        }


def hit_at(first_rank: int | None, k: int) -> float:
    return 1.0 if first_rank is not None and first_rank <= k else 0.0


def reciprocal_rank(first_rank: int | None, cutoff: int = CUTOFF) -> float:
    return 1.0 / first_rank if first_rank is not None and first_rank <= cutoff else 0.0


def ndcg(relevant_ranks: Sequence[int], relevant_total: int, cutoff: int = CUTOFF) -> float:
    dcg = sum(1.0 / math.log2(rank + 1) for rank in relevant_ranks if rank <= cutoff)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(relevant_total, cutoff) + 1))
    return dcg / ideal if ideal else 0.0


def evidence_spans(gold: GoldQuestion, passages: Iterable[Passage]) -> dict[int, list[tuple[int, int]]]:
    """Absolute spans of every evidence occurrence, by passage id."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for passage in passages:
        for evidence in gold.evidence:
            position = passage.text.find(evidence)
            while position != -1:
                start = passage.start + position
                spans.setdefault(passage.id, []).append((start, start + len(evidence)))
                position = passage.text.find(evidence, position + 1)
    return spans


def overlaps(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def paired_permutation_p(differences: np.ndarray) -> float:
    """Two-sided p-value that the mean of paired per-question differences is
    zero (scipy's permutation test, signs flipped at random). With a few dozen
    questions, a one-question change is noise: this says how much."""
    if not differences.size or not differences.any():
        return 1.0
    from scipy.stats import permutation_test

    result = permutation_test((differences,), np.mean, permutation_type="samples", n_resamples=9999, random_state=0)
    return round(float(result.pvalue), 4)
