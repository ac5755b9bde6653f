"""Building the index: corpus -> passages -> vectors -> keyword indexes ->
the interview at a glance -> calibration -> ONNX export -> published by the store; or, when only the
scoring or the probes changed, a new calibration over the same files.

What to do, and when, is decided by :mod:`qa.build.ensure` (under the build
lock); this module does it, re-embedding only the texts the embedding cache
does not hold. It is imported only when there is work to do: it brings torch
(through sentence-transformers) and never the query layer
(:mod:`qa.answer.search`).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from qa import __version__
from qa.build.calibration import calibrate
from qa.build.glance import build_glance, kind_examples
from qa.build.probes import off_topic_anchors, topical_anchors
from qa.errors import CorpusError, InvalidArgument, ModelError
from qa.index import glance as glance_view
from qa.index import keyword, multilingual
from qa.index.chunking import INTRODUCTION, chunk_corpus
from qa.index.embedding import (
    Embedder,
    EmbedderFactory,
    ModelRef,
    SentenceTransformerEmbedder,
    load_embedder,
)
from qa.index.embedding_cache import CachedEmbedder
from qa.index.spec import Counts, IndexSpec, Manifest, ModelSpec, Settings
from qa.index.store import (
    EncoderFiles,
    OpenedIndex,
    StoredIndex,
    index_files,
    write_index,
    write_manifest,
    writing,
)
from qa.types import Document, Passage

log = logging.getLogger("qa")

CACHE_DIR = "cache"
# Above this many passages, dense search is approximate (HNSW).
APPROXIMATE_ABOVE = 20_000
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


def build(
    index_dir: Path,
    corpus_dir: Path,
    documents: list[Document],
    ref: ModelRef,
    settings: Settings,
    previous: OpenedIndex | None,
    embedder_factory: EmbedderFactory | None,
    progress: bool,
) -> tuple[OpenedIndex, int]:
    """Build the index of ``documents`` (read from ``corpus_dir``) and publish
    it in ``index_dir``; return it and how many texts had to be embedded (the
    rest came from the embedding cache). Callers hold the build lock."""
    reused = _reusable_encoder(previous, ref)
    base = _build_embedder(ref, reused, embedder_factory)
    embedder = CachedEmbedder(base, index_dir / CACHE_DIR)
    max_tokens = settings.chunking.max_tokens
    if max_tokens > embedder.max_seq_length:
        raise InvalidArgument(f"max_tokens {max_tokens} exceeds the model's limit of {embedder.max_seq_length}")
    passages = _chunk(documents, embedder, max_tokens, progress)
    if not passages:  # nothing to search; the keyword and calibration steps would fail on it in their own words
        raise CorpusError(
            f"the corpus in {corpus_dir} yields no passages: its documents are empty or hold only interviewer questions"
        )
    sentences = [p.sentence_text(s) for p in passages for s in p.sentences]
    passage_vectors = embedder.encode([p.text for p in passages], progress=progress).reshape(-1, embedder.dimension)
    sentence_vectors = embedder.encode(sentences, progress=progress).reshape(-1, embedder.dimension)
    spec = IndexSpec(
        ModelSpec(embedder.model_id, embedder.dimension, embedder.max_seq_length),
        settings.chunking,
        settings.scoring,
        settings.probes,
        calibration=None,
        verifier=settings.verifier,
        multilingual=settings.multilingual,
        glance=settings.glance,
    )
    manifest = Manifest(
        spec=spec,
        corpus={d.source: d.sha256 for d in documents},
        artifacts={},
        counts=Counts(len(documents), len(passages), len(sentences)),
        created_at=_now(),
        versions=_library_versions(),
    )
    index = StoredIndex(
        manifest=manifest,
        passages=passages,
        dense=dense_index(passage_vectors),
        sentence_vectors=sentence_vectors,
        question_vectors=_question_vectors(passages, embedder),
        passage_keywords=keyword.build([p.text for p in passages]),
        sentence_keywords=keyword.build(sentences),
        multilingual=_multilingual_view(passages, settings, progress),
    )
    embedded = 0  # besides the cached embedder's: the requests the kind classifier is fitted on, when it is
    if settings.glance:
        reusable = _reusable_glance(previous, ref, settings)
        index = dataclasses.replace(index, glance=build_glance(passages, sentences, sentence_vectors, base, reusable))
        embedded = 0 if reusable is not None else len(kind_examples()[0])
    calibration, summary = calibrate(index, embedder, settings.scoring) if passages else (None, {})
    encoder_files = reused if reused is not None else _export(base, ref)
    verifier_files = _verifier_files(settings, previous, embedder_factory)
    manifest = dataclasses.replace(
        manifest,
        spec=dataclasses.replace(spec, calibration=calibration),
        encoder=ref.id if encoder_files else None,
        calibration_probes=summary,
    )
    with writing(index_dir):
        embedder.save()  # the embedding cache lives in the index directory
    files = index_files(
        passages, index.dense, sentence_vectors, index.question_vectors, index.passage_keywords, index.sentence_keywords
    )
    if index.multilingual is not None:
        files[multilingual.FILE] = index.multilingual.to_bytes()
    if index.glance is not None:
        files[glance_view.FILE] = index.glance.to_bytes()
    written = write_index(index_dir, manifest, {**files, **encoder_files, **verifier_files})
    opened = OpenedIndex(dataclasses.replace(index, manifest=written), encoder_files, verifier_files)
    return opened, embedder.embedded + embedded


def _verifier_files(
    settings: Settings, previous: OpenedIndex | None, embedder_factory: EmbedderFactory | None
) -> dict[str, bytes]:
    """The trained verifier exported to ONNX (the previous index's, when it is
    the same verifier), or nothing: none ships, a stand-in embedder is
    building (tests), or it cannot be exported (with a note)."""
    if settings.verifier is None or embedder_factory is not None:
        return {}
    if previous is not None and previous.verifier_files and previous.index.spec.verifier == settings.verifier:
        return previous.verifier_files
    from qa.build.verifier_export import export_verifier

    try:
        return export_verifier()
    except ModelError as exc:
        log.warning("note: %s; answers are decided without the verifier", exc)
        return {}


def _multilingual_view(
    passages: list[Passage], settings: Settings, progress: bool
) -> multilingual.MultilingualView | None:
    """The passages and the anchor questions in the multilingual view, when the
    settings want it (see :mod:`qa.index.multilingual`): ~0.15 s a passage on one thread."""
    if not settings.multilingual:
        return None
    if progress:
        log.info("embedding %d passages in the multilingual view", len(passages))
    topical, offtopic = _anchor_vectors()
    vectors = _multilingual_encoder().passages([p.text for p in passages])
    return multilingual.MultilingualView(vectors, topical, offtopic)


@functools.cache
def _multilingual_encoder() -> multilingual.MultilingualEncoder:
    return multilingual.MultilingualEncoder()


@functools.cache
def _anchor_vectors() -> tuple[np.ndarray, np.ndarray]:
    """The anchor questions in the multilingual view: the same for every corpus,
    so embedded once a process (a few seconds), not once a build."""
    encoder = _multilingual_encoder()
    return encoder.questions(topical_anchors()), encoder.questions(off_topic_anchors())


def _chunk(documents: list[Document], embedder: Embedder, max_tokens: int, progress: bool) -> list[Passage]:
    """The corpus's passages, with a progress bar in characters when asked
    (a large corpus, or one long line, takes seconds to chunk)."""
    if not progress:
        return chunk_corpus(documents, embedder.count_tokens, max_tokens)
    from tqdm import tqdm

    total = sum(len(d.text) for d in documents)
    with tqdm(total=total, unit="char", unit_scale=True, desc="chunking", leave=False) as bar:
        return chunk_corpus(documents, embedder.count_tokens, max_tokens, progress=lambda n: bar.update(n - bar.n))


def recalibrate(
    index_dir: Path, opened: OpenedIndex, settings: Settings, embedder_factory: EmbedderFactory | None
) -> OpenedIndex:
    """New scoring or probes over the same artifacts: calibrate again and
    replace the manifest alone."""
    index = opened.index
    embedder = opened.embedder(embedder_factory)
    calibration, summary = calibrate(index, embedder, settings.scoring) if index.passages else (None, {})
    spec = dataclasses.replace(index.spec, scoring=settings.scoring, probes=settings.probes, calibration=calibration)
    manifest = dataclasses.replace(index.manifest, spec=spec, calibration_probes=summary, created_at=_now())
    write_manifest(index_dir, manifest)
    return OpenedIndex(dataclasses.replace(index, manifest=manifest), opened.encoder_files)


def _reusable_glance(previous: OpenedIndex | None, ref: ModelRef, settings: Settings) -> glance_view.Glance | None:
    """The previous index's glance, when its kind classifier is the one wanted
    (same model, same glance identity): refitting it embeds ~1,800 requests."""
    if previous is None or previous.index.glance is None:
        return None
    same = previous.index.model_id == ref.id and previous.index.spec.glance == settings.glance
    return previous.index.glance if same else None


def _reusable_encoder(previous: OpenedIndex | None, ref: ModelRef) -> EncoderFiles | None:
    """The previous index's verified ONNX export, when it is one of ``ref``."""
    if previous is None or not previous.encoder_files or previous.index.manifest.encoder != ref.id:
        return None
    return previous.encoder_files


def _build_embedder(ref: ModelRef, reused: EncoderFiles | None, embedder_factory: EmbedderFactory | None) -> Embedder:
    if embedder_factory is not None:
        return embedder_factory(ref)
    if reused is not None:
        # An existing ONNX export of this model embeds new passages without torch.
        from qa.index.onnx_encoder import OnnxEmbedder

        try:
            return OnnxEmbedder(reused, ref.id)
        except ModelError as exc:
            log.warning("note: %s", exc)
    return load_embedder(ref)


def _export(embedder: Embedder, ref: ModelRef) -> EncoderFiles:
    """The ONNX export of the model the index was built with, or nothing
    (with a note) when it cannot be exported."""
    if not isinstance(embedder, SentenceTransformerEmbedder):
        return {}  # a stand-in embedder (tests), or the ONNX encoder itself: nothing to export
    from qa.index.onnx_export import export_onnx

    try:
        return export_onnx(embedder.model, ref.id)
    except ModelError as exc:
        log.warning("note: %s; questions will be encoded with sentence-transformers", exc)
        return {}


def dense_index(vectors: np.ndarray):  # -> faiss.Index
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


def _question_vectors(passages: list[Passage], embedder: Embedder) -> np.ndarray:
    """Row i: the vector of passage i's interviewer question (zeros for the
    introduction, which answers none)."""
    sections = sorted({p.section for p in passages if p.section and p.section != INTRODUCTION})
    vectors = dict(zip(sections, embedder.encode(sections), strict=True))
    zeros = np.zeros(embedder.dimension, dtype=np.float32)
    return np.array([vectors.get(p.section, zeros) for p in passages], dtype=np.float32).reshape(-1, embedder.dimension)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _library_versions() -> dict[str, str]:
    versions = {"qa": __version__, "python": platform.python_version()}
    for package in ("faiss-cpu", "numpy", "bm25s", "sentence-transformers", "torch", "transformers", "onnxruntime",
                    "scikit-learn", "scipy"):  # fmt: skip
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions
