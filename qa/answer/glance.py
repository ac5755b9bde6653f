"""Answers about the interview as a whole: what it is about, a summary, and
answers that are lists.

The index's request-kind classifier (:mod:`qa.index.glance`) reads the
question's vector and says what is asked:

  about    the interview itself ("Who was interviewed?"): the introduction's
           sentences (the record of the document) and the sentences of the
           interview closest to the question
  summary  "Summarize", "key points", "tl;dr": the outline built with the
           index (one or two central sentences per interviewer question)
  list     several things ("What were the achievements?", "Which
           organisations ..."): the sentences that each give one, gathered
           from the whole interview (sentence-level search), each one checked
           against the question's constraints like a single answer
           (:mod:`qa.answer.verify`), near-duplicates dropped, in the
           interview's order, stopping where relevance drops
  fact     (and offtopic) the single-sentence path of :mod:`qa.answer.search`

Every point is a sentence of the interview with its offsets, never more
than ``MAX_POINTS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.answer.names import Lexicon
from qa.answer.sentence import sentence_at
from qa.answer.verify import constraints_of, parts, verify
from qa.index import keyword
from qa.index.glance import ABOUT, FACT, LIST, SUMMARY
from qa.index.store import StoredIndex
from qa.types import AnswerSentence, Hit, Point

MAX_POINTS = 12
TAKEN_AT = 0.5  # a kind other than fact is taken when the classifier gives it at least this
# A list: sentences whose score (cosine + KEYWORD × BM25 relative to the best)
# is within LIST_WITHIN of the best one, and at least LIST_FLOOR in cosine.
# A sentence of the passage ranked r among the question's hits gets PASSAGE / r more.
# Chosen on the development set (qa/eval/data/glance_dev.jsonl), never on the blind sets.
KEYWORD = 0.15
PASSAGE = 0.15
LIST_WITHIN = 0.3
LIST_FLOOR = 0.3
LIST_CANDIDATES = 30
MIN_LIST_POINTS = 2  # fewer than this is not a list: the single-sentence path answers
DUPLICATE = 0.85  # a sentence this similar to one kept says the same thing
# The words that name an interview and its parts (analysed: lower-case stems), which the
# interview itself need not use for a question about it to be about what it states.
DOCUMENT_WORDS = frozenset(
    keyword.analyse(
        "interview interviewed interviewee interviewer text article piece document conversation talk speak speaking "
        "spoken speaker person guy man people answer answering question questions asked asks discuss discussed cover "
        "covered covers topic topics subject main mainly period time years organisation organization role job "
        "position work working title quoted quote"
    )
)
ABOUT_EXTRA = 2  # sentences beyond the introduction that answer an "about" question
# How much closer than the introduction another sentence may come (chosen on the development set).
ABOUT_MARGIN = 0.1


@dataclass(frozen=True)
class Request:
    """What the question asks for, and how sure the classifier is."""

    kind: str
    probability: float


@dataclass(frozen=True)
class Gathered:
    """The points of a glance answer (sentence rows, in the interview's order)
    and the lead one: what ``answer.text`` says for scripts that read only it."""

    rows: tuple[int, ...]
    lead: int


def request(index: StoredIndex, lexicon: Lexicon, question: str, vector: np.ndarray) -> Request:
    """The kind of answer ``question`` asks for. A question that names
    something the interview never does ("the Secretary General of NATO",
    "Summarize the plot of Hamlet") is never about the interview, nor a summary of it."""
    if index.glance is None:
        return Request(FACT, 1.0)
    probabilities = index.glance.kind_probabilities(question, vector)
    kind = max(probabilities, key=probabilities.__getitem__)
    if kind not in (ABOUT, SUMMARY, LIST) or probabilities[kind] < TAKEN_AT:
        return Request(FACT, probabilities.get(FACT, 0.0))
    if kind in (ABOUT, SUMMARY) and any(constraints_of(part, lexicon).unknown_names for part in parts(question)):
        return Request(FACT, probabilities.get(FACT, 0.0))
    return Request(kind, probabilities[kind])


def summary(index: StoredIndex) -> Gathered | None:
    """The outline built with the index."""
    if index.glance is None or index.glance.summary.size == 0:
        return None
    rows = tuple(int(r) for r in index.glance.summary[:MAX_POINTS])
    return Gathered(rows, rows[0])


def about(index: StoredIndex, lexicon: Lexicon, question: str, vector: np.ndarray) -> Gathered | None:
    """The introduction (the record of the document), and the sentences of the
    interview that come closest to the question. None unless a sentence of the
    introduction passes the reader's checks for it (it holds the kind of answer
    asked: "When was the interview held?" finds no date there) and comes within
    ABOUT_MARGIN of the closest sentence elsewhere (else the question is about that)."""
    if index.glance is None or index.glance.about.size == 0 or asks_beyond(index, question):
        return None
    intro = [int(r) for r in index.glance.about]
    stating = [r for r in intro if _passes(index, lexicon, question, r)]
    if not stating:
        return None
    cosines = index.sentence_vectors @ vector
    lead = max(stating, key=lambda r: float(cosines[r]))
    closest_elsewhere = max((float(cosines[r]) for r in range(len(cosines)) if r not in intro), default=-1.0)
    if cosines[lead] < closest_elsewhere - ABOUT_MARGIN:
        return None
    extra = [int(r) for r in np.argsort(-cosines, kind="stable") if int(r) not in intro and _says(index, int(r))]
    extra = [r for r in extra[: 4 * ABOUT_EXTRA] if _passes(index, lexicon, question, r)][:ABOUT_EXTRA]
    return Gathered(tuple(sorted({lead, *intro[: MAX_POINTS - len(extra) - 1], *extra})), lead)


def asks_beyond(index: StoredIndex, question: str) -> bool:
    """Whether ``question`` asks about what the interview never mentions: a word
    it never uses, other than the words that name the interview itself ("Which
    newspaper published it?", "Is he married?"). The record cannot state it."""
    from rapidfuzz.distance import OSA

    def names_the_document(term: str) -> bool:  # with one typo ("intervew")
        return term in DOCUMENT_WORDS or (len(term) >= 5 and any(OSA.distance(term, w) <= 1 for w in DOCUMENT_WORDS))

    words = keyword.analyse(question)
    return any(not keyword.uses(index.passage_keywords, w) and not names_the_document(w) for w in words)


def gather_list(
    index: StoredIndex, lexicon: Lexicon, question: str, vector: np.ndarray, hits: Sequence[Hit] = ()
) -> Gathered | None:
    """The sentences that each give one of the things asked for, or None when
    fewer than MIN_LIST_POINTS do. A sentence scores by its cosine, its
    keywords (BM25, relative to the best) and the rank of its passage among ``hits``."""
    cosines = index.sentence_vectors @ vector
    bm25 = keyword.scores(index.sentence_keywords, question)
    best_bm25 = float(bm25.max()) if bm25.size else 0.0
    score = cosines + (KEYWORD * bm25 / best_bm25 if best_bm25 > 0 else 0.0)
    for hit in hits:
        rows = slice(int(index.sentence_offsets[hit.passage.id]), int(index.sentence_offsets[hit.passage.id + 1]))
        score[rows] += PASSAGE / hit.rank
    ranked = [int(r) for r in np.argsort(-score, kind="stable")[:LIST_CANDIDATES]]
    if not ranked:
        return None
    top = float(score[ranked[0]])
    kept: list[int] = []
    for row in ranked:
        if len(kept) == MAX_POINTS or score[row] < top - LIST_WITHIN:
            break
        if cosines[row] < LIST_FLOOR or not _says(index, row):
            continue
        if any(float(index.sentence_vectors[row] @ index.sentence_vectors[k]) > DUPLICATE for k in kept):
            continue
        if _passes(index, lexicon, question, row):
            kept.append(row)
    if len(kept) < MIN_LIST_POINTS:
        return None
    retrieved = {h.passage.id for h in hits}
    lead = next((row for row in kept if int(index.sentence_owner[row]) in retrieved), kept[0])
    return Gathered(tuple(sorted(kept)), lead)


def points(index: StoredIndex, rows: Sequence[int]) -> tuple[Point, ...]:
    """The sentences at ``rows`` as points: their text, where they are, who says them."""
    out = []
    for row in rows:
        owner, (start, end) = sentence_at(index, row)
        out.append(Point(owner.sentence_text((start, end)), owner.source, owner.paragraph, start, end, owner.speaker))
    return tuple(out)


def passages_of(index: StoredIndex, gathered: Gathered, ranking: np.ndarray, k: int) -> list[Hit]:
    """``k`` passages for a summary or an about answer: its points' passages (the
    lead's first, then in the interview's order), then the others by ``ranking``
    (every passage's retrieval score), each with that score."""
    owners = [int(index.sentence_owner[row]) for row in (gathered.lead, *gathered.rows)]
    order = list(dict.fromkeys(owners + [int(i) for i in np.argsort(-ranking, kind="stable")]))[:k]
    scores = np.nan_to_num(ranking, neginf=0.0, posinf=0.0)
    return [Hit(index.passages[i], float(scores[i]), rank) for rank, i in enumerate(order, start=1)]


def with_point(
    index: StoredIndex, points: tuple[Point, ...], sentence: AnswerSentence, hits: Sequence[Hit]
) -> tuple[Point, ...]:
    """``points`` with the claimed single answer among them (in its place), at most MAX_POINTS."""
    passage = next(h.passage for h in hits if h.rank == sentence.passage_rank)
    if any(p.source == passage.source and p.start <= sentence.start < p.end for p in points):
        return points
    # The claimed sentence may be the interviewer's question before the passage: its own paragraph.
    holding = (p for p in index.passages if p.source == passage.source and p.start <= sentence.start < p.end)
    owner = next(holding, passage)
    claimed = Point(sentence.text, owner.source, owner.paragraph, sentence.start, sentence.end, sentence.speaker)
    order = {source: i for i, source in enumerate(dict.fromkeys(p.source for p in index.passages))}
    return tuple(sorted([*points[: MAX_POINTS - 1], claimed], key=lambda p: (order.get(p.source, 0), p.start)))


def _says(index: StoredIndex, row: int) -> bool:
    """Whether sentence ``row`` states something (a question asks; it is not a point)."""
    owner, span = sentence_at(index, row)
    return not owner.sentence_text(span).rstrip().endswith("?")


def _passes(index: StoredIndex, lexicon: Lexicon, question: str, row: int) -> bool:
    """Whether sentence ``row`` passes the reader's checks for ``question`` (no
    other country, year, ordinal ... than the one asked, the kind of answer asked
    when the question says it surely, a date for "date of birth": see qa.answer.verify)."""
    owner, span = sentence_at(index, row)
    return verify(question, owner.sentence_text(span), f"{owner.section} {owner.text}", lexicon).passes
