import logging

import pytest

from qa.errors import CorpusError
from qa.indexing import build_index, open_index
from qa.store import read_manifest
from tests.conftest import FakeEmbedder


def test_build_then_up_to_date_then_forced(tiny_config, fake_factory):
    first = build_index(tiny_config, embedder_factory=fake_factory)
    assert first.built and first.reason == "no index yet"
    assert (first.documents, first.passages) == (1, 4)
    second = build_index(tiny_config, embedder_factory=fake_factory)
    assert not second.built and second.reason == "up to date"
    assert build_index(tiny_config, force=True, embedder_factory=fake_factory).built


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
    assert read_manifest(tiny_config.index_dir)["chunking"]["max_tokens"] == 16


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
