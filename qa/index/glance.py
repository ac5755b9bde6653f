"""The interview at a glance: what the build knows of the document as a whole.

Built once per index (:mod:`qa.build.glance`) and stored as ``glance.npz``
(plain arrays, no pickle):

    labels, weights, bias   the request-kind classifier: a multinomial logistic
                            model over the question's vector (the same unit
                            vector search uses) and its words and word pairs
                            (hashed: "all the reasons", "tl;dr"), one row per kind
    summary                 the sentence rows of the outline, in the
                            interview's order: one or two central sentences per
                            interviewer question, and the introduction's first
    about                   the sentence rows of the introduction (who was
                            interviewed, about what): the record of the document

Sentence rows index the index's sentence vectors (row j belongs to passage
``sentence_owner[j]``), so the points are the interview's own sentences with
their offsets.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass

import numpy as np

FILE = "glance.npz"
# The kinds of request the classifier tells apart; "fact" and "offtopic" go the usual way.
ABOUT, SUMMARY, LIST, FACT, OFFTOPIC = "about", "summary", "list", "fact", "offtopic"
KINDS = (ABOUT, SUMMARY, LIST, FACT, OFFTOPIC)
HASHED = 4096  # buckets for the question's words and word pairs
FEATURES = "vector+words-pairs-crc32-4096/v1"  # what features() reads: change it whenever features() changes
_TOKEN = re.compile(r"[^\W_]+|[^\w\s]+")


def features(question: str, vector: np.ndarray) -> np.ndarray:
    """What the kind classifier reads: the question's unit vector, then its lower-cased
    words and word pairs hashed (crc32, stable across runs) into HASHED buckets, as a unit vector."""
    words = _TOKEN.findall(question.lower())
    grams = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    counts = np.zeros(HASHED, dtype=np.float64)
    for gram in grams:
        counts[zlib.crc32(gram.encode("utf-8")) % HASHED] = 1.0
    norm = np.linalg.norm(counts)
    return np.concatenate([np.asarray(vector, dtype=np.float64), counts / norm if norm else counts])


@dataclass(frozen=True)
class Glance:
    labels: tuple[str, ...]
    weights: np.ndarray  # (labels, dimension)
    bias: np.ndarray  # (labels,)
    summary: np.ndarray  # sentence rows, ascending
    about: np.ndarray  # sentence rows, ascending

    def kind_probabilities(self, question: str, vector: np.ndarray) -> dict[str, float]:
        """Each kind's probability for a question and its unit vector (softmax of the linear model)."""
        z = self.weights @ features(question, vector) + self.bias
        z = np.exp(z - z.max())
        return dict(zip(self.labels, (z / z.sum()).tolist(), strict=True))

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez(
            buffer,
            labels=np.array(self.labels, dtype=np.str_),
            weights=np.ascontiguousarray(self.weights, dtype=np.float32),
            bias=np.ascontiguousarray(self.bias, dtype=np.float32),
            summary=np.asarray(self.summary, dtype=np.int64),
            about=np.asarray(self.about, dtype=np.int64),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Glance:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            glance = cls(
                tuple(str(label) for label in arrays["labels"]),
                np.asarray(arrays["weights"], dtype=np.float64),
                np.asarray(arrays["bias"], dtype=np.float64),
                np.asarray(arrays["summary"], dtype=np.int64),
                np.asarray(arrays["about"], dtype=np.int64),
            )
        if glance.weights.shape != (len(glance.labels), glance.weights.shape[1]) or glance.bias.shape != (
            len(glance.labels),
        ):
            raise ValueError("the kind classifier's shapes do not match its labels")
        return glance


def fits(glance: Glance | None, sentences: int, dimension: int) -> bool:
    """Whether ``glance`` belongs to an index of ``sentences`` sentence rows of ``dimension``."""
    if glance is None:
        return False
    rows = np.concatenate([glance.summary, glance.about])
    return glance.weights.shape[1] == dimension + HASHED and bool(((rows >= 0) & (rows < sentences)).all())


def from_files(files: dict[str, bytes]) -> Glance | None:
    """The glance among an index's verified files, or None when the index has none."""
    return Glance.from_bytes(files[FILE]) if FILE in files else None
