"""Building, and opening an index that must fit the corpus and the settings."""

import dataclasses
import logging
import warnings

import pytest

from qa.build import builder, freshness
from qa.build.ensure import build_index, ensure_index
from qa.errors import CorpusError
from qa.index.store import read_manifest
from tests.conftest import FakeEmbedder


def open_index(config, embedder_factory):
    """The index ensure_index opens, and its question encoder."""
    opened = ensure_index(config, embedder_factory=embedder_factory)
    return opened.index, opened.embedder(embedder_factory)


def test_build_then_up_to_date_then_forced(tiny_config, fake_factory):
    first = build_index(tiny_config, embedder_factory=fake_factory)
    assert first.action == "built" and first.reason.startswith("no index in")
    assert (first.documents, first.passages) == (1, 4)
    second = build_index(tiny_config, embedder_factory=fake_factory)
    assert second.action == "up to date" and not second.built
    assert build_index(tiny_config, force=True, embedder_factory=fake_factory).built


def test_the_build_id_is_what_the_index_is_built_from(tiny_config, fake_factory, monkeypatch):
    """A forced rebuild of the same input keeps its id (kept conversations and
    votes stay with it), although its manifest differs; any real change gives a new one."""
    days = iter(["2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00"])
    monkeypatch.setattr(builder, "_now", lambda: next(days))  # each build made at another time
    build_index(tiny_config, embedder_factory=fake_factory)
    first = read_manifest(tiny_config.index_dir)
    build_index(tiny_config, force=True, embedder_factory=fake_factory)
    again = read_manifest(tiny_config.index_dir)
    assert again.created_at != first.created_at and again.sha256 != first.sha256
    assert again.index_id == first.index_id
    (tiny_config.corpus_dir / "more.md").write_text("# Budget\n\nThe budget doubled in 2023.\n", encoding="utf-8")
    build_index(tiny_config, embedder_factory=fake_factory)
    changed = read_manifest(tiny_config.index_dir)
    assert len({first.index_id, changed.index_id}) == 2
    heavier = dataclasses.replace(changed.spec.scoring, answer_threshold=0.75)
    recalibrated = dataclasses.replace(changed, spec=dataclasses.replace(changed.spec, scoring=heavier))
    assert recalibrated.index_id != changed.index_id


def test_open_builds_a_missing_index(tiny_config, fake_factory, caplog):
    with caplog.at_level(logging.WARNING, logger="qa"):
        index, embedder = open_index(tiny_config, embedder_factory=fake_factory)
    assert len(index.passages) == 4
    assert "no index in" in caplog.text


def test_editing_the_corpus_makes_the_index_stale(tiny_config, fake_factory, caplog):
    build_index(tiny_config, embedder_factory=fake_factory)
    (tiny_config.corpus_dir / "more.md").write_text("# Budget\n\nThe budget doubled in 2023.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="qa"):
        index, _ = open_index(tiny_config, embedder_factory=fake_factory)
    assert "the corpus changed" in caplog.text
    assert any(p.source == "more.md" and "doubled" in p.text for p in index.passages)


def test_another_model_or_chunking_makes_the_index_stale(tiny_config, fake_factory, caplog):
    build_index(tiny_config, embedder_factory=fake_factory)

    class OtherModel(FakeEmbedder):
        model_id = "other-model"

    with caplog.at_level(logging.WARNING, logger="qa"):
        index, _ = open_index(
            tiny_config.with_overrides(model="other-model"), embedder_factory=lambda ref: OtherModel()
        )
    assert "the model changed" in caplog.text
    assert index.model_id == "other-model"
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="qa"):
        open_index(tiny_config.with_overrides(max_tokens=16), embedder_factory=lambda ref: OtherModel())
    assert "chunking parameters changed" in caplog.text


def test_queries_reuse_the_settings_the_index_was_built_with(tiny_config, fake_factory, caplog):
    build_index(tiny_config.with_overrides(max_tokens=16), embedder_factory=fake_factory)
    with caplog.at_level(logging.WARNING, logger="qa"):
        index, _ = open_index(tiny_config, embedder_factory=fake_factory)
    assert "rebuilding" not in caplog.text  # not rebuilt with the default chunking
    assert read_manifest(tiny_config.index_dir).spec.chunking.max_tokens == 16


def test_missing_corpus_without_an_index_names_the_path(tiny_config, fake_factory):
    missing = tiny_config.with_overrides(corpus_dir=tiny_config.corpus_dir / "gone")
    with pytest.raises(CorpusError, match="gone"):
        open_index(missing, embedder_factory=fake_factory)


def test_missing_corpus_with_an_index_still_answers(tiny_config, fake_factory, caplog):
    build_index(tiny_config, embedder_factory=fake_factory)
    missing = tiny_config.with_overrides(corpus_dir=tiny_config.corpus_dir / "gone")
    with caplog.at_level(logging.WARNING, logger="qa"):
        index, _ = open_index(missing, embedder_factory=fake_factory)
    assert len(index.passages) == 4
    assert "existing index" in caplog.text


class CountingEmbedder(FakeEmbedder):
    """Counts the texts it is asked to embed."""

    def __init__(self, ref=None) -> None:
        super().__init__(ref)
        self.texts = 0

    def encode(self, texts, progress=False):
        self.texts += len(texts)
        return super().encode(texts, progress)


def test_a_no_op_build_loads_no_model(tiny_config):
    loads = []
    build_index(tiny_config, embedder_factory=lambda ref: loads.append(ref) or FakeEmbedder())
    report = build_index(tiny_config, embedder_factory=lambda ref: loads.append(ref) or FakeEmbedder())
    assert not report.built and len(loads) == 1


def test_a_rebuild_embeds_only_new_text(tiny_config):
    first = CountingEmbedder()
    report = build_index(tiny_config, embedder_factory=lambda ref: first)
    assert report.embedded == first.texts > 0
    (tiny_config.corpus_dir / "more.md").write_text("# Budget\n\nThe budget doubled in 2023.\n", encoding="utf-8")
    second = CountingEmbedder()
    report = build_index(tiny_config, embedder_factory=lambda ref: second)
    # One new passage (= its one sentence) and one new section; calibration
    # probes and everything else come from the cache.
    assert report.built and report.embedded == second.texts == 2


def test_a_damaged_cache_is_ignored_not_trusted(tiny_config):
    build_index(tiny_config, embedder_factory=lambda ref: CountingEmbedder())
    for path in (tiny_config.index_dir / "cache").glob("*.vectors.npy"):
        data = bytearray(path.read_bytes())
        data[-3] ^= 0xFF
        path.write_bytes(bytes(data))
    again = CountingEmbedder()
    build_index(tiny_config, force=True, embedder_factory=lambda ref: again)
    assert again.texts > 2  # everything embedded afresh


def test_large_corpora_get_an_approximate_index_with_high_recall(monkeypatch):
    import faiss
    import numpy as np

    from qa.build import builder as indexing

    monkeypatch.setattr(indexing, "APPROXIMATE_ABOVE", 100)
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((2000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert isinstance(indexing.dense_index(vectors[:100]), faiss.IndexFlatIP)
    approximate = indexing.dense_index(vectors)
    assert isinstance(approximate, faiss.IndexHNSWFlat)
    exact = faiss.IndexFlatIP(16)
    exact.add(vectors)
    queries = vectors[:50] + 0.1 * rng.standard_normal((50, 16)).astype(np.float32)
    _, truth = exact.search(queries, 10)
    _, found = approximate.search(queries, 10)
    recall = np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)])
    assert recall >= 0.95


def test_changed_scoring_is_noticed_and_recalibrated_without_a_rebuild(tiny_config, monkeypatch, caplog):
    """The calibration is fitted on the hybrid scores, so new fusion weights
    must never leave the old threshold in place ("index up to date")."""
    embedder = CountingEmbedder()
    build_index(tiny_config, embedder_factory=lambda ref: embedder)
    before = read_manifest(tiny_config.index_dir)
    weights = {**freshness.SCORING.evidence_weights, "sentence": 0.6, "keyword": 0.6}
    heavier = dataclasses.replace(freshness.SCORING, evidence_weights=weights)
    monkeypatch.setattr(freshness, "SCORING", heavier)
    embedded = embedder.texts
    with caplog.at_level(logging.WARNING, logger="qa"):
        index, _ = open_index(tiny_config, embedder_factory=lambda ref: embedder)
    assert "recalibrating the index" in caplog.text and "scoring parameters changed (evidence_weights)" in caplog.text
    after = read_manifest(tiny_config.index_dir)
    assert after.spec.scoring == heavier == index.spec.scoring
    assert after.spec.calibration != before.spec.calibration
    assert after.artifacts == before.artifacts  # the same passages, vectors and keyword indexes
    assert embedder.texts - embedded < 100  # the probes only, nothing of the corpus
    report = build_index(tiny_config, embedder_factory=lambda ref: embedder)
    assert report.action == "up to date"


def test_a_changed_probe_set_or_analyser_is_noticed(tiny_config, fake_factory, monkeypatch):
    build_index(tiny_config, embedder_factory=fake_factory)
    monkeypatch.setattr(freshness, "probes_sha256", lambda: "0" * 64)
    report = build_index(tiny_config, embedder_factory=fake_factory)
    assert report.action == "recalibrated" and "the calibration probes changed" in report.reason
    analysed = dataclasses.replace(freshness.SCORING, analyser="another-analyser")
    monkeypatch.setattr(freshness, "SCORING", analysed)
    report = build_index(tiny_config, embedder_factory=fake_factory)
    assert report.action == "built" and "analyser" in report.reason  # the keyword index is analysed anew


def test_a_rebuild_reads_and_verifies_each_file_once(tiny_config, fake_factory, monkeypatch):
    from qa.index import store

    build_index(tiny_config, embedder_factory=fake_factory)
    (tiny_config.corpus_dir / "more.md").write_text("# Budget\n\nThe budget doubled in 2023.\n", encoding="utf-8")
    verified = []
    original = store._verified_bytes
    monkeypatch.setattr(
        store, "_verified_bytes", lambda d, name, digest: verified.append(name) or original(d, name, digest)
    )
    open_index(tiny_config, embedder_factory=fake_factory)
    assert verified and len(verified) == len(set(verified)), sorted(verified)


@pytest.mark.parametrize(
    "text",
    ["", "  \n\n\t\n", "- What is CICA?\n- Who chairs it?\n", "# Heading only\n\n- And a question?\n"],
    ids=["empty", "blank", "interviewer questions only", "heading and question"],
)
def test_a_corpus_that_yields_no_passages_says_so(tiny_config, fake_factory, text):
    (tiny_config.corpus_dir / "interview.txt").write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "mean of empty slice" would be a warning
        with pytest.raises(CorpusError) as caught:
            build_index(tiny_config, embedder_factory=fake_factory)
    assert str(caught.value) == (
        f"the corpus in {tiny_config.corpus_dir} yields no passages: "
        "its documents are empty or hold only interviewer questions"
    )
    assert not tiny_config.index_dir.exists() or not (tiny_config.index_dir / "manifest.json").exists()
