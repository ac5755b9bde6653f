"""The glance file: what the build stores of the document as a whole."""

import subprocess
import sys

import numpy as np
import pytest

from qa.index.glance import HASHED, Glance, features, fits, from_files


def _glance(dimension: int = 4) -> Glance:
    labels = ("about", "fact", "list", "offtopic", "summary")
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(len(labels), dimension + HASHED)).astype(np.float32).astype(np.float64)
    return Glance(labels, weights, np.zeros(len(labels)), np.array([0, 3, 5]), np.array([0, 1]))


def test_it_reads_back_what_was_written():
    glance = _glance()
    again = from_files({"glance.npz": glance.to_bytes()})
    assert again.labels == glance.labels
    assert np.array_equal(again.weights, glance.weights) and np.array_equal(again.summary, glance.summary)
    assert from_files({}) is None  # an index built without one


def test_it_fits_only_the_index_it_was_built_for():
    glance = _glance(dimension=4)
    assert fits(glance, sentences=6, dimension=4)
    assert not fits(glance, sentences=5, dimension=4)  # a summary row beyond the sentences
    assert not fits(glance, sentences=6, dimension=8)  # another model's vectors
    assert not fits(None, sentences=6, dimension=4)


def test_mismatched_shapes_are_refused():
    glance = _glance()
    broken = Glance(glance.labels[:3], glance.weights, glance.bias, glance.summary, glance.about)
    with pytest.raises(ValueError, match="shapes"):
        Glance.from_bytes(broken.to_bytes())


def test_probabilities_sum_to_one():
    probabilities = _glance().kind_probabilities("list all the reasons", np.ones(4) / 2)
    assert set(probabilities) == {"about", "fact", "list", "offtopic", "summary"}
    assert sum(probabilities.values()) == pytest.approx(1.0)


def test_the_words_are_hashed_the_same_in_every_process():
    """Python's hash() changes with PYTHONHASHSEED; the classifier's buckets must not,
    or the weights fitted at build time would read other words at query time."""
    script = (
        "from qa.index.glance import features; import numpy as np; "
        "print(np.flatnonzero(features('tl;dr pls', np.zeros(2))).tolist())"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": seed}
        ).stdout  # fmt: skip
        for seed in ("1", "2")
    }
    assert len(seen) == 1
    assert seen.pop().strip() == str(np.flatnonzero(features("tl;dr pls", np.zeros(2))).tolist())


def test_word_pairs_count_as_well_as_words():
    a, b = features("all the reasons", np.zeros(2)), features("the reasons all", np.zeros(2))
    assert np.count_nonzero(a) == np.count_nonzero(b) and not np.array_equal(a, b)
