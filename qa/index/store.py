"""The index store: a directory of plain files, described by ``manifest.json``.

    manifest.json        the index's identity (qa.spec.Manifest): model, chunking,
                         scoring, probes, calibration, corpus and artifact hashes,
                         counts, versions, and a sha256 of its own content
    passages.jsonl       one passage per line; line i is row i of the FAISS index
    dense.faiss          FAISS inner-product index over unit vectors (= cosine)
    sentences.npy        unit vectors of every passage sentence, in passage order
    questions.npy        row i: unit vector of passage i's interviewer question
    keyword.passages.*   bm25s index over passages (document i = passage i)
    keyword.sentences.*  bm25s index over sentences (document j = sentence row j)
    multilingual.npz     the multilingual view (qa.index.multilingual): passages and anchors, when built
    glance.npz           the interview at a glance (qa.index.glance): request kinds, summary
    encoder.*, tokenizer.json
                         the model exported to ONNX, when it could be exported

Writing: each file goes to a temporary file in the same directory, is
fsynced and ``os.replace``d; the old manifest is removed first and the new
one written last, so at every moment the directory holds either no manifest
or a manifest whose every checksum matches. Reading: every file is read
once, checked against the manifest's sha256, and parsed from those very
bytes, so a build replacing files meanwhile cannot mix two builds into one
index. No pickle anywhere.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import functools
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import IndexCorrupt, IndexNotFound, IndexWriteError
from qa.files import HeldFile, as_bytes, atomic_write, hold_file, sha256_bytes
from qa.index import glance as glance_view
from qa.index import keyword, multilingual
from qa.index.embedding import Embedder, EmbedderFactory, encoder_for
from qa.index.onnx_encoder import ENCODER_FILE
from qa.index.onnx_encoder import FILES as ENCODER_FILES
from qa.index.onnx_verifier import FILES as VERIFIER_FILES
from qa.index.onnx_verifier import OnnxVerifier
from qa.index.spec import IndexSpec, Manifest
from qa.types import Passage

MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
DENSE = "dense.faiss"
SENTENCES = "sentences.npy"
QUESTIONS = "questions.npy"
PASSAGE_KEYWORDS = "keyword.passages"
SENTENCE_KEYWORDS = "keyword.sentences"
REQUIRED = (PASSAGES, DENSE, SENTENCES, QUESTIONS)
LOCK = ".lock"


@dataclass(frozen=True)
class StoredIndex:
    manifest: Manifest
    passages: list[Passage]
    dense: Any  # faiss.Index over unit vectors; row position is the passage id
    sentence_vectors: np.ndarray  # unit rows, passage by passage, sentence by sentence
    question_vectors: np.ndarray  # row i: the interviewer question of passage i (zeros if none)
    passage_keywords: Any  # bm25s.BM25, document i = passage i
    sentence_keywords: Any  # bm25s.BM25, document j = row j of sentence_vectors
    multilingual: multilingual.MultilingualView | None = None  # questions in other languages
    glance: glance_view.Glance | None = None  # the document as a whole: request kinds, summary, introduction

    @property
    def spec(self) -> IndexSpec:
        return self.manifest.spec

    @property
    def model_id(self) -> str:
        return self.spec.model.id

    @functools.cached_property
    def interviewer(self) -> np.ndarray:
        """interviewer[i]: whether passage i is the interviewer's."""
        return np.array([p.speaker == "interviewer" for p in self.passages], dtype=bool)

    def sentence_terms(self, row: int) -> frozenset[str]:
        """The keyword terms of sentence row ``row``, analysed once."""
        cache = self._sentence_terms
        if row not in cache:
            owner = self.passages[int(self.sentence_owner[row])]
            span = owner.sentences[row - int(self.sentence_offsets[owner.id])]
            cache[row] = frozenset(keyword.analyse(owner.sentence_text(span)))
        return cache[row]

    @functools.cached_property
    def _sentence_terms(self) -> dict[int, frozenset[str]]:
        return {}

    @functools.cached_property
    def sentence_offsets(self) -> np.ndarray:
        """Passage i owns sentence rows [offsets[i], offsets[i + 1])."""
        counts = [len(p.sentences) for p in self.passages]
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    @functools.cached_property
    def sentence_owner(self) -> np.ndarray:
        """Row j of the sentence vectors belongs to passage sentence_owner[j]."""
        return np.repeat(np.arange(len(self.passages)), [len(p.sentences) for p in self.passages])


def read_manifest(index_dir: Path) -> Manifest:
    path = index_dir / MANIFEST
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IndexNotFound(f"no index in {index_dir}") from None
    except OSError as exc:
        raise IndexCorrupt(f"cannot read {path}: {exc.strerror}") from exc
    return Manifest.from_json(data, str(path))


# The verified files of an index's exported encoder (empty when it has none);
# the model itself is held open rather than copied into memory (see qa.files.HeldFile).
EncoderFiles = dict[str, bytes | HeldFile]


@dataclass(frozen=True)
class OpenedIndex:
    """A verified index and the verified files of its exported encoder: what
    every caller gets from :func:`qa.build.ensure.ensure_index`."""

    index: StoredIndex
    encoder_files: EncoderFiles
    verifier_files: dict[str, bytes] = dataclasses.field(default_factory=dict)

    def verifier(self) -> OnnxVerifier | None:
        """The trained verifier, when the index holds one."""
        return OnnxVerifier(self.verifier_files) if self.verifier_files else None

    def embedder(self, embedder_factory: EmbedderFactory | None = None) -> Embedder:
        """The encoder for questions: the ONNX export when there is one (see
        :func:`qa.index.embedding.encoder_for`)."""
        return encoder_for(self.index.model_id, self.encoder_files, embedder_factory)


def try_read_index(index_dir: Path) -> tuple[OpenedIndex | None, str]:
    """The verified index, or None and why there is none."""
    try:
        return read_index(index_dir), ""
    except (IndexNotFound, IndexCorrupt) as exc:
        return None, str(exc)


def read_index(index_dir: Path) -> OpenedIndex:
    """The verified index, and the verified bytes of its exported encoder
    (empty when it has none). Raises IndexNotFound / IndexCorrupt."""
    import faiss

    manifest = read_manifest(index_dir)
    if manifest.encoder not in (None, manifest.spec.model.id):
        raise IndexCorrupt(f"the manifest in {index_dir} lists an encoder of another model")
    missing = [name for name in REQUIRED if name not in manifest.artifacts]
    if manifest.encoder:
        missing += [name for name in ENCODER_FILES if name not in manifest.artifacts]
    if missing:
        raise IndexCorrupt(f"the manifest in {index_dir} lists no {', '.join(missing)}")
    files = {
        name: _verified_bytes(index_dir, name, digest)
        for name, digest in manifest.artifacts.items()
        if name != ENCODER_FILE
    }
    try:
        index = StoredIndex(
            manifest=manifest,
            passages=[Passage.from_record(json.loads(line)) for line in files[PASSAGES].decode().splitlines()],
            dense=faiss.deserialize_index(np.frombuffer(files[DENSE], dtype=np.uint8)),
            sentence_vectors=_npy(files[SENTENCES]),
            question_vectors=_npy(files[QUESTIONS]),
            passage_keywords=keyword.from_files(files, PASSAGE_KEYWORDS),
            sentence_keywords=keyword.from_files(files, SENTENCE_KEYWORDS),
            multilingual=multilingual.from_files(files),
            glance=glance_view.from_files(files),
        )
    except Exception as exc:  # any parse failure of a checksummed file means a foreign writer
        raise IndexCorrupt(f"unreadable index in {index_dir}: {exc}") from exc
    _check_consistent(index, index_dir)
    encoder: EncoderFiles = {}
    if manifest.encoder:
        encoder = {name: files[name] for name in ENCODER_FILES if name != ENCODER_FILE}
        encoder[ENCODER_FILE] = _verified_held(index_dir, ENCODER_FILE, manifest.artifacts[ENCODER_FILE])
    verifier = {name: files[name] for name in VERIFIER_FILES} if all(n in files for n in VERIFIER_FILES) else {}
    return OpenedIndex(index, encoder, verifier)


def index_files(
    passages: list[Passage],
    dense: Any,
    sentence_vectors: np.ndarray,
    question_vectors: np.ndarray,
    passage_keywords: Any,
    sentence_keywords: Any,
) -> dict[str, bytes]:
    """The artifacts of an index as ``{file name: bytes}``, ready for :func:`write_index`."""
    import faiss

    return {
        PASSAGES: "".join(json.dumps(p.to_record(), ensure_ascii=False) + "\n" for p in passages).encode(),
        DENSE: faiss.serialize_index(dense).tobytes(),
        SENTENCES: _npy_bytes(sentence_vectors),
        QUESTIONS: _npy_bytes(question_vectors),
        **keyword.serialize(passage_keywords, PASSAGE_KEYWORDS),
        **keyword.serialize(sentence_keywords, SENTENCE_KEYWORDS),
    }


def write_index(index_dir: Path, manifest: Manifest, files: dict[str, bytes | HeldFile]) -> Manifest:
    """Write ``files`` atomically, then the manifest listing them; return it.
    Callers hold :func:`build_lock`. A failed write (a full disk, say) is an
    IndexWriteError and leaves no manifest: the next run rebuilds."""
    with writing(index_dir):
        index_dir.mkdir(parents=True, exist_ok=True)
        for leftover in index_dir.rglob(".*.tmp"):  # what builds killed mid-write left behind (we hold the lock)
            with contextlib.suppress(OSError):
                leftover.unlink()
        with contextlib.suppress(FileNotFoundError):
            # Invalidate first: a crash between data and manifest leaves no manifest
            # that could vouch for a mix of old and new files.
            (index_dir / MANIFEST).unlink()
        digests = {}
        for name, data in files.items():
            content = as_bytes(data)
            atomic_write(index_dir / name, content)
            digests[name] = sha256_bytes(content)
        manifest = dataclasses.replace(manifest, artifacts=digests)
        atomic_write(index_dir / MANIFEST, manifest.to_json())
    return manifest


def write_manifest(index_dir: Path, manifest: Manifest) -> None:
    """Replace the manifest alone (a recalibration: the artifacts it lists are unchanged)."""
    with writing(index_dir):
        atomic_write(index_dir / MANIFEST, manifest.to_json())


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Serialise builds of one index directory across processes. Only a build
    takes it (a reader never does), and one that cannot write the directory
    fails here, before any work, with an IndexWriteError."""
    with writing(index_dir):
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / LOCK, "a+b")  # noqa: SIM115 - closed below, after the checks
    with handle:
        if not os.access(index_dir, os.W_OK | os.X_OK):  # a lock file anyone may write, in a directory we may not
            denied = PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(index_dir))
            raise write_failure(index_dir, denied)
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def writing(index_dir: Path) -> Iterator[None]:
    """Writes into ``index_dir``: an OSError becomes the one-line IndexWriteError."""
    try:
        yield
    except OSError as exc:
        raise write_failure(index_dir, exc) from exc


def write_failure(index_dir: Path, exc: OSError) -> IndexWriteError:
    """A write in ``index_dir`` that failed, in one line: what, where, what to do."""
    where = exc.filename or index_dir
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return IndexWriteError(
            f"cannot create the index directory {index_dir}: a file is in the way ({exc.strerror}: {where}); "
            "pass --index a directory"
        )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        advice = "free some space and build again, or pass --index a directory on another disk"
    elif exc.errno == errno.EROFS:
        advice = "build it where it can be written, or pass --index a directory on a writable disk"
    else:  # EACCES, EPERM, ...
        advice = "run `python -m qa build` as a user who can write it, or pass --index"
    return IndexWriteError(f"cannot write the index in {index_dir} ({exc.strerror}: {where}); {advice}")


def _verified_bytes(index_dir: Path, name: str, expected: str) -> bytes:
    if Path(name).name != name or name in ("", ".", ".."):
        raise IndexCorrupt(f"the manifest in {index_dir} names a file outside it: {name!r}")
    try:
        data = (index_dir / name).read_bytes()
    except OSError as exc:
        raise IndexCorrupt(f"missing index file {index_dir / name}") from exc
    if sha256_bytes(data) != expected:
        raise IndexCorrupt(f"index file {index_dir / name} does not match its checksum")
    return data


def _verified_held(index_dir: Path, name: str, expected: str) -> HeldFile:
    try:
        held = hold_file(index_dir / name)
    except OSError as exc:
        raise IndexCorrupt(f"missing index file {index_dir / name}") from exc
    if held.sha256 != expected:
        held.handle.close()
        raise IndexCorrupt(f"index file {index_dir / name} does not match its checksum")
    return held


def _check_consistent(index: StoredIndex, where: Path) -> None:
    spec, counts = index.spec, index.manifest.counts
    dimension = spec.model.dimension
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
        ((counts.passages, counts.sentences) != (passages, sentences), "the manifest's counts differ"),
        (passages > 0 and spec.calibration is None, "no calibration"),
        (bool(spec.multilingual) and not multilingual.fits(index.multilingual, passages), "no multilingual view"),
        (bool(spec.glance) and not glance_view.fits(index.glance, sentences, dimension), "no glance"),
    ]
    for failed, message in problems:
        if failed:
            raise IndexCorrupt(f"inconsistent index in {where}: {message}")


def _npy(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data), allow_pickle=False)


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
    return buffer.getvalue()
