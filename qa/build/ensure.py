"""The one way to open an index: :func:`ensure_index`, for every caller (the
command line, the web app, evaluation, benchmarks).

Read and verify the index once; decide once whether it fits the corpus and
the configuration (:mod:`qa.build.freshness`); when it does, that is all (no
lock, so a read-only index directory is fine). When it is missing, damaged or
stale, take the build lock, look again (another process may have brought it
up to date meanwhile: decide again only if its manifest changed), and do the
least work that makes it fit (:mod:`qa.build.builder`, imported only then, so
answering a question never loads the build or torch). A reader that may not
write the index (the account serving the app, say) answers from the index
there is, with a note. Every rebuild or fallback is one line on stderr
through the ``qa`` logger.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from qa.build.freshness import Staleness, staleness, wanted
from qa.config import Config
from qa.errors import CorpusError, IndexWriteError
from qa.index.documents import load_corpus
from qa.index.embedding import EmbedderFactory, ModelRef
from qa.index.spec import Settings
from qa.index.store import OpenedIndex, build_lock, read_manifest, try_read_index
from qa.types import Document

log = logging.getLogger("qa")
FORCED = Staleness("forced", rebuild=True)


@dataclass(frozen=True)
class BuildReport:
    """What :func:`build_index` did, for the command line's one line."""

    action: str  # "built", "recalibrated" or "up to date"
    reason: str
    documents: int
    passages: int
    sentences: int
    embedded: int  # texts embedded by this build; the rest came from the cache
    seconds: float

    @property
    def built(self) -> bool:
        return self.action != "up to date"


@dataclass(frozen=True)
class _Decision:
    """What an index on disk should become: the model and settings wanted,
    and why it does not fit them (None when it does)."""

    ref: ModelRef
    settings: Settings
    stale: Staleness | None


def ensure_index(config: Config, *, embedder_factory: EmbedderFactory | None = None) -> OpenedIndex:
    """An index that fits the corpus and the configuration, built or
    recalibrated first when it is missing, damaged or stale (with a note)."""
    return _ensure(config, force=False, strict=False, progress=False, embedder_factory=embedder_factory)[0]


def build_index(
    config: Config, *, force: bool = False, progress: bool = False, embedder_factory: EmbedderFactory | None = None
) -> BuildReport:
    """``python -m qa build``: bring the index up to date (or rebuild it,
    ``force``) and say what was done. Unlike :func:`ensure_index`, a corpus
    that cannot be read or an index that cannot be written is an error."""
    return _ensure(config, force=force, strict=True, progress=progress, embedder_factory=embedder_factory)[1]


def _ensure(
    config: Config, *, force: bool, strict: bool, progress: bool, embedder_factory: EmbedderFactory | None
) -> tuple[OpenedIndex, BuildReport]:
    started = time.perf_counter()
    documents, corpus_error = _corpus(config, strict)
    opened, problem = try_read_index(config.index_dir)
    decision = _decide(config, opened, problem, documents, force)
    if documents is None:
        if opened is None:
            raise corpus_error  # type: ignore[misc] - set whenever documents is None
        log.warning("note: %s; answering from the existing index", corpus_error)
        if decision.stale is not None and decision.stale.rebuild:
            decision = _Decision(decision.ref, decision.settings, None)  # nothing to rebuild from
    if decision.stale is None and opened is not None:
        return opened, _report(opened, None, 0, started)
    try:
        with build_lock(config.index_dir):
            opened, decision = _look_again(config, opened, decision, documents, force)
            if decision.stale is None and opened is not None:
                return opened, _report(opened, None, 0, started)
            if not strict:
                what = "rebuilding" if decision.stale.rebuild else "recalibrating"
                log.warning("note: %s the index in %s (%s)", what, config.index_dir, decision.stale.reason)
            result, embedded = _act(config, documents, opened, decision, embedder_factory, progress)
    except IndexWriteError as exc:
        if strict:
            raise
        if opened is None:
            raise IndexWriteError(f"{problem}, and {exc}") from exc
        log.warning(
            "note: answering from the index in %s as it is: it is out of date (%s), and %s",
            config.index_dir,
            decision.stale.reason if decision.stale else "unknown",
            exc,
        )
        return opened, _report(opened, None, 0, started)
    return result, _report(result, decision.stale, embedded, started)


def _corpus(config: Config, strict: bool) -> tuple[list[Document] | None, CorpusError | None]:
    try:
        return load_corpus(config.corpus_dir), None
    except CorpusError as exc:
        if strict:
            raise
        return None, exc


def _decide(
    config: Config, opened: OpenedIndex | None, problem: str, documents: list[Document] | None, force: bool
) -> _Decision:
    built = opened.index.manifest if opened else None
    ref, settings = wanted(config, built)
    if force:
        return _Decision(ref, settings, FORCED)
    if built is None:
        return _Decision(ref, settings, Staleness(problem or "no index yet", rebuild=True))
    return _Decision(ref, settings, staleness(built, documents, settings))


def _look_again(
    config: Config,
    opened: OpenedIndex | None,
    decision: _Decision,
    documents: list[Document] | None,
    force: bool,
) -> tuple[OpenedIndex | None, _Decision]:
    """Under the lock: the index as it is now, and the decision for it. When
    its manifest is unchanged, the first reading and decision stand (no
    second verification); otherwise read and decide again."""
    if opened is not None:
        try:
            if read_manifest(config.index_dir) == opened.index.manifest:
                return opened, decision
        except Exception:  # noqa: BLE001 - whatever it is, the fresh read below names it
            pass
    now, problem = try_read_index(config.index_dir)
    return now, _decide(config, now, problem, documents, force)


def _act(
    config: Config,
    documents: list[Document] | None,
    opened: OpenedIndex | None,
    decision: _Decision,
    embedder_factory: EmbedderFactory | None,
    progress: bool,
) -> tuple[OpenedIndex, int]:
    """(the index, texts embedded) after doing what the decision calls for."""
    from qa.build import builder

    if opened is not None and decision.stale is not None and not decision.stale.rebuild:
        return builder.recalibrate(config.index_dir, opened, decision.settings, embedder_factory), 0
    if documents is None:
        documents = load_corpus(config.corpus_dir)  # unreadable before; raises the CorpusError if still so
    ref, settings = decision.ref, decision.settings
    index_dir, corpus_dir = config.index_dir, config.corpus_dir
    return builder.build(index_dir, corpus_dir, documents, ref, settings, opened, embedder_factory, progress)


def _report(opened: OpenedIndex, stale: Staleness | None, embedded: int, started: float) -> BuildReport:
    counts = opened.index.manifest.counts
    action = "up to date" if stale is None else "built" if stale.rebuild else "recalibrated"
    reason = "up to date" if stale is None else stale.reason
    seconds = time.perf_counter() - started
    return BuildReport(action, reason, counts.documents, counts.passages, counts.sentences, embedded, seconds)
