"""Question answering over the CICA interview: passages, embeddings, FAISS.

The public face, for programs::

    from qa import Config, open_searcher
    searcher = open_searcher(Config())  # builds the index first when it is missing or stale
    answer = searcher.ask("When did Kuwait join CICA?")
    print(answer.outcome, answer.sentence.text if answer.sentence else None)

``Searcher``, ``Answer``, ``Config``, ``ensure_index`` and ``QAError`` are
here too. They are loaded on first use, so that ``import qa`` (which every
module of the package runs) stays free of numpy, FAISS and the build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Answer", "Config", "QAError", "Searcher", "ensure_index", "open_searcher"]

if TYPE_CHECKING:
    from qa.answer.search import Searcher
    from qa.config import Config
    from qa.index.embedding import EmbedderFactory

_LAZY = {
    "Answer": "qa.types",
    "Config": "qa.config",
    "QAError": "qa.errors",
    "Searcher": "qa.answer.search",
    "ensure_index": "qa.build.ensure",
}


def open_searcher(config: Config, *, embedder_factory: EmbedderFactory | None = None) -> Searcher:
    """A searcher over the index of ``config``: the index ensured (built or
    recalibrated first when it is missing, stale or damaged, with a one-line
    note), its question encoder loaded, the two composed."""
    from qa.answer.search import Searcher
    from qa.build.ensure import ensure_index

    opened = ensure_index(config, embedder_factory=embedder_factory)
    return Searcher(opened.index, opened.embedder(embedder_factory), opened.verifier())


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
