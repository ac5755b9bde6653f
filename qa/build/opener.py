"""Opening an index for questions: the one entry point every caller uses
(through :meth:`qa.search.Searcher.open`).

Read and verify the index once; compare it with what the configuration
wants (:mod:`qa.build.freshness`); when it is missing, damaged or stale, hand over
to the build (imported only then, so answering a question never loads the
build or torch), or, when the index cannot be written, answer from the one
there is with a note; then pick the query encoder: the ONNX export stored with
the index, or sentence-transformers when there is none. Every rebuild or
fallback is one line on stderr through the ``qa`` logger.
"""

from __future__ import annotations

import logging

from qa.build.freshness import Staleness, staleness, wanted
from qa.config import Config
from qa.errors import CorpusError, IndexWriteError
from qa.index.documents import load_corpus
from qa.index.embedding import Embedder, EmbedderFactory, encoder_for
from qa.index.store import StoredIndex, try_read_index
from qa.types import Document

log = logging.getLogger("qa")


def open_index(config: Config, *, embedder_factory: EmbedderFactory | None = None) -> tuple[StoredIndex, Embedder]:
    """An index that fits the corpus and the configuration, and an embedder for its model."""
    documents, corpus_error = _corpus(config)
    opened, problem = try_read_index(config.index_dir)
    _, settings = wanted(config, opened[0].manifest if opened else None)
    if opened is None:
        stale: Staleness | None = Staleness(problem, rebuild=True)
    else:
        stale = staleness(opened[0].manifest, documents, settings)
    if documents is None:
        if opened is None:
            raise corpus_error
        log.warning("note: %s; answering from the existing index", corpus_error)
        if stale is not None and stale.rebuild:
            stale = None  # nothing to rebuild from; a recalibration needs no corpus
    if stale is not None:
        from qa.build.builder import refresh

        try:
            opened = refresh(config, documents, opened, embedder_factory)
        except IndexWriteError as exc:
            # A reader that may not write (the account serving the app, say)
            # answers from the index it has; with none, it says what to do.
            if opened is None:
                raise IndexWriteError(f"{problem}, and {exc}") from exc
            log.warning(
                "note: answering from the index in %s as it is: it is out of date (%s), and %s",
                config.index_dir,
                stale.reason,
                exc,
            )
    index, encoder_files = opened
    return index, encoder_for(index.model_id, encoder_files, embedder_factory)


def _corpus(config: Config) -> tuple[list[Document] | None, CorpusError | None]:
    try:
        return load_corpus(config.corpus_dir), None
    except CorpusError as exc:
        return None, exc
