"""Building the interview at a glance (:mod:`qa.index.glance`): what asking
about the whole interview needs, computed once per index so that asking
costs nothing.

- The request-kind classifier: a multinomial logistic regression
  (scikit-learn, lbfgs: deterministic) over the question vectors and words
  of the requests in ``qa/build/data/kinds-*.jsonl`` (requests labelled about
  / summary / list / fact / offtopic, written for this by writers who saw
  only the interview, one file each). Fitted on the index's
  own model's vectors, so it fits whatever model the index is built with.
- The summary: the introduction's first sentence, then for each section
  (each interviewer question, in the interview's order) its topic (the
  statement the interviewer opens it with) and its central answers: closest
  to the section's centroid and to its question, each unlike the one before
  (the trained verifier, asked which sentence answers the interviewer's
  question, scored them all alike, ~0.4). One answer per section, then the topics, then more answers
  for the longest sections, up to ``MAX_POINTS``.
- The record of the document: the introduction's sentences (who was
  interviewed, about what).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from qa.files import sha256_bytes
from qa.index.chunking import INTRODUCTION
from qa.index.embedding import Embedder
from qa.index.glance import FEATURES, KINDS, Glance, features
from qa.types import Passage

KINDS_FILES = "kinds-*.jsonl"  # in qa/build/data, one file per writer
RECIPE = "logistic-C4+words+outline-v8"  # change it whenever the fitting or the outline changes
REGULARISATION = 4.0  # scikit-learn's C
MAX_POINTS = 12
INTRODUCTION_POINTS = 2
MIN_WORDS = 8  # shorter sentences ("Why do we need this?") are not a topic's centre
MAX_PER_SECTION = 3
QUESTION_WEIGHT = 0.5  # a section's central answer: as close to its question as to its centroid
SECOND_UNLIKE = 0.8  # a section's second point is at most this similar to its first


def identity() -> str:
    """What the glance is built from: the recipe and the kinds data (part of the index's identity)."""
    return f"{RECIPE}+{FEATURES}+kinds:{sha256_bytes(b''.join(data for _, data in _kinds_files()))[:12]}"


def _kinds_files() -> list[tuple[str, bytes]]:
    folder = resources.files("qa.build").joinpath("data")
    names = sorted(f.name for f in folder.iterdir() if fnmatch.fnmatch(f.name, KINDS_FILES))
    return [(name, folder.joinpath(name).read_bytes()) for name in names]


def kind_examples() -> tuple[list[str], list[str], list[str]]:
    """(requests, their kinds, their writers) from the shipped data."""
    rows = [
        json.loads(line) for _, data in _kinds_files() for line in data.decode("utf-8").splitlines() if line.strip()
    ]
    return [r["text"] for r in rows], [r["kind"] for r in rows], [r["writer"] for r in rows]


def build_glance(
    passages: Sequence[Passage],
    sentences: Sequence[str],
    sentence_vectors: np.ndarray,
    embedder: Embedder,
    previous: Glance | None = None,
) -> Glance:
    """The glance of an index: ``sentences`` are its sentence texts, row by row.
    The kind classifier depends on the model and the kinds data alone, not on
    the corpus: ``previous`` (an index of the same model and glance identity)
    lends its own; else it is fitted (the requests embedded by ``embedder``,
    best uncached: they are not the corpus)."""
    if previous is not None:
        labels, weights, bias = previous.labels, previous.weights, previous.bias
    else:
        requests, kinds, _ = kind_examples()
        vectors = embedder.encode(requests)
        labels, weights, bias = fit_kinds(
            np.array([features(r, v) for r, v in zip(requests, vectors, strict=True)]), kinds
        )
    owner = np.repeat(np.arange(len(passages)), [len(p.sentences) for p in passages])
    about = introduction_rows(passages, owner)
    summary = outline(passages, sentences, sentence_vectors, owner, about[:INTRODUCTION_POINTS])
    return Glance(labels, weights, bias, summary, about)


def fit_kinds(vectors: np.ndarray, kinds: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """The classifier's labels, weights and bias, fitted on ``vectors`` labelled ``kinds``."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown request kinds {unknown}; expected {list(KINDS)}")
    model = LogisticRegression(C=REGULARISATION, max_iter=2000)
    # Sparse (the hashed words are) and one BLAS thread: with more, they fought on a busy
    # 2-core machine (0.14 s on one thread, 3.6-10 s on all).
    with threadpool_limits(1):
        model.fit(csr_matrix(np.asarray(vectors, dtype=np.float64)), list(kinds))
    return tuple(str(c) for c in model.classes_), model.coef_.astype(np.float64), model.intercept_.astype(np.float64)


def introduction_rows(passages: Sequence[Passage], owner: np.ndarray) -> np.ndarray:
    """The sentence rows of the introduction (the first document's opening
    sentences when it has none), in order."""
    intro = [p.id for p in passages if p.section == INTRODUCTION]
    rows = np.flatnonzero(np.isin(owner, intro))
    if rows.size == 0:
        first = passages[0].source if passages else None
        rows = np.flatnonzero(np.isin(owner, [p.id for p in passages if p.source == first]))[:INTRODUCTION_POINTS]
    return rows.astype(np.int64)


def outline(
    passages: Sequence[Passage],
    sentences: Sequence[str],
    sentence_vectors: np.ndarray,
    owner: np.ndarray,
    lead: np.ndarray,
) -> np.ndarray:
    """The summary's sentence rows: ``lead``, then each section's topic (the
    statement the interviewer opens it with, when there is one) and its central
    answers (closest to the section's centroid and its question), in order."""
    sections = _sections(passages, sentences, owner, sentence_vectors)
    # By priority: the introduction's first sentence, each section's most central
    # answer, the sections' topics, the rest of the introduction, more answers.
    ranked = [_central(s, sentence_vectors) for s in sections]
    chosen = [int(r) for r in lead[:1]]
    chosen += [answers[0] for answers in ranked if answers]
    chosen += [s.topic for s in sections if s.topic is not None]
    chosen += [int(r) for r in lead[1:]]
    budget = _shares(MAX_POINTS - len(chosen), [len(s.answers) for s in sections])
    for answers, share in zip(ranked, budget, strict=True):
        chosen += answers[1 : 1 + share]
    return np.array(sorted(set(chosen[:MAX_POINTS])), dtype=np.int64)


@dataclass(frozen=True)
class _Section:
    section: str  # the interviewer's question
    topic: int | None  # the row of the interviewer's opening statement
    answers: np.ndarray  # rows of the interviewee's sentences of MIN_WORDS words or more
    question: np.ndarray | None  # the mean vector of the interviewer's sentences


def _sections(
    passages: Sequence[Passage], sentences: Sequence[str], owner: np.ndarray, vectors: np.ndarray
) -> list[_Section]:
    """Each section (the passages answering one interviewer question, and that question), in order."""
    order: dict[tuple[str, str], list[int]] = {}
    for p in passages:
        if p.section != INTRODUCTION:
            order.setdefault((p.source, p.section), []).append(p.id)
    found = []
    for (_, section), ids in order.items():
        rows = np.flatnonzero(np.isin(owner, ids))
        said = [r for r in rows if passages[owner[r]].speaker != "interviewer" and _central_candidate(sentences[r])]
        asked = [r for r in rows if passages[owner[r]].speaker == "interviewer"]
        if not said:
            continue
        topic = next((int(r) for r in asked if not sentences[r].rstrip().endswith("?")), None)
        question = vectors[asked].mean(axis=0) if asked else None
        found.append(_Section(section, topic, np.array(said, dtype=np.int64), question))
    return found


def _central_candidate(text: str) -> bool:
    return len(text.split()) >= MIN_WORDS and not text.rstrip().endswith("?")


def _shares(budget: int, sizes: Sequence[int]) -> list[int]:
    """More answers for the sections beyond their first: ``budget`` points one by
    one to the section with most sentences per point (D'Hondt), none over
    ``MAX_PER_SECTION`` in all."""
    shares = [0] * len(sizes)
    for _ in range(max(budget, 0)):
        open_ = [i for i in range(len(sizes)) if shares[i] + 1 < MAX_PER_SECTION]
        if not open_:
            break
        best = max(open_, key=lambda i: sizes[i] / (shares[i] + 2))
        shares[best] += 1
    return shares


def _central(section: _Section, vectors: np.ndarray) -> list[int]:
    """Up to MAX_PER_SECTION of the section's answers, most central first (closest
    to the section's centroid and its question), each unlike those before it."""
    rows = section.answers
    block = vectors[rows]
    centroid = block.mean(axis=0)
    score = block @ (centroid / (np.linalg.norm(centroid) or 1.0))
    if section.question is not None and np.linalg.norm(section.question) > 0:
        asked = block @ (section.question / np.linalg.norm(section.question))
        score = (1 - QUESTION_WEIGHT) * score + QUESTION_WEIGHT * asked
    taken: list[int] = []
    for i in np.argsort(-score, kind="stable"):
        if len(taken) == MAX_PER_SECTION:
            break
        if all(float(block[i] @ block[j]) <= SECOND_UNLIKE for j in taken):
            taken.append(int(i))
    return [int(rows[i]) for i in taken]
