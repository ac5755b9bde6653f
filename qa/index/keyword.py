"""Keyword search: BM25 (bm25s) over stemmed words, for names, numbers,
years and acronyms that a small embedding model blurs (Kuwait, 2022, TurkPA).

Index and queries share one analyser: lower-case words of two or more
characters (numbers of any length), English stop words removed, Snowball
stemming through PyStemmer. A question's term that the index does not know
is replaced by the closest one it knows, when that is a likely typo (see
:func:`query_terms`). ``ANALYSER`` names both; it is part of the index's
identity, so change it whenever they change.
"""

from __future__ import annotations

import bisect
import functools
import io
import json
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ANALYSER = "words2+digits/stopwords-en-plus/snowball-english/typos-osa/v2"
# A typo is one edit (Damerau-OSA: a swap counts once) in a stem of five or more
# letters from a word of six or more, two edits from an eight-letter stem:
# shorter unknown terms are more often real words the corpus lacks ("gained"
# is not "main", "weakness" not "work").
TYPO_MIN_WORD = 6
TYPO_MIN_TERM = 5
TYPO_TWO_EDITS_FROM = 8
PREFIX_MIN_TERM = 4  # "chair" is used when "chairmanship" is: for follow-ups, see uses()
_WORD = re.compile(r"\w\w+|\d")


def file_names(prefix: str) -> dict[str, str]:
    """bm25s's file arguments, each file named ``{prefix}.*`` in the index directory."""
    return {
        "data_name": f"{prefix}.data.npy",
        "indices_name": f"{prefix}.indices.npy",
        "indptr_name": f"{prefix}.indptr.npy",
        "vocab_name": f"{prefix}.vocab.json",
        "params_name": f"{prefix}.params.json",
        "nnoc_name": f"{prefix}.nonoccurrence.npy",
    }


@functools.cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@functools.cache
def stopwords() -> frozenset[str]:
    """English stop words (bm25s's extended list), shared with follow-up detection."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS)


def analyse(text: str) -> list[str]:
    """The index terms of ``text``."""
    return [term for _, term in _words_and_terms(text)]


def _words_and_terms(text: str) -> list[tuple[str, str]]:
    ignored = stopwords()
    words = [w for w in _WORD.findall(text.lower()) if w not in ignored]
    return list(zip(words, _stemmer().stemWords(words), strict=True)) if words else []


def build(texts: Sequence[str]) -> Any:
    """A BM25 index with one document per text, in order."""
    import bm25s

    retriever = bm25s.BM25()
    # bm25s needs at least one term per document; "" never matches a query term.
    retriever.index([analyse(t) or [""] for t in texts], show_progress=False)
    return retriever


def serialize(retriever: Any, prefix: str) -> dict[str, bytes]:
    """The index as ``{file name: bytes}`` (bm25s writes files; the store writes them atomically)."""
    with tempfile.TemporaryDirectory() as directory:
        retriever.save(directory, show_progress=False, allow_pickle=False, **file_names(prefix))
        return {path.name: path.read_bytes() for path in sorted(Path(directory).iterdir()) if path.is_file()}


def from_files(files: Mapping[str, bytes], prefix: str) -> Any:
    """The index from the bytes of its files (already verified by the store),
    never from a second read of the disk. Mirrors ``bm25s.BM25.load`` for the
    lucene method without a corpus; a test keeps the two in step."""
    import bm25s

    names = file_names(prefix)
    params = json.loads(files[names["params_name"]])
    params.pop("version", None)
    num_docs = params.pop("num_docs")
    retriever = bm25s.BM25(**params)
    if retriever.method in retriever.methods_requiring_nonoccurrence:
        raise ValueError(f"BM25 method {retriever.method!r} is not supported")
    retriever.vocab_dict = json.loads(files[names["vocab_name"]])
    retriever.unique_token_ids_set = set(retriever.vocab_dict.values())
    retriever.scores = {
        "data": _npy(files[names["data_name"]]),
        "indices": _npy(files[names["indices_name"]]),
        "indptr": _npy(files[names["indptr_name"]]),
        "num_docs": num_docs,
    }
    retriever.nonoccurrence_array = None
    return retriever


def query_terms(retriever: Any, question: str) -> list[str]:
    """The index terms of ``question``, each unknown one replaced by the known
    term closest to it when that is a likely typo ("chairmanhip" ->
    "chairmanship", "atention" -> "attention"); other unknown terms stay.
    The steps of one answer ask for the same question's terms several times:
    a few recent ones are kept (not many, so that a benchmark repeating its
    questions measures real work; a copy is returned, callers may change it)."""
    return list(_query_terms(retriever, question))


@functools.lru_cache(maxsize=8)
def _query_terms(retriever: Any, question: str) -> tuple[str, ...]:
    terms = []
    for word, term in _words_and_terms(question):
        if term not in retriever.vocab_dict and len(word) >= TYPO_MIN_WORD and len(term) >= TYPO_MIN_TERM:
            from rapidfuzz import distance, process  # only when there is a word to correct

            limit = 2 if len(term) >= TYPO_TWO_EDITS_FROM else 1
            match = process.extractOne(
                term, retriever.vocab_dict.keys(), scorer=distance.OSA.distance, score_cutoff=limit
            )
            term = match[0] if match else term
        terms.append(term)
    return tuple(terms)


def scores(retriever: Any, question: str) -> np.ndarray:
    """BM25 score of every document for ``question`` (zeros if no term is known)."""
    terms = [t for t in query_terms(retriever, question) if t in retriever.vocab_dict]
    if not terms:
        return np.zeros(retriever.scores["num_docs"], dtype=np.float32)
    return np.asarray(retriever.get_scores(terms), dtype=np.float32)


def uses(retriever: Any, word: str) -> bool:
    """Whether every term of ``word`` occurs in the index, as written or as the
    start of a longer term ("chair" of "chairmanship"), with no typo
    correction: "France" no, "Kuwait" yes; a stopword yes."""
    return all(_has_term_starting(retriever, term) for term in analyse(word))


def _has_term_starting(retriever: Any, term: str) -> bool:
    if term in retriever.vocab_dict:
        return True
    terms = _sorted_terms(retriever)
    at = bisect.bisect_left(terms, term)
    return len(term) >= PREFIX_MIN_TERM and at < len(terms) and terms[at].startswith(term)


@functools.lru_cache(maxsize=8)
def _sorted_terms(retriever: Any) -> list[str]:
    return sorted(retriever.vocab_dict)


def coverage(retriever: Any, question: str) -> float:
    """The share of the question's terms that occur anywhere in the index."""
    terms = query_terms(retriever, question)
    return sum(t in retriever.vocab_dict for t in terms) / len(terms) if terms else 0.0


def _npy(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data), allow_pickle=False)
