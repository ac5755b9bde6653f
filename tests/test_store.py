import json
import logging
from pathlib import Path

import pytest

from qa.errors import IndexCorrupt, IndexNotFound
from qa.indexing import build_index, open_index
from qa.store import DENSE, MANIFEST, PASSAGES, QUESTIONS, SENTENCES, load_index


def test_manifest_records_what_the_index_was_built_from(tiny_config, fake_factory):
    build_index(tiny_config, embedder_factory=fake_factory)
    manifest = json.loads((tiny_config.index_dir / MANIFEST).read_text())
    assert manifest["schema_version"] == 2
    assert manifest["model"] == {"id": "fake-bag-of-words", "dimension": 64, "max_seq_length": 256, "normalized": True}
    assert manifest["chunking"]["max_tokens"] == 128
    assert set(manifest["corpus"]["files"]) == {"interview.txt"}
    assert {PASSAGES, DENSE, SENTENCES, QUESTIONS} <= set(manifest["artifacts"])
    keyword_files = {name for name in manifest["artifacts"] if name.startswith("keyword.")}
    assert {"keyword.passages.vocab.json", "keyword.sentences.vocab.json"} <= keyword_files
    assert set(manifest["artifacts"]) <= {p.name for p in tiny_config.index_dir.iterdir()}
    assert manifest["calibration"]["scale"] > 0 and "threshold" in manifest["calibration"]
    assert manifest["counts"] == {"documents": 1, "passages": 4, "sentences": 6}
    assert {"qa", "python", "faiss-cpu", "numpy"} <= set(manifest["versions"])
    assert manifest["created_at"].endswith("+00:00")
    # Passages are JSON Lines, line i = row i of the FAISS index.
    lines = (tiny_config.index_dir / PASSAGES).read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [0, 1, 2, 3]
    assert not list(tiny_config.index_dir.glob("*.tmp")), "temporary files left behind"


def test_round_trip(tiny_config, fake_factory):
    build_index(tiny_config, embedder_factory=fake_factory)
    index = load_index(tiny_config.index_dir)
    assert index.dense.ntotal == len(index.passages) == 4
    assert index.sentence_vectors.shape == (6, 64)


def test_missing_index(tmp_path: Path):
    with pytest.raises(IndexNotFound):
        load_index(tmp_path)


@pytest.mark.parametrize("name", [PASSAGES, DENSE, SENTENCES, QUESTIONS, "keyword.passages.data.npy"])
def test_flipped_byte_in_any_artifact_is_caught_by_its_checksum(tiny_config, fake_factory, name):
    build_index(tiny_config, embedder_factory=fake_factory)
    path = tiny_config.index_dir / name
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF  # inside the vectors / last record: loads "fine" without a checksum
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="checksum"):
        load_index(tiny_config.index_dir)


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: (d / MANIFEST).write_text("{not json"),
        lambda d: (d / MANIFEST).write_text('{"schema_version": 99}'),
        lambda d: (d / DENSE).unlink(),
    ],
)
def test_damaged_index_is_rebuilt_with_a_note(tiny_config, fake_factory, caplog, damage):
    build_index(tiny_config, embedder_factory=fake_factory)
    damage(tiny_config.index_dir)
    with caplog.at_level(logging.WARNING, logger="qa"):
        index, _ = open_index(tiny_config, embedder_factory=fake_factory)
    assert len(index.passages) == 4
    assert "rebuilding the index" in caplog.text
    load_index(tiny_config.index_dir)  # intact again on disk
