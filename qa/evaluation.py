"""Retrieval evaluation against a gold set, as typed values.

A gold question lists ``evidence`` strings copied from the corpus. A passage
is relevant when its text contains one of them (evidence lies inside one
sentence, and passages break only between sentences, so it is never split).
The answer sentence is correct when it overlaps an evidence occurrence.

Metrics (binary relevance, ranks 1-based):
  hit@k    share of questions with a relevant passage in the top k
  MRR@10   mean of 1/rank of the first relevant passage (0 beyond 10)
  nDCG@10  DCG of the top 10 over the ideal DCG for that question's
           number of relevant passages

:func:`full_report` gives an :class:`EvalReport`, which renders itself as a
table for people (``to_table``) and a dict for JSON (``to_dict``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from qa.config import DEFAULT_MODE, MODES
from qa.datasets import SPLITS, FollowUp, GoldQuestion, OffTopicQuestion
from qa.search import Searcher
from qa.types import Passage

CUTOFF = 10
ALL = "all"


@dataclass(frozen=True)
class QuestionResult:
    gold: GoldQuestion
    relevant_ranks: tuple[int, ...]  # ranks (within the passages asked for) of relevant passages
    relevant_total: int  # relevant passages in the whole index
    answer: str | None
    answer_correct: bool
    abstained: bool = False

    @property
    def first_rank(self) -> int | None:
        return self.relevant_ranks[0] if self.relevant_ranks else None


@dataclass(frozen=True)
class Metrics:
    questions: int
    hit_1: float = 0.0
    hit_3: float = 0.0
    hit_5: float = 0.0
    mrr_10: float = 0.0
    ndcg_10: float = 0.0
    answer_accuracy: float = 0.0

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
            answer_accuracy=mean(float(r.answer_correct) for r in results),
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


@dataclass(frozen=True)
class Abstention:
    off_topic: int
    off_topic_abstained: float | None  # share of off-topic questions abstained on
    in_domain: int
    in_domain_abstained: float | None  # share of in-domain questions wrongly abstained on


@dataclass(frozen=True)
class FollowUpFigures:
    questions: int
    hit_3_alone: float
    hit_3_with_previous: float


@dataclass(frozen=True)
class Miss:
    id: str
    split: str
    question: str
    first_relevant_rank: int | None
    answer: str | None
    answer_correct: bool
    abstained: bool


@dataclass(frozen=True)
class EvalReport:
    mode: str  # the default mode, whose misses are listed
    top_k: int
    modes: dict[str, dict[str, Metrics]]  # mode -> split -> metrics
    abstention: dict[str, Abstention]
    followups: dict[str, FollowUpFigures]
    misses: tuple[Miss, ...]
    uncovered_paragraphs: dict[str, list[int]]
    evidence_not_in_index: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "top_k": self.top_k,
            "mode": self.mode,
            "splits": {split: m.to_dict() for split, m in self.modes[self.mode].items()},
            "modes": {mode: {s: m.to_dict() for s, m in splits.items()} for mode, splits in self.modes.items()},
            "abstention": {split: dataclasses.asdict(a) for split, a in self.abstention.items()},
            "followups": {
                split: {
                    "questions": f.questions,
                    "hit@3_alone": f.hit_3_alone,
                    "hit@3_with_previous": f.hit_3_with_previous,
                }
                for split, f in self.followups.items()
            },
            "misses": [dataclasses.asdict(m) for m in self.misses],
            "uncovered_paragraphs": self.uncovered_paragraphs,
            "evidence_not_in_index": list(self.evidence_not_in_index),
        }

    def to_table(self) -> str:
        rows = [["mode", "split", "n", "hit@1", "hit@3", "hit@5", "MRR@10", "nDCG@10", "answer"]]
        for mode, splits in self.modes.items():
            for split, m in splits.items():
                if m.questions:
                    figures = (m.hit_1, m.hit_3, m.hit_5, m.mrr_10, m.ndcg_10, m.answer_accuracy)
                    rows.append([mode, split, str(m.questions), *(f"{x:.3f}" for x in figures)])
        lines = _table(rows)
        rows = [["abstention", "off-topic abstained", "in-domain wrongly abstained"]]
        for split, a in self.abstention.items():
            rows.append([split, _share(a.off_topic_abstained, a.off_topic), _share(a.in_domain_abstained, a.in_domain)])
        lines += ["", *_table(rows), ""]
        if self.followups:
            rows = [["follow-ups", "n", "hit@3 alone", "hit@3 with previous question"]]
            for split, f in self.followups.items():
                rows.append([split, str(f.questions), f"{f.hit_3_alone:.3f}", f"{f.hit_3_with_previous:.3f}"])
            lines += [*_table(rows), ""]
        lines.append(
            f"{self.mode} misses (no relevant passage in the top {self.top_k}, "
            f"a wrong answer sentence, or an abstention): {len(self.misses)}"
        )
        for miss in self.misses:
            rank = miss.first_relevant_rank or "-"
            mark = "abstained" if miss.abstained else "answer ok" if miss.answer_correct else "answer wrong"
            lines.append(f"  {miss.id} [{miss.split}] rank {rank}, {mark}: {miss.question}")
        for source, paragraphs in self.uncovered_paragraphs.items():
            lines.append(f"paragraphs of {source} no gold question reaches: {', '.join(map(str, paragraphs))}")
        if self.evidence_not_in_index:
            lines.append(f"gold evidence found in no passage: {', '.join(self.evidence_not_in_index)}")
        return "\n".join(lines)


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


def evaluate_question(
    searcher: Searcher, gold: GoldQuestion, mode: str = DEFAULT_MODE, depth: int = CUTOFF
) -> QuestionResult:
    """``depth`` passages are asked for: at least CUTOFF, for MRR@10 and nDCG@10."""
    answer = searcher.ask(gold.question, k=max(depth, CUTOFF), mode=mode)
    spans = evidence_spans(gold, searcher.passages)
    ranks = tuple(hit.rank for hit in answer.hits if hit.passage.id in spans)
    correct = False
    if answer.sentence is not None:
        owner = answer.hits[answer.sentence.passage_rank - 1].passage.id
        correct = any(
            start < answer.sentence.end and answer.sentence.start < end for start, end in spans.get(owner, [])
        )
    sentence = answer.sentence.text if answer.sentence else None
    return QuestionResult(gold, ranks, len(spans), sentence, correct, answer.abstained)


def evaluate(
    searcher: Searcher, gold: Sequence[GoldQuestion], mode: str = DEFAULT_MODE, depth: int = CUTOFF
) -> list[QuestionResult]:
    return [evaluate_question(searcher, item, mode, depth) for item in gold]


def by_split(results: Sequence[QuestionResult]) -> dict[str, Metrics]:
    splits = {split: Metrics.of([r for r in results if r.gold.split == split]) for split in SPLITS}
    splits[ALL] = Metrics.of(results)
    return splits


def abstention(
    searcher: Searcher, in_domain: Sequence[QuestionResult], off_topic: Sequence[OffTopicQuestion]
) -> dict[str, Abstention]:
    """Per split: the share of off-topic questions abstained on, and of in-domain
    questions wrongly abstained on."""
    off_abstained = [(item.split, searcher.ask(item.question).abstained) for item in off_topic]
    table = {}
    for split in (*SPLITS, ALL):
        offs = [a for s, a in off_abstained if split in (s, ALL)]
        ins = [r.abstained for r in in_domain if split in (r.gold.split, ALL)]
        table[split] = Abstention(len(offs), _mean(offs), len(ins), _mean(ins))
    return table


def followups(searcher: Searcher, pairs: Sequence[FollowUp]) -> dict[str, FollowUpFigures]:
    """Per split: hit@3 of follow-up questions asked alone and read with the previous question."""
    table = {}
    for split in (*SPLITS, ALL):
        chosen = [pair for pair in pairs if split in (pair.gold.split, ALL)]
        if not chosen:
            continue
        alone = [hit_at(_first_rank(searcher, pair.gold, ""), 3) for pair in chosen]
        with_context = [hit_at(_first_rank(searcher, pair.gold, pair.previous), 3) for pair in chosen]
        table[split] = FollowUpFigures(len(chosen), _mean(alone), _mean(with_context))
    return table


def uncovered_paragraphs(gold: Sequence[GoldQuestion], passages: Sequence[Passage]) -> dict[str, list[int]]:
    """Per source, the paragraphs holding passages that no gold evidence reaches."""
    reached = {passage_id for item in gold for passage_id in evidence_spans(item, passages)}
    uncovered: dict[str, set[int]] = {}
    covered = {(p.source, p.paragraph) for p in passages if p.id in reached}
    for p in passages:
        if (p.source, p.paragraph) not in covered:
            uncovered.setdefault(p.source, set()).add(p.paragraph)
    return {source: sorted(paragraphs) for source, paragraphs in uncovered.items()}


def misses(results: Sequence[QuestionResult], top_k: int) -> tuple[Miss, ...]:
    """Questions with no relevant passage in the top ``top_k``, a wrong answer sentence, or an abstention."""
    return tuple(
        Miss(r.gold.id, r.gold.split, r.gold.question, r.first_rank, r.answer, r.answer_correct, r.abstained)
        for r in results
        if hit_at(r.first_rank, top_k) == 0.0 or not r.answer_correct or r.abstained
    )


def full_report(
    searcher: Searcher,
    gold: Sequence[GoldQuestion],
    off_topic: Sequence[OffTopicQuestion],
    top_k: int,
    followup_pairs: Sequence[FollowUp] = (),
) -> EvalReport:
    """Every mode side by side, abstention, follow-ups, coverage, and the default mode's misses."""
    results = {mode: evaluate(searcher, gold, mode, top_k) for mode in MODES}
    return EvalReport(
        mode=DEFAULT_MODE,
        top_k=top_k,
        modes={mode: by_split(mode_results) for mode, mode_results in results.items()},
        abstention=abstention(searcher, results[DEFAULT_MODE], off_topic),
        followups=followups(searcher, followup_pairs),
        misses=misses(results[DEFAULT_MODE], top_k),
        uncovered_paragraphs=uncovered_paragraphs(gold, searcher.passages),
        evidence_not_in_index=tuple(r.gold.id for r in results[DEFAULT_MODE] if r.relevant_total == 0),
    )


def _first_rank(searcher: Searcher, gold: GoldQuestion, previous: str) -> int | None:
    spans = evidence_spans(gold, searcher.passages)
    hits = searcher.search(gold.question, k=CUTOFF, previous=previous)
    return next((hit.rank for hit in hits if hit.passage.id in spans), None)


def _mean(values: Sequence[float | bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def _share(share: float | None, total: int) -> str:
    return "-" if not total or share is None else f"{round(share * total)}/{total} ({share:.3f})"
