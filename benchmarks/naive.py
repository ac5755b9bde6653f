"""The naive pipeline the benchmark compares against: what one writes first with
sentence-transformers and FAISS, and nothing else.

    python benchmarks/naive.py build --corpus DIR --out DIR --model PATH
    python benchmarks/naive.py ask QUESTION --out DIR --model PATH [-k 5]

``build`` encodes every non-blank line (paragraph) of the corpus' .txt files and
writes ``dense.faiss`` (IndexFlatIP over unit vectors, so inner product =
cosine) and ``passages.json``. ``ask`` is a fresh process: it imports
sentence-transformers, loads the model, the index and the passages, encodes
the question, searches the top k and prints them.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is a local path; never reach for the Hub
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

INDEX = "dense.faiss"
PASSAGES = "passages.json"


def paragraphs(corpus_dir: Path) -> list[str]:
    return [
        line.strip()
        for path in sorted(corpus_dir.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def build(corpus_dir: Path, out_dir: Path, model_path: str) -> int:
    import faiss
    from sentence_transformers import SentenceTransformer

    texts = paragraphs(corpus_dir)
    model = SentenceTransformer(model_path, device="cpu")
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    out_dir.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(out_dir / INDEX))
    (out_dir / PASSAGES).write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    return len(texts)


def load(out_dir: Path, model_path: str) -> tuple[Any, Any, list[str]]:
    """(model, faiss index, passages)."""
    import faiss
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path, device="cpu")
    index = faiss.read_index(str(out_dir / INDEX))
    passages = json.loads((out_dir / PASSAGES).read_text(encoding="utf-8"))
    return model, index, passages


def search(model: Any, index: Any, passages: list[str], question: str, k: int = 5) -> list[tuple[float, str]]:
    vector = model.encode([question], normalize_embeddings=True, convert_to_numpy=True)
    scores, ids = index.search(vector, k)
    return [(float(s), passages[i]) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Naive sentence-transformers + FAISS question answering.")
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build")
    build_parser.add_argument("--corpus", type=Path, required=True)
    ask_parser = commands.add_parser("ask")
    ask_parser.add_argument("question")
    ask_parser.add_argument("-k", type=int, default=5)
    for sub in (build_parser, ask_parser):
        sub.add_argument("--out", type=Path, required=True)
        sub.add_argument("--model", required=True)
    args = parser.parse_args(argv)
    if args.command == "build":
        print(f"naive index: {build(args.corpus, args.out, args.model)} paragraphs in {args.out}")
        return 0
    for rank, (score, text) in enumerate(search(*load(args.out, args.model), args.question, args.k), start=1):
        print(f"[{rank}] {score:.3f} {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
