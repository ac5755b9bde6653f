"""The synthetic corpus at scale (bench.py --synthetic-documents N): the
project's build and asks at that size, and its dense index against exact
search on the same vectors."""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import synthetic
from common import (
    Row,
    Run,
    Sample,
    latencies,
    log,
    open_searcher,
    project_ask,
    project_build,
)

BUILD_TIMEOUT = 4 * 3600.0
MIN_RECALL_QUERIES = 200
RECALL_K = 10
RECALL_KS = (RECALL_K, 50)  # 50: the dense candidates hybrid search takes (qa.search.CANDIDATES)


def directory_mb(path: Path, skip: frozenset[str] = frozenset()) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and f.name not in skip) / 1e6


def recall_queries(count: int, seed: int, passages: list[Any]) -> list[str]:
    """Varied interview sentences that are not the text of any passage."""
    texts = {p.text for p in passages}
    made = [q for q in synthetic.queries(2 * count, seed + 1) if q not in texts]
    return made[:count]


def timed_searches(index: Any, vectors: np.ndarray, k: int) -> tuple[np.ndarray, Sample]:
    """Top-k ids of each query, one query per search call, and the seconds per call."""
    ids, times = [], []
    for vector in vectors:
        started = time.perf_counter()
        _, found = index.search(vector[None, :], k)
        times.append(time.perf_counter() - started)
        ids.append(found[0])
    return np.array(ids), Sample(tuple(times))


@dataclass(frozen=True)
class DenseComparison:
    kind: str  # the built index's class, with its HNSW settings
    queries: int
    recall: dict[int, float]  # k -> mean share of the exact top k that the project's index returns
    approximate: Sample  # seconds per one-query search, k = RECALL_K
    exact: Sample
    approximate_build: float  # seconds for qa.build.dense_index on these vectors
    exact_build: float


def overlap(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each row of ``truth`` (exact top-k ids) that the same row of ``found`` holds."""
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]))


def compare_dense(stored: Any, embedder: Any, queries: list[str]) -> DenseComparison:
    """The dense index the project built and queries (its vectors read back) against exact search."""
    import faiss

    from qa.build.builder import dense_index

    vectors = stored.reconstruct_n(0, stored.ntotal)
    started = time.perf_counter()
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    exact_build = time.perf_counter() - started
    started = time.perf_counter()
    dense_index(vectors)  # how long the project's choice at this size takes to build
    approximate_build = time.perf_counter() - started
    query_vectors = embedder.encode(queries)
    searches = {
        k: (timed_searches(stored, query_vectors, k), timed_searches(exact, query_vectors, k)) for k in RECALL_KS
    }
    recall = {k: overlap(found[0], truth[0]) for k, (found, truth) in searches.items()}
    (_, approximate), (_, exact_sample) = searches[RECALL_K]
    kind = type(stored).__name__
    if hasattr(stored, "hnsw"):
        kind += f" (M {stored.hnsw.nb_neighbors(1)}, efSearch {stored.hnsw.efSearch})"
    return DenseComparison(kind, len(queries), recall, approximate, exact_sample, approximate_build, exact_build)


@dataclass(frozen=True)
class Scale:
    documents: int
    passages: int
    build: Run
    noop: Sample
    cold: list[Run]
    opened: float  # seconds for qa.open_searcher in this process
    warm: Sample
    index: Path


def synthetic_rows(args: argparse.Namespace, questions: list[str], workdir: Path) -> list[Row]:
    from qa.index.store import read_manifest

    corpus, index = workdir / "synthetic", workdir / "synthetic-index"
    synthetic.generate(corpus, args.synthetic_documents, args.seed)
    log(f"synthetic corpus: {args.synthetic_documents} documents; building (this takes a while)")
    build = project_build(corpus, index, workdir, BUILD_TIMEOUT)
    passages = read_manifest(index).counts.passages
    log(f"synthetic build: {passages} passages in {build.seconds:.0f} s")
    repeats = min(3, args.runs)
    noop = Sample(tuple(project_build(corpus, index, workdir).seconds for _ in range(repeats)))
    cold = [project_ask(questions[n], corpus, index, workdir) for n in range(repeats)]
    started = time.perf_counter()
    searcher = open_searcher(corpus, index)
    opened = time.perf_counter() - started
    warm = latencies(lambda q: searcher.ask(q, k=5), questions, args.questions)
    log(f"synthetic warm ask p50 {1000 * warm.median:.1f} ms; comparing dense indexes")
    queries = recall_queries(max(args.questions, MIN_RECALL_QUERIES), args.seed, searcher.passages)
    dense = compare_dense(searcher.index.dense, searcher.embedder, queries)
    scale = Scale(args.synthetic_documents, passages, build, noop, cold, opened, warm, index)
    return scale_rows(scale) + dense_rows(dense)


def scale_rows(scale: Scale) -> list[Row]:
    without_encoder = directory_mb(scale.index, frozenset({"encoder.onnx"}))
    figures = [
        ("documents / passages", f"{scale.documents} / {scale.passages}"),
        ("build, cold (s)", f"{scale.build.seconds:.1f}"),
        ("build throughput (passages/s)", f"{scale.passages / scale.build.seconds:.1f}"),
        ("build peak RSS (MB)", f"{scale.build.max_rss_mb:.0f}"),
        ("index on disk, all files (MB)", f"{directory_mb(scale.index):.1f}"),
        ("index on disk without encoder.onnx (MB)", f"{without_encoder:.1f}"),
        ("  of which the embedding cache/ (MB)", f"{directory_mb(scale.index / 'cache'):.1f}"),
        ("build, no-op (s, median (min-max))", scale.noop.spread()),
        ("cold ask, end to end (s, median (min-max))", Sample(tuple(r.seconds for r in scale.cold)).spread()),
        ("cold ask peak RSS (MB, max)", f"{max(r.max_rss_mb for r in scale.cold):.0f}"),
        ("open_searcher in-process (s)", f"{scale.opened:.2f}"),
        ("warm ask top-5 hybrid p50 (ms)", f"{1000 * scale.warm.median:.2f}"),
        ("warm ask top-5 hybrid p95 (ms)", f"{1000 * scale.warm.percentile(95):.2f}"),
    ]
    return [(metric, value, "–", "–") for metric, value in figures]


def dense_rows(dense: DenseComparison) -> list[Row]:
    speedup = dense.exact.median / dense.approximate.median
    return [
        ("dense index (project vs exact IndexFlatIP)", dense.kind, "IndexFlatIP", "–"),
        *(
            (f"recall@{k} vs exact ({dense.queries} queries)", f"{dense.recall[k]:.4f}", "1 (by definition)", "–")
            for k in RECALL_KS
        ),
        (
            f"dense search, one query, top {RECALL_K} (ms, p50)",
            f"{1000 * dense.approximate.median:.3f}",
            f"{1000 * dense.exact.median:.3f}",
            f"{speedup:.1f}×",
        ),
        (
            f"dense search, one query, top {RECALL_K} (ms, p95)",
            f"{1000 * dense.approximate.percentile(95):.3f}",
            f"{1000 * dense.exact.percentile(95):.3f}",
            f"{dense.exact.percentile(95) / dense.approximate.percentile(95):.1f}×",
        ),
        ("dense index build from the vectors (s)", f"{dense.approximate_build:.2f}", f"{dense.exact_build:.2f}", "–"),
    ]
