"""Retrieval evaluation against a gold set.

A gold question lists ``evidence`` strings copied from the corpus. A passage
is relevant when its text contains one of them (evidence lies inside one
sentence, and passages break only between sentences, so it is never split).
The answer sentence is correct when it overlaps an evidence occurrence.

Metrics (binary relevance, ranks 1-based):
  hit@k    share of questions with a relevant passage in the top k
  MRR@10   mean of 1/rank of the first relevant passage (0 beyond 10)
  nDCG@10  DCG of the top 10 over the ideal DCG for that question's
           number of relevant passages
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.search import Searcher
from qa.types import Passage

CUTOFF = 10
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    evidence: tuple[str, ...]
    split: str


@dataclass(frozen=True)
class QuestionResult:
    gold: GoldQuestion
    relevant_ranks: tuple[int, ...]  # ranks (within the cutoff) of relevant passages
    relevant_total: int  # relevant passages in the whole index
    answer: str | None
    answer_correct: bool

    @property
    def first_rank(self) -> int | None:
        return self.relevant_ranks[0] if self.relevant_ranks else None


def load_gold(path: Path) -> list[GoldQuestion]:
    """Read a JSON Lines gold set; a malformed line is a ValueError naming it."""
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ValueError(f"cannot read gold set {path}: {exc.strerror}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            evidence = tuple(str(e) for e in record["evidence"])
            item = GoldQuestion(str(record["id"]), str(record["question"]), evidence, str(record.get("split", "dev")))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a gold question ({exc})") from exc
        if not item.evidence or not all(e.strip() for e in item.evidence):
            raise ValueError(f"{path}:{number}: a gold question needs non-empty evidence")
        items.append(item)
    if not items:
        raise ValueError(f"{path} holds no gold questions")
    return items


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


def evaluate_question(searcher: Searcher, gold: GoldQuestion) -> QuestionResult:
    answer = searcher.ask(gold.question, k=CUTOFF)
    spans = evidence_spans(gold, searcher.passages)
    ranks = tuple(hit.rank for hit in answer.hits if hit.passage.id in spans)
    correct = False
    if answer.sentence is not None:
        owner = answer.hits[answer.sentence.passage_rank - 1].passage.id
        correct = any(
            start < answer.sentence.end and answer.sentence.start < end for start, end in spans.get(owner, [])
        )
    return QuestionResult(gold, ranks, len(spans), answer.sentence.text if answer.sentence else None, correct)


def evaluate(searcher: Searcher, gold: Sequence[GoldQuestion]) -> list[QuestionResult]:
    return [evaluate_question(searcher, item) for item in gold]


def summarise(results: Sequence[QuestionResult]) -> dict[str, float]:
    n = len(results)
    if n == 0:
        return {"questions": 0}

    def mean(values: Iterable[float]) -> float:
        return round(sum(values) / n, 4)

    return {
        "questions": n,
        "hit@1": mean(hit_at(r.first_rank, 1) for r in results),
        "hit@3": mean(hit_at(r.first_rank, 3) for r in results),
        "hit@5": mean(hit_at(r.first_rank, 5) for r in results),
        "mrr@10": mean(reciprocal_rank(r.first_rank) for r in results),
        "ndcg@10": mean(ndcg(r.relevant_ranks, r.relevant_total) for r in results),
        "answer_accuracy": mean(float(r.answer_correct) for r in results),
    }


def report(results: Sequence[QuestionResult], top_k: int) -> dict[str, Any]:
    """Metrics per split and overall, the misses, and gold items no passage holds."""
    splits = {split: summarise([r for r in results if r.gold.split == split]) for split in SPLITS}
    splits["all"] = summarise(results)
    misses = [
        {
            "id": r.gold.id,
            "split": r.gold.split,
            "question": r.gold.question,
            "first_relevant_rank": r.first_rank,
            "answer": r.answer,
            "answer_correct": r.answer_correct,
        }
        for r in results
        if hit_at(r.first_rank, top_k) == 0.0 or not r.answer_correct
    ]
    unfound = [r.gold.id for r in results if r.relevant_total == 0]
    return {"top_k": top_k, "splits": splits, "misses": misses, "evidence_not_in_index": unfound}
