import math

import numpy as np
import pytest

from qa import open_searcher
from qa.errors import InvalidArgument
from qa.eval.datasets import GoldQuestion, OffTopicQuestion, load_gold, load_gold_sets, load_off_topic
from qa.eval.evaluation import OffTopicResult, curve, evaluate, kinds, outcomes
from qa.eval.metrics import Metrics, QuestionResult, hit_at, ndcg, paired_permutation_p, reciprocal_rank
from tests.conftest import DATA, ROOT


def result(ranks, total, correct=True, split="dev", outcome="answered", confidence=0.9):
    gold = GoldQuestion("x", "q", ("e",), split)
    claimed = outcome == "answered"
    return QuestionResult(
        gold, tuple(ranks), total, "a" if claimed else None, claimed and correct, outcome, correct, confidence
    )


def off(kind, outcome, split="dev", asks="", confidence=0.3):
    return OffTopicResult(OffTopicQuestion("o", "q", kind, split, asks), outcome, confidence)


def test_metrics_on_a_hand_made_example():
    # Three questions, labelled by hand:
    #   A: the only relevant passage is ranked 1           -> RR 1,   nDCG 1
    #   B: two relevant passages, ranked 2 and 4           -> RR 1/2, nDCG (1/log2 3 + 1/log2 5) / (1 + 1/log2 3)
    #   C: its one relevant passage is not in the top 10   -> RR 0,   nDCG 0, answer wrong
    results = [result([1], 1), result([2, 4], 2), result([], 1, correct=False)]
    metrics = Metrics.of(results).to_dict()
    assert metrics["hit@1"] == round(1 / 3, 4)
    assert metrics["hit@3"] == metrics["hit@5"] == round(2 / 3, 4)
    assert metrics["mrr@10"] == round((1 + 0.5 + 0) / 3, 4)
    ndcg_b = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert metrics["ndcg@10"] == round((1 + ndcg_b + 0) / 3, 4)
    assert metrics["answer_accuracy"] == round(2 / 3, 4)


def test_metric_edges():
    assert hit_at(None, 5) == 0.0 and hit_at(5, 5) == 1.0 and hit_at(6, 5) == 0.0
    assert reciprocal_rank(11) == 0.0 and reciprocal_rank(4) == 0.25
    assert ndcg([], 0) == 0.0


def test_evaluate_finds_relevant_passages_and_checks_the_answer(tiny_config, fake_factory):
    searcher = open_searcher(tiny_config, embedder_factory=fake_factory)
    gold = [GoldQuestion("k", "When did Kuwait join the Conference?", ("Kuwait joined in 2022",), "dev")]
    (res,) = evaluate(searcher, gold)
    assert res.first_rank == 1 and res.relevant_total == 1
    assert "Kuwait joined in 2022" in res.hits[0].passage.text  # the ranking itself, for the TREC run
    assert [hit.rank for hit in res.hits] == list(range(1, len(res.hits) + 1))
    assert res.best_sentence_correct  # "Kuwait joined in 2022." chosen, whether or not it was claimed
    assert res.answer_correct == (res.outcome == "answered")


def test_load_gold_rejects_malformed_lines(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "a", "question": "q", "evidence": ["e"]}\n{"id": "b"}\n')
    with pytest.raises(InvalidArgument, match="gold.jsonl:2"):
        load_gold(path)


def test_a_missing_field_is_named(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "question": "q"}\n')
    with pytest.raises(InvalidArgument, match=r"gold.jsonl:1: not a gold set \(no 'evidence' field\)"):
        load_gold(gold)
    off_topic = tmp_path / "off.jsonl"  # a gold file given as --off-topic: no kind, every question counted as "-"
    off_topic.write_text('{"id": "a", "question": "q", "evidence": ["e"]}\n')
    with pytest.raises(InvalidArgument, match=r"off.jsonl:1: not an off-topic set \(no 'kind' field\)"):
        load_off_topic(off_topic)


def test_an_id_given_twice_is_refused(tmp_path):
    """Results, the style tests and the TREC files are keyed by id: a second
    question with the same id would silently stand in for the first."""
    line = '{{"id": "{}", "question": "q", "evidence": ["e"]}}\n'
    (tmp_path / "a.jsonl").write_text(line.format("a") + line.format("b") + line.format("a"))
    with pytest.raises(InvalidArgument, match="a.jsonl:3: id a is already on line 1"):
        load_gold(tmp_path / "a.jsonl")
    (tmp_path / "b.jsonl").write_text(line.format("b"))
    (tmp_path / "c.jsonl").write_text(line.format("c") + line.format("b"))
    with pytest.raises(InvalidArgument, match="gold question id b is in b.jsonl and c.jsonl"):
        load_gold_sets([tmp_path / "b.jsonl", tmp_path / "c.jsonl"])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jsonl").write_text(line.format("d"))
    with pytest.raises(InvalidArgument, match="two gold sets are named b.jsonl"):
        load_gold_sets([tmp_path / "b.jsonl", tmp_path / "sub" / "b.jsonl"])
    (tmp_path / "d.jsonl").write_text(line.format("d"))
    sets = load_gold_sets([tmp_path / "b.jsonl", tmp_path / "d.jsonl"])
    assert {name: [item.id for item in items] for name, items in sets.items()} == {"b.jsonl": ["b"], "d.jsonl": ["d"]}


def test_the_gold_set_is_sound():
    """The shipped gold set: enough questions, a third held out, and every
    evidence string copied exactly from the interview."""
    text = (ROOT / "corpus" / "cica_interview.txt").read_text(encoding="utf-8")
    gold = load_gold(DATA / "gold.jsonl")
    assert len(gold) >= 40 and len({g.id for g in gold}) == len(gold)
    test_share = sum(g.split == "test" for g in gold) / len(gold)
    assert 0.25 <= test_share <= 0.4
    missing = [(g.id, e) for g in gold for e in g.evidence if e not in text]
    assert missing == []


def test_outcomes_count_right_wrong_and_unclaimed_answers_by_hand():
    # In-domain: right & claimed, wrong & claimed (the costly error), right but
    # only "related", not covered. Near-misses: one answered (always wrong),
    # one related, one not covered. A general off-topic question never counts here.
    inside = [
        result([1], 1),
        result([1], 1, correct=False),
        result([1], 1, outcome="related"),
        result([], 1, outcome="not_covered"),
    ]
    outside = [off("near-miss", "answered"), off("near-miss", "related"), off("near-miss", "not_covered")]
    outside.append(off("general", "not_covered"))
    o = outcomes(inside, outside)["dev"]
    assert (o.in_domain, o.right, o.wrong, o.unanswered) == (4, 1, 1, 2)
    assert (o.near_miss, o.near_answered, o.near_related, o.near_not_covered) == (3, 1, 1, 1)
    assert o.claimed_right == round(1 / 3, 4)  # three claims: one right
    assert outcomes(inside, outside)["test"].claimed_right is None


def test_kinds_count_per_kind_and_what_near_misses_ask():
    outside = [off("near-miss", "answered", asks="person"), off("near-miss", "related", asks="money")]
    outside.append(off("general", "not_covered"))
    rows = {(k.split, k.kind): (k.questions, k.answered, k.related, k.not_covered) for k in kinds(outside)}
    assert rows[("all", "near-miss")] == (2, 1, 1, 0)
    assert rows[("all", "near-miss: person")] == (1, 1, 0, 0)
    assert rows[("all", "general")] == (1, 0, 0, 1)
    assert ("test", "general") not in rows  # nothing in the test split


def test_the_risk_coverage_curve_by_hand():
    # Confidence 0.9 right, 0.6 wrong, 0.3 right (in-domain), 0.5 near-miss (wrong), none (not covered).
    inside = [result([1], 1, confidence=0.9), result([1], 1, correct=False, confidence=0.6)]
    inside += [result([1], 1, confidence=0.3), result([], 1, outcome="not_covered", confidence=None)]
    points = curve(inside, [off("near-miss", "related", confidence=0.5)])["dev"]
    # Five questions: at 0.9 one answered, right; at 0.6 two, half right; at 0.5 three, a third; at 0.3 four, half.
    assert points == [(0.3, 0.8, 0.5), (0.5, 0.6, round(1 / 3, 4)), (0.6, 0.4, 0.5), (0.9, 0.2, 1.0)]


def test_paired_permutation_test_tells_noise_from_a_difference():
    assert paired_permutation_p(np.zeros(10)) == 1.0
    assert paired_permutation_p(np.array([1.0] + [0.0] * 40)) == 1.0  # one question is noise
    assert paired_permutation_p(np.array([0.5] * 12 + [0.0] * 4)) < 0.01
