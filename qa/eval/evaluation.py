"""Running an evaluation: every question of the gold sets, the off-topic set
and the follow-ups through the searcher, into a typed
:class:`~qa.eval_report.EvalReport` (``to_table``, ``to_dict``, ``plot``).

What is measured (see :mod:`qa.eval.metrics` for the metrics):
  ranking    per gold set, mode and split; per style of question, with a
             paired permutation test of hybrid against each single retriever
  outcomes   per split: answers claimed and right, claimed and wrong (the
             costly error), no answer claimed although one exists; near-misses
             answered, "related" or "not covered"; general off-topic not covered
  kinds      per kind of off-topic question (and near-misses by what they ask)
  curve      risk-coverage: the accuracy of claimed answers against the share
             of (in-domain and near-miss) questions answered, as the answer
             threshold moves
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from qa.answer import sentence as answer_sentence
from qa.answer.answerability import ANSWERED, NOT_COVERED, RELATED
from qa.answer.search import Searcher
from qa.config import DEFAULT_MODE, MODES
from qa.eval.datasets import SPLITS, FollowUp, GoldQuestion, OffTopicQuestion
from qa.eval.metrics import (
    CUTOFF,
    Metrics,
    QuestionResult,
    evidence_spans,
    hit_at,
    overlaps,
    paired_permutation_p,
    reciprocal_rank,
)
from qa.eval.report import ALL, Abstention, EvalReport, FollowUpFigures, KindFigures, Miss, Outcomes, StyleRow
from qa.types import Passage

NEAR_MISS = "near-miss"


def evaluate_question(
    searcher: Searcher, gold: GoldQuestion, mode: str = DEFAULT_MODE, depth: int = CUTOFF
) -> QuestionResult:
    """``depth`` passages are asked for: at least CUTOFF, for MRR@10 and nDCG@10."""
    trace = searcher.trace(gold.question, k=max(depth, CUTOFF), mode=mode)
    spans = evidence_spans(gold, searcher.passages)
    ranks = tuple(hit.rank for hit in trace.hits if hit.passage.id in spans)
    best, right = None, False
    if trace.candidates is not None:
        best = answer_sentence.choose(trace.candidates, searcher.index, trace.hits)
        owner = trace.hits[best.passage_rank - 1].passage.id
        right = overlaps(spans.get(owner, []), best.start, best.end)
    claimed = trace.outcome == ANSWERED
    return QuestionResult(
        gold, ranks, len(spans), best.text if claimed and best else None, claimed and right,
        trace.outcome, right, trace.probability, trace.hits,
    )  # fmt: skip


def evaluate(
    searcher: Searcher, gold: Sequence[GoldQuestion], mode: str = DEFAULT_MODE, depth: int = CUTOFF
) -> list[QuestionResult]:
    return [evaluate_question(searcher, item, mode, depth) for item in gold]


def evaluate_modes(
    searcher: Searcher, gold: Sequence[GoldQuestion], depth: int = CUTOFF
) -> dict[str, list[QuestionResult]]:
    """Every question in every mode: what :func:`full_report` summarises, and
    what :mod:`qa.eval.trec` writes out (so a run costs no second search)."""
    return {mode: evaluate(searcher, gold, mode, depth) for mode in MODES}


def by_split(results: Sequence[QuestionResult]) -> dict[str, Metrics]:
    splits = {split: Metrics.of([r for r in results if r.gold.split == split]) for split in SPLITS}
    splits[ALL] = Metrics.of(results)
    return splits


@dataclass(frozen=True)
class OffTopicResult:
    item: OffTopicQuestion
    outcome: str
    answer_confidence: float | None


def off_topic_results(searcher: Searcher, off_topic: Sequence[OffTopicQuestion]) -> list[OffTopicResult]:
    results = []
    for item in off_topic:
        trace = searcher.trace(item.question)
        results.append(OffTopicResult(item, trace.outcome, trace.probability))
    return results


def abstention(in_domain: Sequence[QuestionResult], off_topic: Sequence[OffTopicResult]) -> dict[str, Abstention]:
    """Per split: the share of general off-topic questions (not near-misses) not
    covered, and of in-domain questions wrongly not covered."""
    table = {}
    for split in (*SPLITS, ALL):
        offs = [
            r.outcome == NOT_COVERED for r in off_topic if r.item.kind != NEAR_MISS and split in (r.item.split, ALL)
        ]
        ins = [r.abstained for r in in_domain if split in (r.gold.split, ALL)]
        table[split] = Abstention(len(offs), _mean(offs), len(ins), _mean(ins))
    return table


def outcomes(in_domain: Sequence[QuestionResult], off_topic: Sequence[OffTopicResult]) -> dict[str, Outcomes]:
    table = {}
    for split in (*SPLITS, ALL):
        ins = [r for r in in_domain if split in (r.gold.split, ALL)]
        near = [r.outcome for r in off_topic if r.item.kind == NEAR_MISS and split in (r.item.split, ALL)]
        table[split] = Outcomes(
            in_domain=len(ins),
            right=sum(r.outcome == ANSWERED and r.answer_correct for r in ins),
            wrong=sum(r.outcome == ANSWERED and not r.answer_correct for r in ins),
            unanswered=sum(r.outcome != ANSWERED for r in ins),
            near_miss=len(near),
            near_answered=near.count(ANSWERED),
            near_related=near.count(RELATED),
            near_not_covered=near.count(NOT_COVERED),
        )
    return table


def kinds(off_topic: Sequence[OffTopicResult]) -> list[KindFigures]:
    """Per split, per kind of off-topic question (near-misses also by what they ask)."""
    rows = []
    for split in ("test", ALL):
        chosen = [(r.item, r.outcome) for r in off_topic if split in (r.item.split, ALL)]
        groups: dict[str, list[str]] = {}
        for item, o in chosen:
            groups.setdefault(item.kind or "-", []).append(o)
            if item.kind == NEAR_MISS and item.asks:
                groups.setdefault(f"{NEAR_MISS}: {item.asks}", []).append(o)
        for kind, found in sorted(groups.items()):
            rows.append(KindFigures(split, kind, len(found), found.count(ANSWERED), found.count(RELATED),
                                    found.count(NOT_COVERED)))  # fmt: skip
    return rows


def curve(
    in_domain: Sequence[QuestionResult], off_topic: Sequence[OffTopicResult]
) -> dict[str, list[tuple[float, float, float]]]:
    """Per split, (threshold, share answered, accuracy of the answers) as the
    answer threshold moves over every answer confidence seen. In-domain
    questions and near-misses; a near-miss answered is always wrong."""
    near = [r for r in off_topic if r.item.kind == NEAR_MISS]
    table = {}
    for split in (*SPLITS, ALL):
        scored = [(r.answer_confidence, r.best_sentence_correct) for r in in_domain if split in (r.gold.split, ALL)]
        scored += [(r.answer_confidence, False) for r in near if split in (r.item.split, ALL)]
        scored = [(p if p is not None else -1.0, ok) for p, ok in scored]
        points = []
        for threshold in sorted({p for p, _ in scored if p >= 0}):
            claimed = [ok for p, ok in scored if p >= threshold]
            points.append(
                (round(threshold, 4), round(len(claimed) / len(scored), 4), round(float(np.mean(claimed)), 4))
            )
        table[split] = points
    return table


def styles(results: Mapping[str, Sequence[QuestionResult]]) -> list[StyleRow]:
    """Per style and split (test, all): MRR of each mode, and whether hybrid
    differs from each single retriever (two-sided paired permutation test)."""
    rows = []
    by_id = {mode: {r.gold.id: r for r in found} for mode, found in results.items()}
    labels = sorted({r.gold.style for r in results[DEFAULT_MODE] if r.gold.style})
    for style in labels:
        for split in ("test", ALL):
            ids = [r.gold.id for r in results[DEFAULT_MODE] if r.gold.style == style and split in (r.gold.split, ALL)]
            rr = {mode: np.array([reciprocal_rank(by_id[mode][i].first_rank) for i in ids]) for mode in MODES}
            p = {other: paired_permutation_p(rr["hybrid"] - rr[other]) for other in ("dense", "keyword")}
            rows.append(StyleRow(style, split, len(ids), {m: round(float(v.mean()), 4) for m, v in rr.items()}, p))
    return rows


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
    """Questions with no relevant passage in the top ``top_k``, a wrong answer
    claimed, or no answer claimed."""
    return tuple(
        Miss(r.gold.id, r.gold.split, r.gold.question, r.first_rank, r.answer, r.outcome, r.answer_correct)
        for r in results
        if hit_at(r.first_rank, top_k) == 0.0 or not r.answer_correct
    )


def full_report(
    searcher: Searcher,
    gold_sets: Mapping[str, Sequence[GoldQuestion]],
    off_topic: Sequence[OffTopicQuestion],
    top_k: int,
    followup_pairs: Sequence[FollowUp] = (),
    results: Mapping[str, Sequence[QuestionResult]] | None = None,
) -> EvalReport:
    """Every mode side by side for every gold set, outcomes, kinds, the
    risk-coverage curve, follow-ups, coverage, and the default mode's misses.
    ``results``: :func:`evaluate_modes` of the gold sets' questions, when the
    caller has it already (the CLI does, to write TREC files from it)."""
    gold = [item for items in gold_sets.values() for item in items]
    if results is None:
        results = evaluate_modes(searcher, gold, top_k)
    default = results[DEFAULT_MODE]
    names = {item.id: name for name, items in gold_sets.items() for item in items}
    sets = {
        name: {mode: by_split([r for r in found if names[r.gold.id] == name]) for mode, found in results.items()}
        for name in gold_sets
    }
    off = off_topic_results(searcher, off_topic)
    return EvalReport(
        mode=DEFAULT_MODE,
        top_k=top_k,
        answer_threshold=searcher.spec.scoring.answer_threshold,
        sets=sets,
        styles=tuple(styles(results)),
        abstention=abstention(default, off),
        outcomes=outcomes(default, off),
        kinds=tuple(kinds(off)),
        curves=curve(default, off),
        followups=followups(searcher, followup_pairs),
        misses=misses(default, top_k),
        uncovered_paragraphs=uncovered_paragraphs(gold, searcher.passages),
        evidence_not_in_index=tuple(r.gold.id for r in default if r.relevant_total == 0),
    )


def _first_rank(searcher: Searcher, gold: GoldQuestion, previous: str) -> int | None:
    spans = evidence_spans(gold, searcher.passages)
    hits = searcher.search(gold.question, k=CUTOFF, previous=previous)
    return next((hit.rank for hit in hits if hit.passage.id in spans), None)


def _mean(values: Sequence[float | bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None
