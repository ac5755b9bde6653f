import math
from pathlib import Path

import pytest

from qa.datasets import GoldQuestion, load_gold
from qa.errors import InvalidArgument
from qa.evaluation import Metrics, QuestionResult, evaluate, hit_at, ndcg, reciprocal_rank
from qa.search import Searcher

DATA = Path(__file__).resolve().parent / "data"


def result(ranks, total, correct=True, split="dev"):
    gold = GoldQuestion("x", "q", ("e",), split)
    return QuestionResult(gold, tuple(ranks), total, "a", correct)


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
    searcher = Searcher.open(tiny_config, embedder_factory=fake_factory)
    gold = [GoldQuestion("k", "When did Kuwait join the Conference?", ("Kuwait joined in 2022",), "dev")]
    (res,) = evaluate(searcher, gold)
    assert res.first_rank == 1 and res.relevant_total == 1
    assert res.answer == "Kuwait joined in 2022." and res.answer_correct


def test_load_gold_rejects_malformed_lines(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "a", "question": "q", "evidence": ["e"]}\n{"id": "b"}\n')
    with pytest.raises(InvalidArgument, match="gold.jsonl:2"):
        load_gold(path)


def test_the_gold_set_is_sound():
    """The shipped gold set: enough questions, a third held out, and every
    evidence string copied exactly from the interview."""
    text = (DATA.parent.parent / "corpus" / "cica_interview.txt").read_text(encoding="utf-8")
    gold = load_gold(DATA / "gold.jsonl")
    assert len(gold) >= 40 and len({g.id for g in gold}) == len(gold)
    test_share = sum(g.split == "test" for g in gold) / len(gold)
    assert 0.25 <= test_share <= 0.4
    missing = [(g.id, e) for g in gold for e in g.evidence if e not in text]
    assert missing == []
