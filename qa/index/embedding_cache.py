"""An embedding cache, so that a rebuild re-embeds only the texts that changed.

Vectors are kept per model, keyed by the sha256 of the exact text, in two
files under ``index/cache/``: ``<model>.keys.json`` (the keys and the sha256
of the vector file) and ``<model>.vectors.npy``. A cache that does not match
its checksum is ignored, never trusted; it only ever saves work.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.files import atomic_write, sha256_bytes
from qa.index.embedding import Embedder


class CachedEmbedder:
    """Wraps an embedder: ``encode`` serves known texts from the cache and
    embeds the rest. ``save`` keeps the texts used since it was opened."""

    def __init__(self, embedder: Embedder, directory: Path) -> None:
        self.embedder = embedder
        self.model_id = embedder.model_id
        self.dimension = embedder.dimension
        self.max_seq_length = embedder.max_seq_length
        name = sha256_bytes(embedder.model_id.encode())[:16]
        self._keys_path = directory / f"{name}.keys.json"
        self._vectors_path = directory / f"{name}.vectors.npy"
        self._vectors = self._load()
        self._used: set[str] = set()
        self.embedded = 0  # texts this run had to embed

    def count_tokens(self, text: str) -> int:
        return self.embedder.count_tokens(text)

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        keys = [sha256_bytes(t.encode("utf-8", "surrogatepass")) for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}
        if missing:
            vectors = self.embedder.encode(list(missing.values()), progress=progress)
            self._vectors.update(zip(missing, vectors, strict=True))
            self.embedded += len(missing)
        self._used.update(keys)
        if not keys:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        keys = sorted(self._used)
        buffer = io.BytesIO()
        matrix = np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, self.dimension))
        np.save(buffer, matrix.astype(np.float32), allow_pickle=False)
        data = buffer.getvalue()
        self._keys_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self._vectors_path, data)
        record = {"model_id": self.model_id, "vectors_sha256": sha256_bytes(data), "keys": keys}
        atomic_write(self._keys_path, json.dumps(record).encode())

    def _load(self) -> dict[str, np.ndarray]:
        try:
            record = json.loads(self._keys_path.read_bytes())
            data = self._vectors_path.read_bytes()
            if record["model_id"] != self.model_id or record["vectors_sha256"] != sha256_bytes(data):
                return {}
            matrix = np.load(io.BytesIO(data), allow_pickle=False)
            if matrix.shape != (len(record["keys"]), self.dimension):
                return {}
            return dict(zip(record["keys"], matrix, strict=True))
        except (OSError, ValueError, KeyError, TypeError):
            return {}
