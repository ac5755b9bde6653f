"""The index store: what a manifest records, checksums, parsing the manifest
into the typed identity, and reading each file once."""

import dataclasses
import json
import logging
from pathlib import Path

import bm25s
import numpy as np
import pytest

from qa import open_searcher
from qa.build.ensure import build_index
from qa.errors import IndexCorrupt, IndexNotFound
from qa.files import sha256_bytes
from qa.index import keyword
from qa.index.spec import SCHEMA_VERSION, Manifest
from qa.index.store import DENSE, MANIFEST, PASSAGE_KEYWORDS, PASSAGES, QUESTIONS, SENTENCES, read_index, read_manifest
from tests.conftest import TINY_INTERVIEW


def test_manifest_records_what_the_index_was_built_from(tiny_config, fake_factory):
    build_index(tiny_config, embedder_factory=fake_factory)
    manifest = json.loads((tiny_config.index_dir / MANIFEST).read_text())
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["model"] == {"id": "fake-bag-of-words", "dimension": 64, "max_seq_length": 256, "normalized": True}
    assert manifest["chunking"]["max_tokens"] == 128
    assert manifest["scoring"]["analyser"] == keyword.ANALYSER and manifest["scoring"]["candidates"] == 50
    assert len(manifest["probes"]) == 64  # sha256 of the probe set
    assert set(manifest["corpus"]["files"]) == {"interview.txt"}
    assert {PASSAGES, DENSE, SENTENCES, QUESTIONS} <= set(manifest["artifacts"])
    keyword_files = {name for name in manifest["artifacts"] if name.startswith("keyword.")}
    assert {"keyword.passages.vocab.json", "keyword.sentences.vocab.json"} <= keyword_files
    assert set(manifest["artifacts"]) <= {p.name for p in tiny_config.index_dir.iterdir()}
    assert manifest["calibration"]["scale"] > 0 and "threshold" in manifest["calibration"]
    assert manifest["counts"] == {"documents": 1, "passages": 4, "sentences": 6}
    assert {"qa", "python", "faiss-cpu", "numpy"} <= set(manifest["versions"])
    assert manifest["created_at"].endswith("+00:00")
    assert manifest["sha256"] == sha256_bytes(
        json.dumps({k: v for k, v in manifest.items() if k != "sha256"}, sort_keys=True, separators=(",", ":")).encode()
    )
    # Passages are JSON Lines, line i = row i of the FAISS index.
    lines = (tiny_config.index_dir / PASSAGES).read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [0, 1, 2, 3]
    assert not list(tiny_config.index_dir.glob("*.tmp")), "temporary files left behind"


def test_round_trip(tiny_config, fake_factory):
    build_index(tiny_config, embedder_factory=fake_factory)
    opened = read_index(tiny_config.index_dir)
    index, encoder = opened.index, opened.encoder_files
    assert index.dense.ntotal == len(index.passages) == 4
    assert index.sentence_vectors.shape == (6, 64)
    assert encoder == {}  # a stand-in embedder has nothing to export


def test_missing_index(tmp_path: Path):
    with pytest.raises(IndexNotFound):
        read_index(tmp_path)


@pytest.mark.parametrize("name", [PASSAGES, DENSE, SENTENCES, QUESTIONS, "keyword.passages.data.npy"])
def test_flipped_byte_in_any_artifact_is_caught_by_its_checksum(tiny_config, fake_factory, name):
    build_index(tiny_config, embedder_factory=fake_factory)
    path = tiny_config.index_dir / name
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF  # inside the vectors / last record: loads "fine" without a checksum
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="checksum"):
        read_index(tiny_config.index_dir)


def resign(index_dir: Path, change) -> None:
    """Apply ``change`` to the manifest's JSON and sign it again, as a foreign
    writer (or a bug) would: only validation can catch what it wrote."""
    record = json.loads((index_dir / MANIFEST).read_text())
    record.pop("sha256")
    change(record)
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    record["sha256"] = sha256_bytes(canonical)
    (index_dir / MANIFEST).write_text(json.dumps(record))


def edit(index_dir: Path, change) -> None:
    """Apply ``change`` to the manifest's JSON without signing it again (a hand edit)."""
    record = json.loads((index_dir / MANIFEST).read_text())
    change(record)
    (index_dir / MANIFEST).write_text(json.dumps(record))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / MANIFEST).write_text("{not json"), "unreadable manifest"),
        (lambda d: (d / MANIFEST).write_text('{"schema_version": 99}'), "not a schema"),
        (lambda d: (d / DENSE).unlink(), "missing index file"),
        # One changed digit of the threshold would make every question abstain.
        (lambda d: edit(d, lambda r: r["calibration"].update(threshold=r["calibration"]["threshold"] + 9)), "checksum"),
        (lambda d: edit(d, lambda r: r.update(counts="x")), "checksum"),
        (lambda d: resign(d, lambda r: r["corpus"].update(files=[])), "corpus"),
        (lambda d: resign(d, lambda r: r.update(calibration={"threshold": "high"})), "calibration"),
        (lambda d: resign(d, lambda r: r.update(counts="x")), "counts"),
        (lambda d: resign(d, lambda r: r["calibration"].update(scale=0.0)), "scale"),
        (lambda d: resign(d, lambda r: r["counts"].update(passages=3)), "counts differ"),
        (lambda d: resign(d, lambda r: r["artifacts"].update({"../x": "0" * 64})), "outside"),
        (lambda d: resign(d, lambda r: r["scoring"].update(candidates=True)), "candidates"),
    ],
)
def test_damaged_or_invalid_manifest_is_rebuilt_with_a_note(tiny_config, fake_factory, caplog, damage, message):
    build_index(tiny_config, embedder_factory=fake_factory)
    damage(tiny_config.index_dir)
    with pytest.raises((IndexCorrupt, IndexNotFound), match=message):
        read_index(tiny_config.index_dir)
    with caplog.at_level(logging.WARNING, logger="qa"):
        searcher = open_searcher(tiny_config, embedder_factory=fake_factory)
    assert len(searcher.passages) == 4 and "rebuilding the index" in caplog.text
    assert searcher.ask("When did Kuwait join?", k=1).hits[0].passage.text.startswith("The Conference now has 28")
    read_index(tiny_config.index_dir)  # intact again on disk


def test_the_manifest_round_trips_through_its_typed_value(tiny_config, fake_factory):
    build_index(tiny_config, embedder_factory=fake_factory)
    manifest = read_manifest(tiny_config.index_dir)
    assert Manifest.from_json(manifest.to_json(), "again") == manifest
    assert manifest.spec.settings.model_id == "fake-bag-of-words"


def test_keyword_index_from_verified_bytes_equals_bm25s_own_loader(tiny_config, fake_factory):
    """qa.keyword.from_files mirrors bm25s.BM25.load; this keeps them in step
    across bm25s versions."""
    build_index(tiny_config, embedder_factory=fake_factory)
    directory = tiny_config.index_dir
    files = {p.name: p.read_bytes() for p in directory.glob(f"{PASSAGE_KEYWORDS}.*")}
    ours = keyword.from_files(files, PASSAGE_KEYWORDS)
    theirs = bm25s.BM25.load(
        str(directory), allow_pickle=False, show_progress=False, **keyword.file_names(PASSAGE_KEYWORDS)
    )
    assert ours.vocab_dict == theirs.vocab_dict
    for question in ("Kuwait 2022", "charter summit", "member states observers", "zebra"):
        np.testing.assert_array_equal(keyword.scores(ours, question), keyword.scores(theirs, question))


def test_reading_never_goes_back_to_the_disk_after_the_checksums(tiny_config, fake_factory, tmp_path, monkeypatch):
    """A build may replace files while a reader opens the index. Every part
    must come from the bytes that were verified: here, the moment the last
    file has been read and checked, another build's files (same passage
    count, other words) take their place on disk. The reader must still get
    one whole index, the first."""
    from qa.index import store

    build_index(tiny_config, embedder_factory=fake_factory)
    other = dataclasses.replace(tiny_config, corpus_dir=tmp_path / "other", index_dir=tmp_path / "other-index")
    other.corpus_dir.mkdir()
    (other.corpus_dir / "interview.txt").write_text(TINY_INTERVIEW.replace("Kuwait", "Oman"), encoding="utf-8")
    build_index(other, embedder_factory=fake_factory)
    expected = set(read_manifest(tiny_config.index_dir).artifacts)
    seen: list[str] = []
    verified = store._verified_bytes

    def verify_then_swap(index_dir, name, digest):
        data = verified(index_dir, name, digest)
        seen.append(name)
        if set(seen) == expected:  # everything read and checked: now a build replaces it all
            for path in other.index_dir.iterdir():
                if path.is_file() and path.name != MANIFEST:
                    (index_dir / path.name).write_bytes(path.read_bytes())
        return data

    monkeypatch.setattr(store, "_verified_bytes", verify_then_swap)
    index = read_index(tiny_config.index_dir).index
    assert any("Kuwait" in p.text for p in index.passages) and not any("Oman" in p.text for p in index.passages)
    assert keyword.scores(index.passage_keywords, "Kuwait").max() > 0  # BM25 of the same build as the passages
    assert keyword.scores(index.passage_keywords, "Oman").max() == 0
