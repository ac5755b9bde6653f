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

from qa.search import DEFAULT_MODE, MODES, Searcher
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
    abstained: bool = False

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


def evaluate_question(searcher: Searcher, gold: GoldQuestion, mode: str = DEFAULT_MODE) -> QuestionResult:
    answer = searcher.ask(gold.question, k=CUTOFF, mode=mode)
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


def evaluate(searcher: Searcher, gold: Sequence[GoldQuestion], mode: str = DEFAULT_MODE) -> list[QuestionResult]:
    return [evaluate_question(searcher, item, mode) for item in gold]


def load_off_topic(path: Path) -> list[tuple[str, str]]:
    """(question, split) pairs of a JSON Lines file of questions the corpus does not answer."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
        return [(str(r["question"]), str(r.get("split", "dev"))) for r in records]
    except OSError as exc:
        raise ValueError(f"cannot read off-topic set {path}: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not an off-topic question set ({exc})") from exc


def abstention(searcher: Searcher, in_domain: Sequence[QuestionResult], off_topic: Sequence[tuple[str, str]]) -> dict:
    """Per split: the share of off-topic questions abstained on, and of in-domain
    questions wrongly abstained on."""
    off_abstained = [(split, searcher.ask(question).abstained) for question, split in off_topic]
    table = {}
    for split in (*SPLITS, "all"):
        offs = [a for s, a in off_abstained if split in (s, "all")]
        ins = [r.abstained for r in in_domain if split in (r.gold.split, "all")]
        table[split] = {
            "off_topic": len(offs),
            "off_topic_abstained": round(sum(offs) / len(offs), 4) if offs else None,
            "in_domain": len(ins),
            "in_domain_abstained": round(sum(ins) / len(ins), 4) if ins else None,
        }
    return table


def load_followups(path: Path) -> list[tuple[GoldQuestion, str]]:
    """(gold question, previous question) pairs: follow-ups that lean on the question before."""
    try:
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [
            (
                GoldQuestion(
                    str(r["id"]), str(r["question"]), tuple(map(str, r["evidence"])), str(r.get("split", "dev"))
                ),
                str(r["previous"]),
            )
            for r in records
        ]
    except OSError as exc:
        raise ValueError(f"cannot read follow-up set {path}: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a follow-up set ({exc})") from exc


def followups(searcher: Searcher, pairs: Sequence[tuple[GoldQuestion, str]]) -> dict[str, dict[str, float]]:
    """Per split: hit@3 of follow-up questions asked alone and read with the previous question."""
    table = {}
    for split in (*SPLITS, "all"):
        chosen = [(g, previous) for g, previous in pairs if split in (g.split, "all")]
        if not chosen:
            continue
        alone = [hit_at(_first_rank(searcher, g, ""), 3) for g, _ in chosen]
        with_context = [hit_at(_first_rank(searcher, g, previous), 3) for g, previous in chosen]
        table[split] = {
            "questions": len(chosen),
            "hit@3_alone": round(sum(alone) / len(chosen), 4),
            "hit@3_with_previous": round(sum(with_context) / len(chosen), 4),
        }
    return table


def _first_rank(searcher: Searcher, gold: GoldQuestion, previous: str) -> int | None:
    spans = evidence_spans(gold, searcher.passages)
    hits = searcher.search(gold.question, k=CUTOFF, previous=previous)
    return next((hit.rank for hit in hits if hit.passage.id in spans), None)


def uncovered_paragraphs(gold: Sequence[GoldQuestion], passages: Sequence[Passage]) -> dict[str, list[int]]:
    """Per source, the paragraphs holding passages that no gold evidence reaches."""
    reached = {passage_id for item in gold for passage_id in evidence_spans(item, passages)}
    uncovered: dict[str, set[int]] = {}
    covered = {(p.source, p.paragraph) for p in passages if p.id in reached}
    for p in passages:
        if (p.source, p.paragraph) not in covered:
            uncovered.setdefault(p.source, set()).add(p.paragraph)
    return {source: sorted(paragraphs) for source, paragraphs in uncovered.items()}


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


def by_split(results: Sequence[QuestionResult]) -> dict[str, dict[str, float]]:
    splits = {split: summarise([r for r in results if r.gold.split == split]) for split in SPLITS}
    splits["all"] = summarise(results)
    return splits


def full_report(
    searcher: Searcher,
    gold: Sequence[GoldQuestion],
    off_topic: Sequence[tuple[str, str]],
    top_k: int,
    followup_pairs: Sequence[tuple[GoldQuestion, str]] = (),
) -> dict[str, Any]:
    """Every mode side by side, abstention, follow-ups, coverage, and the default mode's misses."""
    results = {mode: evaluate(searcher, gold, mode) for mode in MODES}
    result = report(results[DEFAULT_MODE], top_k)
    result["mode"] = DEFAULT_MODE
    result["modes"] = {mode: by_split(mode_results) for mode, mode_results in results.items()}
    result["abstention"] = abstention(searcher, results[DEFAULT_MODE], off_topic)
    result["followups"] = followups(searcher, followup_pairs)
    result["uncovered_paragraphs"] = uncovered_paragraphs(gold, searcher.passages)
    return result


def report(results: Sequence[QuestionResult], top_k: int) -> dict[str, Any]:
    """Metrics per split and overall, the misses, and gold items no passage holds."""
    splits = by_split(results)
    misses = [
        {
            "id": r.gold.id,
            "split": r.gold.split,
            "question": r.gold.question,
            "first_relevant_rank": r.first_rank,
            "answer": r.answer,
            "answer_correct": r.answer_correct,
            "abstained": r.abstained,
        }
        for r in results
        if hit_at(r.first_rank, top_k) == 0.0 or not r.answer_correct or r.abstained
    ]
    unfound = [r.gold.id for r in results if r.relevant_total == 0]
    return {"top_k": top_k, "splits": splits, "misses": misses, "evidence_not_in_index": unfound}
