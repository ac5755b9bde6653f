"""Fusion: pure functions over score arrays, testable with plain numbers.

A retriever scores only its candidates; fused scores live on the candidate
passages and are ``-inf`` elsewhere, so that nothing a retriever did not
return can be ranked (and FAISS padding can never become a passage).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def zscore(scores: np.ndarray) -> np.ndarray:
    """Scores centred on their mean, in units of their standard deviation
    (all zeros when they do not vary): comparable across questions."""
    scores = np.asarray(scores, dtype=np.float32)
    spread = float(scores.std()) if scores.size else 0.0
    return (scores - scores.mean()) / spread if spread > 0 else np.zeros_like(scores)


def linear(features: Mapping[str, np.ndarray], coefficients: Mapping[str, float]) -> np.ndarray:
    """Σ coefficient × feature over the named features (an "intercept" adds a
    constant); a feature without a coefficient counts zero."""
    if not features:
        raise ValueError("no features")
    size = len(next(iter(features.values())))
    total = np.full(size, coefficients.get("intercept", 0.0), dtype=np.float32)
    for name, values in features.items():
        total = total + np.float32(coefficients.get(name, 0.0)) * np.asarray(values, dtype=np.float32)
    return total


def mean_of_rankings(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The mean of two score arrays over the same passages. A passage that one
    of them did not retrieve (-inf) counts as that one's lowest score; -inf
    when neither retrieved it."""
    a, b = _floor(first), _floor(second)
    both_missing = ~np.isfinite(first) & ~np.isfinite(second)
    return np.where(both_missing, -np.inf, (a + b) / 2).astype(np.float32)


def _floor(scores: np.ndarray) -> np.ndarray:
    finite = scores[np.isfinite(scores)]
    return np.where(np.isfinite(scores), scores, finite.min() if finite.size else 0.0)


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
