"""A build that dies at any moment, two builds at once, an index whose parts
disagree: the directory holds no index or a whole one, never a mix.
Faults are injected at each write in turn, not timed."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys

import pytest

from qa import open_searcher
from qa.build.ensure import build_index
from qa.errors import IndexCorrupt, IndexNotFound
from qa.index.store import index_files, read_index, write_index
from tests.conftest import ROOT, TINY_INTERVIEW


class SimulatedCrash(BaseException):
    """The process dies here: nothing after it runs (not an Exception, so no
    handler in the code under test catches it)."""


def crashing_writes(monkeypatch, crash_at: int, when: str) -> None:
    """The store's ``crash_at``-th file write dies, just before its rename
    (leaving a half-written temporary file, as a killed process would) or
    just after it."""
    from qa import files
    from qa.index import store

    calls = {"n": 0}

    def write(path, data):
        calls["n"] += 1
        if calls["n"] == crash_at and when == "before rename":
            (path.parent / f".{path.name}.crashed.tmp").write_bytes(data[: len(data) // 2])
            raise SimulatedCrash
        files.atomic_write(path, data)
        if calls["n"] == crash_at:
            raise SimulatedCrash

    monkeypatch.setattr(store, "atomic_write", write)


def count_store_writes(config, factory, monkeypatch) -> int:
    from qa import files
    from qa.index import store

    written = []
    monkeypatch.setattr(
        store, "atomic_write", lambda path, data: written.append(path) or files.atomic_write(path, data)
    )
    build_index(config, force=True, embedder_factory=factory)
    monkeypatch.undo()
    return len(written)


@pytest.mark.parametrize("when", ["before rename", "after rename"])
def test_a_build_that_dies_after_any_file_leaves_no_index_or_a_whole_one(tiny_config, fake_factory, monkeypatch, when):
    """Deterministic fault injection, for every write of a build: whatever the
    moment of death, the directory holds no manifest (the next run rebuilds)
    or a manifest whose every checksum matches - never a mix of two builds,
    never a manifest that vouches for files it does not describe."""
    build_index(tiny_config, embedder_factory=fake_factory)
    old_index = tiny_config.index_dir.with_name("old-index")
    shutil.copytree(tiny_config.index_dir, old_index)
    # The new corpus: the same number of passages, other words.
    (tiny_config.corpus_dir / "interview.txt").write_text(TINY_INTERVIEW.replace("Kuwait", "Oman"), encoding="utf-8")
    total = count_store_writes(tiny_config, fake_factory, monkeypatch)
    assert total >= 15  # every artifact and the manifest
    for crash_at in range(1, total + 1):
        shutil.rmtree(tiny_config.index_dir)
        shutil.copytree(old_index, tiny_config.index_dir)
        crashing_writes(monkeypatch, crash_at, when)
        with pytest.raises(SimulatedCrash):
            build_index(tiny_config, force=True, embedder_factory=fake_factory)
        monkeypatch.undo()
        try:
            index = read_index(tiny_config.index_dir).index
        except IndexNotFound:
            assert crash_at < total or when == "before rename", crash_at
        else:
            words = {("Kuwait" in p.text, "Oman" in p.text) for p in index.passages}
            assert (True, False) in words or (False, True) in words
            assert len({w for w in words if any(w)}) == 1, (crash_at, "a mix of two builds")
        # IndexCorrupt would escape here: the protection under test failed.
        searcher = open_searcher(tiny_config, embedder_factory=fake_factory)
        assert "Oman joined in 2022" in searcher.search("When did Oman join?", k=1)[0].passage.text
        assert not list(tiny_config.index_dir.glob(".*.tmp")), "leftovers of the dead build were not swept"


def test_an_atomic_write_that_dies_leaves_the_old_file_whole(tmp_path, monkeypatch):
    from qa import files

    target = tmp_path / "passages.jsonl"
    target.write_bytes(b"old content\n")

    def die(fd):
        raise SimulatedCrash

    monkeypatch.setattr(files.os, "fsync", die)
    with pytest.raises(SimulatedCrash):
        files.atomic_write(target, b"new content that never fully lands\n")
    assert target.read_bytes() == b"old content\n"


def test_two_builds_at_once_do_not_corrupt_each_other(real_config, tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(real_config.corpus_dir, corpus)
    shutil.copytree(real_config.index_dir, index)
    command = [sys.executable, "-m", "qa", "build", "--force", "--corpus", str(corpus), "--index", str(index)]
    processes = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    assert [p.wait(timeout=120) for p in processes] == [0, 0]
    loaded = read_index(index).index
    assert len(loaded.passages) == loaded.dense.ntotal == len(read_index(real_config.index_dir).index.passages)


def test_an_index_whose_parts_disagree_is_rebuilt(tiny_config, fake_factory, caplog):
    build_index(tiny_config, embedder_factory=fake_factory)
    stored = read_index(tiny_config.index_dir).index
    # Checksums all match, but one passage is missing next to four vectors.
    files = index_files(
        stored.passages[:-1],
        stored.dense,
        stored.sentence_vectors,
        stored.question_vectors,
        stored.passage_keywords,
        stored.sentence_keywords,
    )
    write_index(tiny_config.index_dir, stored.manifest, files)
    with pytest.raises(IndexCorrupt, match="4 vectors for 3 passages"):
        read_index(tiny_config.index_dir)
    with caplog.at_level(logging.WARNING, logger="qa"):
        searcher = open_searcher(tiny_config, embedder_factory=fake_factory)
    assert len(searcher.passages) == 4 and "rebuilding" in caplog.text
