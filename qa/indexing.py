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
from qa.embedding import Embedder, ModelRef, load_embedder, resolve_model
from qa.errors import CorpusError, IndexCorrupt, IndexNotFound
from qa.store import SCHEMA_VERSION, StoredIndex, build_lock, load_index, read_manifest, write_index
from qa.types import Document, Passage

log = logging.getLogger("qa")

EmbedderFactory = Callable[[ModelRef], Embedder]


@dataclass(frozen=True)
class BuildReport:
    built: bool
    reason: str
    documents: int
    passages: int
    sentences: int
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
    embedder_factory: EmbedderFactory = load_embedder,
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
            counts = manifest["counts"]
            return BuildReport(
                False,
                "up to date",
                counts["documents"],
                counts["passages"],
                counts["sentences"],
                time.perf_counter() - started,
            )
        embedder = embedder_factory(ref)
        manifest = _build(config, documents, embedder, progress)
    counts = manifest["counts"]
    return BuildReport(
        True, reason, counts["documents"], counts["passages"], counts["sentences"], time.perf_counter() - started
    )


def open_index(config: Config, *, embedder_factory: EmbedderFactory = load_embedder) -> tuple[StoredIndex, Embedder]:
    """An index matching the corpus (rebuilt if needed) and the embedder of its model."""
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
    if index is not None and reason is None:
        if documents is None:
            log.warning("note: %s; answering from the existing index", corpus_error)
        return index, embedder_factory(ref)
    if documents is None:
        raise corpus_error
    log.warning("note: rebuilding the index in %s (%s)", config.index_dir, reason)
    embedder = embedder_factory(ref)
    with build_lock(config.index_dir):
        _build(config, documents, embedder, progress=False)
    return load_index(config.index_dir), embedder


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


def _build(config: Config, documents: list[Document], embedder: Embedder, progress: bool) -> dict[str, Any]:
    import faiss

    from qa import keyword
    from qa.calibration import calibrate
    from qa.search import Searcher

    max_tokens = chunking_params(config)["max_tokens"]
    if max_tokens > embedder.max_seq_length:
        raise ValueError(f"max_tokens {max_tokens} exceeds the model's limit of {embedder.max_seq_length}")
    passages = chunk_corpus(documents, embedder.count_tokens, max_tokens)
    sentences = [p.sentence_text(s) for p in passages for s in p.sentences]
    passage_vectors = embedder.encode([p.text for p in passages], progress=progress)
    sentence_vectors = embedder.encode(sentences, progress=progress)
    question_vectors = _question_vectors(passages, embedder)
    dense = faiss.IndexFlatIP(embedder.dimension)  # unit vectors: inner product = cosine
    dense.add(passage_vectors.reshape(-1, embedder.dimension))
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
    return write_index(config.index_dir, index)


def _question_vectors(passages: list[Passage], embedder: Embedder) -> np.ndarray:
    """Row i: the vector of passage i's interviewer question (zeros for the
    introduction, which answers none)."""
    sections = sorted({p.section for p in passages if p.section and p.section != INTRODUCTION})
    vectors = dict(zip(sections, embedder.encode(sections), strict=True))
    zeros = np.zeros(embedder.dimension, dtype=np.float32)
    return np.array([vectors.get(p.section, zeros) for p in passages], dtype=np.float32).reshape(-1, embedder.dimension)
