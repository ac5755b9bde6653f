"""Fitting the scoring models: the fitted values round-trip into the
ScoringSpec the index is built with, and the pure fusion functions."""

import dataclasses

import numpy as np
import pytest

from qa import open_searcher
from qa.answer.answerability import ANSWERABILITY_FEATURES
from qa.answer.fusion import linear, mean_of_rankings, zscore
from qa.answer.retrieval import RANKING_FEATURES
from qa.answer.sentence import SENTENCE_FEATURES
from qa.build.freshness import fitted_scoring
from qa.errors import InvalidArgument
from qa.eval import tuning
from qa.eval.datasets import GoldQuestion, OffTopicQuestion

GOLD = [
    GoldQuestion(f"g{i}", question, (evidence,), "dev")
    for i, (question, evidence) in enumerate(
        [
            ("How many member states are there?", "The Conference now has 28 member states."),
            ("When did Kuwait join?", "Kuwait joined in 2022."),
            ("Which observers are there?", "Observers include Turkmenistan and Saudi Arabia."),
            ("When could the Charter be adopted?", "The Charter could be adopted at the 2026 summit."),
            ("Is work on the draft going on?", "Work on the draft continues."),
            ("What did the magazine do?", "The magazine spoke with the Secretary General"),
        ]
        * 2
    )
]
# On topic, answer absent: their words are the interview's.
NEAR = [
    OffTopicQuestion(f"o{i}", q, "near-miss", "dev")
    for i, q in enumerate(["How many observers does the Conference have?", "When was the Charter draft begun?"] * 2)
]


@pytest.fixture
def searcher(tiny_config, fake_factory):
    return open_searcher(tiny_config, embedder_factory=fake_factory)


def test_fit_gives_a_coefficient_for_every_feature(searcher):
    questions = [tuning.Question(g.id, g.question, "plain", g) for g in GOLD]
    questions += [tuning.Question(o.id, o.question, "near-miss", None) for o in NEAR]
    scoring = tuning.fit(searcher, questions)
    assert set(scoring.ranking) == set(RANKING_FEATURES)
    assert set(scoring.answer_sentence) == set(SENTENCE_FEATURES)
    assert set(scoring.answerability) == {*ANSWERABILITY_FEATURES, "intercept"}
    assert all(np.isfinite(list(scoring.ranking.values())))


def test_tuned_models_are_written_and_read_back_as_the_scoring(searcher, tmp_path, monkeypatch):
    monkeypatch.setattr(tuning, "REPEATS", 1)
    monkeypatch.setattr(tuning, "FOLDS", 2)
    report = tuning.tune(searcher, GOLD, NEAR)
    assert "cross-validated on the dev split" in report.to_table()
    assert report.scoring.answer_threshold == tuning.ANSWER_THRESHOLD
    data = tmp_path / "gold.jsonl"
    data.write_text("{}\n")
    path = tmp_path / "scoring.json"
    tuning.write(report, path, [data])
    read = fitted_scoring(report.scoring.analyser, path)
    assert read == dataclasses.replace(report.scoring)


def test_too_few_dev_questions_is_one_line_not_a_crash(searcher):
    """Before: "need at least one array to concatenate" from numpy, as a bug."""
    with pytest.raises(InvalidArgument, match="tuning needs at least 10 dev questions .* these have 3 and 8"):
        tuning.tune(searcher, GOLD[:3] + [dataclasses.replace(GOLD[3], split="test")], NEAR * 2)


def test_fusion_functions_with_plain_numbers():
    assert zscore(np.array([1.0, 2.0, 3.0])).tolist() == pytest.approx([-1.2247, 0.0, 1.2247], abs=1e-4)
    assert zscore(np.array([5.0, 5.0])).tolist() == [0.0, 0.0]  # no spread: no information
    features = {"a": np.array([1.0, 0.0]), "b": np.array([0.0, 2.0])}
    assert linear(features, {"a": 2.0, "b": 0.5, "intercept": 1.0}).tolist() == [3.0, 2.0]
    assert linear(features, {"a": 1.0}).tolist() == [1.0, 0.0]  # a feature without a coefficient counts zero
    first = np.array([4.0, 2.0, -np.inf, -np.inf], dtype=np.float32)
    second = np.array([0.0, 2.0, 1.0, -np.inf], dtype=np.float32)
    # Passage 2 was not retrieved by the first: it counts as the first's lowest (2.0).
    assert mean_of_rankings(first, second).tolist() == [2.0, 2.0, 1.5, -np.inf]


def test_a_model_that_cannot_be_fitted_says_why(searcher):
    only_right = [tuning.Question(g.id, g.question, "plain", g) for g in GOLD[:1]]
    with pytest.raises(InvalidArgument, match="all right; the dev questions need both|all wrong"):
        tuning.fit(searcher, only_right)
