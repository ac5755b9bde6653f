"""Building the index and opening it fresh: corpus -> passages -> vectors -> store.

``open_index`` is what every question-answering edge calls: it returns an
index that matches the corpus, model and chunking on disk, rebuilding it
(with a one-line note on stderr through the ``qa`` logger) when it is
missing, stale or damaged, so users never need to know the index exists.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import numpy as np

from qa import __version__
from qa.chunking import CHUNKING_VERSION, INTRODUCTION, chunk_corpus
from qa.config import DEFAULT_MAX_TOKENS, Config
from qa.documents import load_corpus
from qa.embedding import Embedder, ModelRef, SentenceTransformerEmbedder, load_embedder, resolve_model
from qa.embedding_cache import CachedEmbedder
from qa.errors import CorpusError, IndexCorrupt, IndexNotFound, ModelError
from qa.files import sha256_file
from qa.store import ENCODER_FILES, SCHEMA_VERSION, StoredIndex, build_lock, load_index, read_manifest, write_index
from qa.types import Document, Passage

log = logging.getLogger("qa")

CACHE_DIR = "cache"
# Above this many passages, dense search is approximate (HNSW).
APPROXIMATE_ABOVE = 20_000
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128

EmbedderFactory = Callable[[ModelRef], Embedder]


@dataclass(frozen=True)
class BuildReport:
    built: bool
    reason: str
    documents: int
    passages: int
    sentences: int
    embedded: int  # texts embedded by this build; the rest came from the cache
    seconds: float


def chunking_params(config: Config) -> dict[str, Any]:
    return {"version": CHUNKING_VERSION, "max_tokens": config.max_tokens or DEFAULT_MAX_TOKENS}


def resolve_settings(config: Config) -> Config:
    """Fill unset model and chunking from the existing index's manifest, so
    queries use the settings the index was built with."""
    try:
        manifest = read_manifest(config.index_dir)
        model, max_tokens = str(manifest["model"]["id"]), int(manifest["chunking"]["max_tokens"])
    except (IndexNotFound, IndexCorrupt, KeyError, TypeError, ValueError):
        return config
    return replace(config, model=config.model or model, max_tokens=config.max_tokens or max_tokens)


def stale_reason(manifest: dict[str, Any], documents: list[Document], model_id: str, config: Config) -> str | None:
    """Why an index with this manifest no longer matches, or None if it does."""
    corpus = {d.source: d.sha256 for d in documents}
    if manifest.get("corpus", {}).get("files") != corpus:
        return "the corpus changed"
    if manifest.get("model", {}).get("id") != model_id:
        return f"the model changed to {model_id}"
    if manifest.get("chunking") != chunking_params(config):
        return "the chunking parameters changed"
    return None


def build_index(
    config: Config,
    *,
    force: bool = False,
    progress: bool = False,
    embedder_factory: EmbedderFactory | None = None,
) -> BuildReport:
    """Build the index unless an up-to-date, intact one is already there."""
    started = time.perf_counter()
    documents = load_corpus(config.corpus_dir)
    config = resolve_settings(config)
    ref = resolve_model(config.model)
    with build_lock(config.index_dir):
        reason = "forced" if force else _rebuild_reason(config, documents, ref.id)
        if reason is None:
            manifest = read_manifest(config.index_dir)
            embedded = 0
        else:
            manifest, embedded = _build(config, documents, ref, embedder_factory, progress)
    counts = manifest["counts"]
    return BuildReport(
        reason is not None,
        reason or "up to date",
        counts["documents"],
        counts["passages"],
        counts["sentences"],
        embedded,
        time.perf_counter() - started,
    )


def open_index(config: Config, *, embedder_factory: EmbedderFactory | None = None) -> tuple[StoredIndex, Embedder]:
    """An index matching the corpus (rebuilt if needed) and an embedder for its
    model: the light ONNX encoder stored beside it when there is one."""
    try:
        documents: list[Document] | None = load_corpus(config.corpus_dir)
    except CorpusError as exc:
        documents = None
        corpus_error = exc
    config = resolve_settings(config)
    ref = resolve_model(config.model)
    try:
        index = load_index(config.index_dir)
        reason = stale_reason(index.manifest, documents, ref.id, config) if documents is not None else None
    except (IndexNotFound, IndexCorrupt) as exc:
        index, reason = None, str(exc)
    if index is None or reason is not None:
        if documents is None:
            raise corpus_error
        log.warning("note: rebuilding the index in %s (%s)", config.index_dir, reason)
        with build_lock(config.index_dir):
            # Another process may have rebuilt it while this one waited for the lock.
            if _rebuild_reason(config, documents, ref.id) is not None:
                _build(config, documents, ref, embedder_factory, progress=False)
        index = load_index(config.index_dir)
    elif documents is None:
        log.warning("note: %s; answering from the existing index", corpus_error)
    return index, _query_embedder(config, index.manifest, ref, embedder_factory)


def _query_embedder(
    config: Config, manifest: dict[str, Any], ref: ModelRef, embedder_factory: EmbedderFactory | None
) -> Embedder:
    if embedder_factory is not None:
        return embedder_factory(ref)
    embedder = _onnx_embedder(config, manifest, ref)
    if embedder is None:
        log.warning("note: no ONNX export of %s; encoding questions with sentence-transformers", ref.id)
        return load_embedder(ref)
    return embedder


def _onnx_embedder(config: Config, manifest: dict[str, Any], ref: ModelRef) -> Embedder | None:
    """The exported encoder of ``ref`` stored beside the index (verified by
    load_index against the manifest), or None."""
    from qa.onnx_embedding import OnnxEmbedder

    record = manifest.get("encoder")
    if not record or record.get("model_id") != ref.id:
        return None
    try:
        return OnnxEmbedder(config.index_dir, ref.id)
    except ModelError as exc:
        log.warning("note: %s", exc)
        return None


def _rebuild_reason(config: Config, documents: list[Document], model_id: str) -> str | None:
    try:
        index = load_index(config.index_dir)
    except IndexNotFound:
        return "no index yet"
    except IndexCorrupt as exc:
        return str(exc)
    return stale_reason(index.manifest, documents, model_id, config)


def _library_versions() -> dict[str, str]:
    versions = {}
    for package in ("faiss-cpu", "numpy", "sentence-transformers", "torch", "transformers"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _build(
    config: Config,
    documents: list[Document],
    ref: ModelRef,
    embedder_factory: EmbedderFactory | None,
    progress: bool,
) -> tuple[dict[str, Any], int]:
    """Build and write the index; return its manifest and how many texts had
    to be embedded (the rest came from the embedding cache)."""
    from qa import keyword
    from qa.calibration import calibrate
    from qa.search import Searcher

    previous = _previous_manifest(config)
    if embedder_factory is not None:
        base = embedder_factory(ref)
    else:
        # An existing ONNX export of this model embeds new passages without torch.
        base = _onnx_embedder(config, previous, ref) or load_embedder(ref)
    embedder = CachedEmbedder(base, config.index_dir / CACHE_DIR)
    max_tokens = chunking_params(config)["max_tokens"]
    if max_tokens > embedder.max_seq_length:
        raise ValueError(f"max_tokens {max_tokens} exceeds the model's limit of {embedder.max_seq_length}")
    passages = chunk_corpus(documents, embedder.count_tokens, max_tokens)
    sentences = [p.sentence_text(s) for p in passages for s in p.sentences]
    passage_vectors = embedder.encode([p.text for p in passages], progress=progress)
    sentence_vectors = embedder.encode(sentences, progress=progress)
    question_vectors = _question_vectors(passages, embedder)
    dense = dense_index(passage_vectors.reshape(-1, embedder.dimension))
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": {
            "id": embedder.model_id,
            "dimension": embedder.dimension,
            "max_seq_length": embedder.max_seq_length,
            "normalized": True,
        },
        "chunking": chunking_params(config),
        "corpus": {"files": {d.source: d.sha256 for d in documents}},
        "counts": {"documents": len(documents), "passages": len(passages), "sentences": len(sentences)},
        "versions": {"qa": __version__, "python": platform.python_version(), **_library_versions()},
    }
    index = StoredIndex(
        manifest=manifest,
        passages=passages,
        dense=dense,
        sentence_vectors=sentence_vectors.reshape(-1, embedder.dimension),
        question_vectors=question_vectors,
        passage_keywords=keyword.build([p.text for p in passages]),
        sentence_keywords=keyword.build(sentences),
    )
    if passages:
        manifest["calibration"] = calibrate(Searcher(index, embedder))
    manifest["encoder"] = _encoder_record(config, previous, base, ref)
    embedder.save()
    return write_index(config.index_dir, index), embedder.embedded


def dense_index(vectors: np.ndarray) -> Any:
    """Exact inner-product search up to APPROXIMATE_ABOVE passages, HNSW
    beyond (see benchmarks/ for recall and speed). Unit vectors: inner
    product = cosine."""
    import faiss

    if len(vectors) <= APPROXIMATE_ABOVE:
        index = faiss.IndexFlatIP(vectors.shape[1])
    else:
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    return index


def _previous_manifest(config: Config) -> dict[str, Any]:
    try:
        load_index(config.index_dir)  # verifies the encoder files too
        return read_manifest(config.index_dir)
    except (IndexNotFound, IndexCorrupt):
        return {}


def _encoder_record(config: Config, previous: dict[str, Any], embedder: Embedder, ref: ModelRef) -> dict | None:
    """The ONNX export of the model beside the index: kept when it is already
    there, made when the index was built with sentence-transformers."""
    from qa.onnx_embedding import OnnxEmbedder, export_onnx

    if isinstance(embedder, OnnxEmbedder):
        return previous["encoder"]
    if not isinstance(embedder, SentenceTransformerEmbedder):
        return None  # a stand-in embedder (tests): nothing to export
    try:
        export_onnx(embedder.model, config.index_dir, ref.id)
    except ModelError as exc:
        log.warning("note: %s; questions will be encoded with sentence-transformers", exc)
        return None
    return {"model_id": ref.id, "files": {name: sha256_file(config.index_dir / name) for name in ENCODER_FILES}}


def _question_vectors(passages: list[Passage], embedder: Embedder) -> np.ndarray:
    """Row i: the vector of passage i's interviewer question (zeros for the
    introduction, which answers none)."""
    sections = sorted({p.section for p in passages if p.section and p.section != INTRODUCTION})
    vectors = dict(zip(sections, embedder.encode(sections), strict=True))
    zeros = np.zeros(embedder.dimension, dtype=np.float32)
    return np.array([vectors.get(p.section, zeros) for p in passages], dtype=np.float32).reshape(-1, embedder.dimension)
