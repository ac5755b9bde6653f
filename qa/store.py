"""The index store: a directory of plain files, described by ``manifest.json``.

    manifest.json        schema version, model, chunking, calibration, corpus
                         and artifact hashes, counts, versions
    passages.jsonl       one passage per line; line i is row i of the FAISS index
    dense.faiss          FAISS inner-product index over unit vectors (= cosine)
    sentences.npy        unit vectors of every passage sentence, in passage order
    questions.npy        row i: unit vector of passage i's interviewer question
    keyword.passages.*   bm25s index over passages (document i = passage i)
    keyword.sentences.*  bm25s index over sentences (document j = sentence row j)

Writes are atomic: each artifact goes to a temporary file in the same
directory, is fsynced and ``os.replace``d; the manifest goes last. Loading
checks every artifact against the manifest's sha256 before using it, so a
partial or damaged index is detected, never half-used. No pickle anywhere.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import IndexCorrupt, IndexNotFound
from qa.files import atomic_write, sha256_bytes, sha256_file
from qa.types import Passage

SCHEMA_VERSION = 2
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
DENSE = "dense.faiss"
SENTENCES = "sentences.npy"
QUESTIONS = "questions.npy"
PASSAGE_KEYWORDS = "keyword.passages"
SENTENCE_KEYWORDS = "keyword.sentences"
REQUIRED = (PASSAGES, DENSE, SENTENCES, QUESTIONS)
# The query encoder exported beside the index (see qa.onnx_embedding), listed
# under the manifest's "encoder" record when the model could be exported.
ENCODER_FILES = ("encoder.json", "encoder.onnx", "tokenizer.json")
LOCK = ".lock"


@dataclass(frozen=True)
class StoredIndex:
    manifest: dict[str, Any]
    passages: list[Passage]
    dense: Any  # faiss.Index over unit vectors; row position is the passage id
    sentence_vectors: np.ndarray  # unit rows, passage by passage, sentence by sentence
    question_vectors: np.ndarray  # row i: the interviewer question of passage i (zeros if none)
    passage_keywords: Any  # bm25s.BM25, document i = passage i
    sentence_keywords: Any  # bm25s.BM25, document j = row j of sentence_vectors

    @property
    def model_id(self) -> str:
        return str(self.manifest["model"]["id"])


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexNotFound(f"no index in {index_dir}")
    try:
        manifest = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"unreadable manifest {path}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("schema_version") != SCHEMA_VERSION:
        raise IndexCorrupt(f"{path} is not a schema {SCHEMA_VERSION} manifest")
    return manifest


def load_index(index_dir: Path) -> StoredIndex:
    """Load and verify every artifact; raise IndexNotFound / IndexCorrupt."""
    import faiss

    from qa import keyword

    manifest = read_manifest(index_dir)
    try:
        listed = manifest["artifacts"]
        missing = [name for name in REQUIRED if name not in listed]
        if missing:
            raise IndexCorrupt(f"the manifest in {index_dir} lists no {', '.join(missing)}")
        artifacts = {name: _verified_bytes(index_dir, name, expected) for name, expected in listed.items()}
        index = StoredIndex(
            manifest=manifest,
            passages=[Passage.from_record(json.loads(line)) for line in artifacts[PASSAGES].decode().splitlines()],
            dense=faiss.deserialize_index(np.frombuffer(artifacts[DENSE], dtype=np.uint8)),
            sentence_vectors=np.load(io.BytesIO(artifacts[SENTENCES]), allow_pickle=False),
            question_vectors=np.load(io.BytesIO(artifacts[QUESTIONS]), allow_pickle=False),
            # bm25s reads its own files; they were just verified against the manifest.
            passage_keywords=keyword.load(index_dir, PASSAGE_KEYWORDS),
            sentence_keywords=keyword.load(index_dir, SENTENCE_KEYWORDS),
        )
        _check_consistent(index, index_dir)
        _check_encoder(index_dir, manifest.get("encoder"))
    except IndexCorrupt:
        raise
    except Exception as exc:  # any parse failure of a checksummed file means a foreign writer
        raise IndexCorrupt(f"unreadable index in {index_dir}: {exc}") from exc
    return index


def write_index(index_dir: Path, index: StoredIndex) -> dict[str, Any]:
    """Write all artifacts atomically, manifest last; return the manifest written."""
    import faiss

    from qa import keyword

    payloads = {
        PASSAGES: "".join(json.dumps(p.to_record(), ensure_ascii=False) + "\n" for p in index.passages).encode(),
        DENSE: faiss.serialize_index(index.dense).tobytes(),
        SENTENCES: _npy_bytes(index.sentence_vectors),
        QUESTIONS: _npy_bytes(index.question_vectors),
        **keyword.serialize(index.passage_keywords, PASSAGE_KEYWORDS),
        **keyword.serialize(index.sentence_keywords, SENTENCE_KEYWORDS),
    }
    index_dir.mkdir(parents=True, exist_ok=True)
    _sweep_temporary_files(index_dir)
    with contextlib.suppress(FileNotFoundError):
        # Invalidate first: a crash between data and manifest leaves no manifest
        # that could vouch for a mix of old and new files.
        (index_dir / MANIFEST).unlink()
    for name, data in payloads.items():
        atomic_write(index_dir / name, data)
    manifest = {**index.manifest, "artifacts": {name: sha256_bytes(data) for name, data in payloads.items()}}
    atomic_write(index_dir / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
    return manifest


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Serialise builds of one index directory across processes."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sweep_temporary_files(index_dir: Path) -> None:
    """Remove what builds killed mid-write left behind (callers hold the build lock)."""
    for leftover in index_dir.rglob(".*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _verified_bytes(index_dir: Path, name: str, expected: str) -> bytes:
    if Path(name).name != name:
        raise IndexCorrupt(f"the manifest in {index_dir} names a file outside it: {name!r}")
    try:
        data = (index_dir / name).read_bytes()
    except OSError as exc:
        raise IndexCorrupt(f"missing index file {index_dir / name}") from exc
    if sha256_bytes(data) != expected:
        raise IndexCorrupt(f"index file {index_dir / name} does not match its checksum")
    return data


def _check_consistent(index: StoredIndex, where: Path) -> None:
    dimension = index.manifest["model"]["dimension"]
    passages = len(index.passages)
    sentences = sum(len(p.sentences) for p in index.passages)
    problems = [
        (index.dense.ntotal != passages, f"{index.dense.ntotal} vectors for {passages} passages"),
        (index.dense.d != dimension, f"vector dimension {index.dense.d}, model dimension {dimension}"),
        (index.sentence_vectors.shape != (sentences, dimension), f"{index.sentence_vectors.shape} sentence vectors"),
        (index.question_vectors.shape != (passages, dimension), f"{index.question_vectors.shape} question vectors"),
        (index.passage_keywords.scores["num_docs"] != passages, "keyword index size differs from passages"),
        (index.sentence_keywords.scores["num_docs"] != sentences, "sentence keyword index size differs"),
        (any(p.id != i for i, p in enumerate(index.passages)), "passage ids out of order"),
    ]
    for failed, message in problems:
        if failed:
            raise IndexCorrupt(f"inconsistent index in {where}: {message}")


def _check_encoder(index_dir: Path, record: dict[str, Any] | None) -> None:
    """The exported encoder, if the manifest lists one, must match its checksums."""
    if not record:
        return
    for name in ENCODER_FILES:
        try:
            intact = sha256_file(index_dir / name) == record["files"][name]
        except OSError:
            intact = False
        if not intact:
            raise IndexCorrupt(f"encoder file {index_dir / name} is missing or does not match its checksum")


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
    return buffer.getvalue()
