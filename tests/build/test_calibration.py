import math

import pytest

from qa import open_searcher
from qa.build import calibration
from qa.build.calibration import in_domain_probes
from qa.build.probes import off_topic_probes
from qa.index.spec import Calibration


def test_confidence_is_a_logistic_centred_on_the_threshold():
    calibration = Calibration(threshold=0.5, scale=0.1)
    assert calibration.confidence(0.5) == pytest.approx(0.5)
    assert calibration.confidence(0.8) == pytest.approx(1 / (1 + math.exp(-3)))
    assert calibration.confidence(-1e9) == pytest.approx(0.0) and calibration.confidence(1e9) == pytest.approx(1.0)


def test_probes_ship_with_the_package_and_come_from_the_corpus(tiny_config, fake_factory):
    probes = off_topic_probes()
    assert len(probes) >= 50 and not any(p.startswith("#") for p in probes)
    index = open_searcher(tiny_config, embedder_factory=fake_factory).index
    assert "How many member states does the Conference have?" in in_domain_probes(index.passages)


def test_calibration_is_stored_and_separates_in_from_off_topic(tiny_config, fake_factory):
    searcher = open_searcher(tiny_config, embedder_factory=fake_factory)
    threshold = searcher.spec.calibration.threshold
    probes = searcher.index.manifest.calibration_probes
    assert probes["off_topic"]["count"] == len(off_topic_probes())
    assert probes["off_topic"]["median"] < threshold <= probes["in_domain"]["max"]
    off = searcher.ask("What is the speed of light in a vacuum?")
    assert off.abstained and off.sentence is None and off.confidence < 0.5
    assert off.hits, "an abstention still lists the closest passages"
    inside = searcher.ask("When did Kuwait join the Conference?")
    assert not inside.abstained and inside.confidence >= 0.5 and inside.sentence is not None


def test_in_domain_probes_are_bounded_and_spread(tiny_config, fake_factory, monkeypatch):
    index = open_searcher(tiny_config, embedder_factory=fake_factory).index
    every = in_domain_probes(index.passages)
    monkeypatch.setattr(calibration, "MAX_IN_DOMAIN_PROBES", 3)
    bounded = in_domain_probes(index.passages)
    assert len(every) > 3 and len(bounded) == 3
    assert bounded[0] == every[0] and bounded[-1] == every[-1] and set(bounded) <= set(every)


def test_batch_evidence_equals_one_question_at_a_time(tiny_config, fake_factory):
    searcher = open_searcher(tiny_config, embedder_factory=fake_factory)
    questions = ["When did Kuwait join?", "What is the speed of light?", "charter"]
    batch = searcher.raw_evidence(questions)
    assert batch.tolist() == pytest.approx([searcher.raw_evidence([q])[0] for q in questions], abs=1e-5)
    assert searcher.raw_evidence([]).size == 0
