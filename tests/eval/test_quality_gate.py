"""The evaluation of the real interview as `python -m qa eval` runs it: what
proves the product works, and a regression cannot land."""

import pytest

from qa.eval.datasets import load_followups, load_gold, load_off_topic
from qa.eval.evaluation import followups, full_report
from tests.conftest import DATA


@pytest.fixture(scope="module")
def report(real_searcher):
    """The evaluation of both gold sets and the off-topic set, as `python -m qa eval` runs it."""
    gold_sets = {name: load_gold(DATA / name) for name in ("gold.jsonl", "gold_styles.jsonl")}
    return full_report(real_searcher, gold_sets, load_off_topic(DATA / "offtopic.jsonl"), 5)


def test_quality_gate_on_the_held_out_splits(report):
    """A regression cannot land: the held-out (never tuned on) figures stay at
    or above what was measured when answerability landed (README,
    "Evaluation"), with a little room for encoder rounding. The issue's
    targets are higher where README says so."""
    gold = report.sets["gold.jsonl"]["hybrid"]["test"]
    assert gold.hit_1 >= 0.75 and gold.hit_5 >= 0.90 and gold.mrr_10 >= 0.80, gold
    assert gold.answer_accuracy >= 0.70, gold
    assert report.sets["gold_styles.jsonl"]["hybrid"]["test"].mrr_10 >= 0.93
    outcomes = report.outcomes["test"]
    assert outcomes.near_answered <= 0.25 * outcomes.near_miss, outcomes  # 75% of near-misses get no answer
    assert outcomes.claimed_right >= 0.70, outcomes
    refusals = report.abstention["test"]
    assert refusals.in_domain_abstained <= 0.03, refusals
    assert refusals.off_topic_abstained >= 0.75, refusals


def test_hybrid_is_never_significantly_worse_than_a_single_retriever(report):
    """On every style and split: where hybrid's MRR is below dense's or
    keyword's, a paired permutation test says the difference is noise; on
    every gold set and split, hybrid is at least as good as both."""
    for row in report.styles:
        for other in ("dense", "keyword"):
            if row.mrr["hybrid"] < row.mrr[other]:
                assert row.p_hybrid_vs[other] >= 0.05, row
    for name, modes in report.sets.items():
        for split, metrics in modes["hybrid"].items():
            for other in ("dense", "keyword"):
                assert metrics.mrr_10 >= modes[other][split].mrr_10 - 0.05, (name, split, other)


def test_follow_ups_are_found_more_often_with_the_previous_question(real_searcher):
    table = followups(real_searcher, load_followups(DATA / "followups.jsonl"))
    assert len(load_followups(DATA / "followups.jsonl")) >= 10
    assert table["all"].hit_3_with_previous > table["all"].hit_3_alone, table
