"""Fusion: pure functions over score arrays, testable with plain numbers.

A retriever scores only its candidates; fused scores live on the candidate
passages and are ``-inf`` elsewhere, so that nothing a retriever did not
return can be ranked (and FAISS padding can never become a passage).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def weighted_sum(columns: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Σ weight × column, element-wise (columns of equal length)."""
    if len(columns) != len(weights) or not columns:
        raise ValueError("one weight per column, at least one column")
    total = np.zeros_like(np.asarray(columns[0], dtype=np.float32))
    for column, weight in zip(columns, weights, strict=True):
        total = total + np.float32(weight) * np.asarray(column, dtype=np.float32)
    return total


def max_normalised(scores: np.ndarray) -> np.ndarray:
    """Scores divided by the largest, so the best is 1; all zeros when none is positive."""
    top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else np.zeros_like(scores)


def scatter(values: np.ndarray, ids: np.ndarray, size: int) -> np.ndarray:
    """A length-``size`` array holding ``values`` at ``ids`` and -inf elsewhere."""
    full = np.full(size, -np.inf, dtype=np.float32)
    full[ids] = values
    return full


def top_ids(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest finite ``scores``, best first, ties by
    index; O(n) selection first, so a large corpus does not pay a full sort."""
    if k <= 0:
        return np.empty(0, dtype=np.intp)
    ids = np.flatnonzero(np.isfinite(scores))
    if ids.size > k:
        kth = np.partition(scores[ids], ids.size - k)[ids.size - k]
        ids = ids[scores[ids] >= kth]  # every tie at the boundary, so the order below decides
    return ids[np.argsort(-scores[ids], kind="stable")][:k]


def best_finite(scores: np.ndarray) -> float:
    """The largest finite score, 0.0 when there is none."""
    finite = scores[np.isfinite(scores)]
    return float(finite.max()) if finite.size else 0.0
