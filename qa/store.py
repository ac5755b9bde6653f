"""The index store: a directory of plain files, described by ``manifest.json``.

    manifest.json    schema version, model, chunking, corpus and artifact hashes
    passages.jsonl   one passage per line; line i is row i of the FAISS index
    dense.faiss      FAISS IndexFlatIP over unit vectors (inner product = cosine)
    sentences.npy    unit vectors of every passage sentence, in passage order

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
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.documents import sha256_bytes
from qa.errors import IndexCorrupt, IndexNotFound
from qa.types import Passage

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
DENSE = "dense.faiss"
SENTENCES = "sentences.npy"
LOCK = ".lock"


@dataclass(frozen=True)
class StoredIndex:
    manifest: dict[str, Any]
    passages: list[Passage]
    dense: Any  # faiss.Index; row position is the passage id
    sentence_vectors: np.ndarray  # rows follow passages' sentences in order

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

    manifest = read_manifest(index_dir)
    try:
        artifacts = {name: _verified_bytes(index_dir, name, manifest) for name in (PASSAGES, DENSE, SENTENCES)}
        passages = [Passage.from_record(json.loads(line)) for line in artifacts[PASSAGES].decode("utf-8").splitlines()]
        dense = faiss.deserialize_index(np.frombuffer(artifacts[DENSE], dtype=np.uint8))
        sentence_vectors = np.load(io.BytesIO(artifacts[SENTENCES]), allow_pickle=False)
        _check_consistent(manifest, passages, dense, sentence_vectors, index_dir)
    except IndexCorrupt:
        raise
    except Exception as exc:  # any parse failure of a checksummed file means a foreign writer
        raise IndexCorrupt(f"unreadable index in {index_dir}: {exc}") from exc
    return StoredIndex(manifest, passages, dense, sentence_vectors)


def write_index(
    index_dir: Path,
    manifest: dict[str, Any],
    passages: list[Passage],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
) -> dict[str, Any]:
    """Write all artifacts atomically, manifest last; return the manifest written."""
    import faiss

    dense = faiss.IndexFlatIP(passage_vectors.shape[1])
    dense.add(passage_vectors)
    buffer = io.BytesIO()
    np.save(buffer, sentence_vectors, allow_pickle=False)
    payloads = {
        PASSAGES: "".join(json.dumps(p.to_record(), ensure_ascii=False) + "\n" for p in passages).encode("utf-8"),
        DENSE: faiss.serialize_index(dense).tobytes(),
        SENTENCES: buffer.getvalue(),
    }
    index_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        # Invalidate first: a crash between data and manifest leaves no manifest
        # that could vouch for a mix of old and new files.
        (index_dir / MANIFEST).unlink()
    for name, data in payloads.items():
        _atomic_write(index_dir / name, data)
    manifest = {**manifest, "artifacts": {name: sha256_bytes(data) for name, data in payloads.items()}}
    _atomic_write(index_dir / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
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


def _verified_bytes(index_dir: Path, name: str, manifest: dict[str, Any]) -> bytes:
    expected = manifest.get("artifacts", {}).get(name)
    try:
        data = (index_dir / name).read_bytes()
    except OSError as exc:
        raise IndexCorrupt(f"missing index file {index_dir / name}") from exc
    if sha256_bytes(data) != expected:
        raise IndexCorrupt(f"index file {index_dir / name} does not match its checksum")
    return data


def _check_consistent(
    manifest: dict[str, Any], passages: list[Passage], dense: Any, sentences: np.ndarray, where: Path
) -> None:
    dimension = manifest["model"]["dimension"]
    sentence_count = sum(len(p.sentences) for p in passages)
    problems = [
        (dense.ntotal != len(passages), f"{dense.ntotal} vectors for {len(passages)} passages"),
        (dense.d != dimension, f"vector dimension {dense.d}, model dimension {dimension}"),
        (
            sentences.shape != (sentence_count, dimension),
            f"sentence vectors {sentences.shape} for {sentence_count} sentences",
        ),
        (any(p.id != i for i, p in enumerate(passages)), "passage ids out of order"),
    ]
    for failed, message in problems:
        if failed:
            raise IndexCorrupt(f"inconsistent index in {where}: {message}")


def _atomic_write(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
