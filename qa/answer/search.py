"""Search: a question -> ranked passages, the answer sentence, and whether
the corpus answers it at all.

This is the query path shared by the CLI, the web app and evaluation. The
:class:`Searcher` orchestrates small parts: input checks
(:mod:`qa.inputs`), follow-ups (:mod:`qa.answer.followup`), the views of each
candidate passage and each mode's scores (:mod:`qa.answer.retrieval`, over the pure
functions of :mod:`qa.answer.fusion`), the answer sentence
(:mod:`qa.answer.sentence`) and the index's calibration. It never builds
anything and never imports the build: the entry points open an index with
:func:`qa.build.ensure.ensure_index` and hand it over (see :func:`qa.open_searcher`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from qa.answer import answerability, crosslingual, glance
from qa.answer import sentence as answer_sentence
from qa.answer.followup import previous_of, with_previous
from qa.answer.fusion import mean_of_rankings, top_ids
from qa.answer.language import ENGLISH, language_of
from qa.answer.names import Lexicon
from qa.answer.reader import Reading, Verifier, read
from qa.answer.retrieval import Views, evidence, mode_scores, passage_views, question_evidence
from qa.answer.sentence import Candidates
from qa.answer.short import short_answer
from qa.config import DEFAULT_MODE, DEFAULT_TOP_K
from qa.index import keyword
from qa.index.embedding import Embedder
from qa.index.glance import ABOUT, FACT, LIST, SUMMARY
from qa.index.multilingual import MultilingualEncoder
from qa.index.spec import IndexSpec
from qa.index.store import StoredIndex
from qa.inputs import check_mode, check_top_k, clean_previous, clean_question
from qa.types import Answer, AnswerSentence, Hit, Passage


@dataclass(frozen=True)
class Trace:
    question: str  # as shown
    text: str  # as searched (with the previous question's words for a follow-up)
    previous: str | None  # the previous question it was read with
    hits: tuple[Hit, ...]
    evidence: float  # uncalibrated topicality
    confidence: float  # calibrated topicality
    candidates: Candidates | None  # the answer-sentence candidates, scored
    answerability: dict[str, float] | None  # its features
    probability: float | None  # that the chosen sentence answers the question
    outcome: str
    reading: Reading | None = None  # the reader's candidates, checks and decision
    language: str = ENGLISH  # the question's (qa.answer.language)
    kind: str = FACT  # what it asks for (qa.answer.glance): fact, list, summary or about
    gathered: glance.Gathered | None = None  # the points of a list, summary or about answer


class Searcher:
    def __init__(self, index: StoredIndex, embedder: Embedder, verifier: Verifier | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.verifier = verifier  # the trained cross-encoder, when the index has one

    @functools.cached_property
    def lexicon(self) -> Lexicon:
        """The names the corpus uses, for the reader's checks (built once, on first use)."""
        return Lexicon([p.text for p in self.passages] + sorted({p.section for p in self.passages}))

    @functools.cached_property
    def multilingual(self) -> MultilingualEncoder:
        """The multilingual question encoder (loaded on the first question in another language)."""
        return MultilingualEncoder()

    @property
    def passages(self) -> list[Passage]:
        return self.index.passages

    @property
    def spec(self) -> IndexSpec:
        return self.index.spec

    @property
    def index_id(self) -> str:
        """The identity of the index build answering (see :attr:`qa.spec.Manifest.index_id`)."""
        return self.index.manifest.index_id

    def ask(self, question: Any, k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE, previous: Any = "") -> Answer:
        """Answer ``question``. ``previous`` is the question asked before it, or
        the questions of a conversation so far, in order (the chat's); it is
        used only when this one leans on it (see :mod:`qa.answer.followup`)."""
        return self.answer_of(self.trace(question, k, mode, previous))

    def answer_of(self, trace: Trace) -> Answer:
        """What ``ask`` says of a trace: the chosen sentence when it is claimed
        (the lead point and every point for a list, summary or about answer)."""
        if trace.gathered is not None:
            return self._gathered_answer(trace, trace.gathered)
        chosen = self.chosen_sentence(trace)
        sentence = chosen if trace.outcome == answerability.ANSWERED else None
        if sentence is not None:
            sentence = replace(sentence, short=short_answer(trace.question, sentence.text, sentence.start))
        closest = chosen if trace.outcome == answerability.RELATED else None
        return Answer(
            trace.question, trace.outcome, sentence, trace.hits, trace.confidence, trace.probability, trace.previous,
            closest=closest, reason=_reason(trace), language=trace.language,
        )  # fmt: skip

    def _gathered_answer(self, trace: Trace, gathered: glance.Gathered) -> Answer:
        """A list, summary or about answer: its points, led by the claimed single
        answer (a list), else by the point that comes closest."""
        points = glance.points(self.index, gathered.rows)
        if trace.kind == LIST and (sentence := self.chosen_sentence(trace)) is not None:
            sentence = replace(sentence, short=short_answer(trace.question, sentence.text, sentence.start))
            points = glance.with_point(self.index, points, sentence, trace.hits)
        else:
            lead = glance.points(self.index, [gathered.lead])[0]
            owner = int(self.index.sentence_owner[gathered.lead])
            if (rank := next((h.rank for h in trace.hits if h.passage.id == owner), None)) is None:
                # The lead's passage must be among the passages its rank points into: it takes the last place.
                rank = len(trace.hits[:-1]) + 1
                trace = replace(trace, hits=(*trace.hits[:-1], Hit(self.passages[owner], 0.0, rank)))
            sentence = AnswerSentence(lead.text, rank, lead.start, lead.end, trace.probability or 0.0, lead.speaker)
        return Answer(
            trace.question, answerability.ANSWERED, sentence, trace.hits, trace.confidence, trace.probability,
            trace.previous, kind=trace.kind, points=points, reason=_reason(trace), language=trace.language,
        )  # fmt: skip

    def chosen_sentence(self, trace: Trace) -> AnswerSentence | None:
        """The sentence the reader chose, claimed or not (None when there was none to choose)."""
        if trace.reading is not None:
            chosen = trace.reading.chosen
            return None if chosen is None else chosen.sentence(float(trace.reading.selection[trace.reading.choice]))
        if trace.candidates is None:
            return None
        return answer_sentence.choose(trace.candidates, self.index, trace.hits)

    def trace(self, question: Any, k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE, previous: Any = "") -> Trace:
        """Every step of answering ``question``: what ``ask`` reports, and what
        tuning and evaluation look at."""
        shown, text, previous, k, mode = self._prepare(question, k, mode, previous)
        if not self.passages:
            return Trace(shown, text, previous, (), 0.0, 0.0, None, None, None, answerability.NOT_COVERED)
        language = language_of(shown)
        if language != ENGLISH and self.across_languages:
            return self._trace_across(shown, text, previous, k, language)
        vector = self.embedder.encode([text])[0]
        alone = self.embedder.encode([shown])[0] if previous else vector
        asked = glance.request(self.index, self.lexicon, shown, alone)
        if asked.kind == SUMMARY and (gathered := glance.summary(self.index)) is not None:
            return self._whole_trace(shown, text, previous, k, mode, asked, gathered, vector, language)
        single = self._single_trace(shown, text, previous, k, mode, vector, language)
        if asked.kind == LIST:
            return self._list_trace(single, alone)
        # About the interview: a fact it states is answered as one; else the record of the document, when closest.
        unclaimed_about = single.outcome != answerability.ANSWERED and asked.kind == ABOUT
        if unclaimed_about and (gathered := glance.about(self.index, self.lexicon, shown, alone)) is not None:
            return self._whole_trace(shown, text, previous, k, mode, asked, gathered, vector, language)
        return single

    def _list_trace(self, single: Trace, vector: np.ndarray) -> Trace:
        """A question that asks for several things: the answer the single-sentence
        path claims leads the points gathered across the interview. A list never
        claims on its own: where the reader withheld, lists claimed on their own
        (when the classifier was sure of a list) added wrong claims to single-fact
        questions on the development and held-out sets."""
        if single.outcome != answerability.ANSWERED:
            return single
        gathered = glance.gather_list(self.index, self.lexicon, single.question, vector, single.hits)
        return single if gathered is None else replace(single, kind=LIST, gathered=gathered)

    def _whole_trace(
        self, shown: str, text: str, previous: str | None, k: int, mode: str, asked: glance.Request,
        gathered: glance.Gathered, vector: np.ndarray, language: str,
    ) -> Trace:  # fmt: skip
        """A summary, or a question about the interview itself: the points gathered
        at build time; the passages are theirs (the lead's first), then the rest
        of the ranking. How sure: that it asks for this."""
        ranking = self._ranking(text, vector, shown if previous else None, mode)
        hits = tuple(glance.passages_of(self.index, gathered, ranking, k))
        p = asked.probability
        return Trace(shown, text, previous, hits, p, p, None, None, p, answerability.ANSWERED, None, language,
                     asked.kind, gathered)  # fmt: skip

    def _single_trace(
        self, shown: str, text: str, previous: str | None, k: int, mode: str, vector: np.ndarray, language: str
    ) -> Trace:
        """The single-sentence path: passages, topicality, the reader's sentence and its claim."""
        scoring, calibration = self.spec.scoring, self.spec.calibration
        views = passage_views(self.index, text, vector, scoring.candidates)
        scores = self._scores(views, shown if previous else None)
        hits = tuple(_hits(self.passages, scores[mode], k))
        raw = evidence(views, scoring)
        confidence = calibration.confidence(raw) if calibration else 1.0
        found, values, probability, reading = None, None, None, None
        if confidence >= 0.5 and hits:
            found = answer_sentence.candidates(self.index, text, vector, hits, scores["hybrid"], scoring)
        if found is not None:
            values = answerability.features(self.index, text, found, raw, calibration)
            probability = answerability.probability(values, scoring)
            if scoring.reader:  # the reader's models are fitted: they decide
                topicality = values["topicality"]
                reading = read(self.index, self.lexicon, shown, vector, found, hits, probability, topicality, scoring,
                               self.verifier)  # fmt: skip
                probability = reading.probability
        outcome = answerability.outcome(confidence, probability, scoring)
        if reading is not None and reading.foreign is not None:
            # "Who is the Secretary General of NATO?": about something the interview never names.
            outcome = answerability.NOT_COVERED
        return Trace(
            shown, text, previous, hits, raw, confidence, found, values, probability, outcome, reading, language
        )

    def search(self, question: Any, k: Any = DEFAULT_TOP_K, mode: Any = DEFAULT_MODE, previous: Any = "") -> list[Hit]:
        """The ranked passages alone: no confidence, no answer sentence."""
        shown, text, previous, k, mode = self._prepare(question, k, mode, previous)
        if not self.passages:
            return []
        if self.across_languages and (language := language_of(shown)) != ENGLISH:
            return list(self._trace_across(shown, text, previous, k, language).hits)
        vector = self.embedder.encode([text])[0]
        return _hits(self.passages, self._ranking(text, vector, shown if previous else None, mode), k)

    def _ranking(self, text: str, vector: np.ndarray, alone: str | None, mode: str) -> np.ndarray:
        """Every passage's score in ``mode`` (see _scores)."""
        return self._scores(passage_views(self.index, text, vector, self.spec.scoring.candidates), alone)[mode]

    @property
    def across_languages(self) -> bool:
        """Whether questions in other languages are read through the multilingual
        view; without one (built with --no-multilingual), every question is read as English."""
        return self.index.multilingual is not None

    def _trace_across(self, shown: str, text: str, previous: str | None, k: int, language: str) -> Trace:
        """A question in another language (see :mod:`qa.answer.crosslingual`): the
        passages, related or not covered, never a claimed sentence."""
        vectors = self.multilingual.questions([text, shown] if previous else [text])
        ranking = crosslingual.rank(self.index, text, vectors[0])
        scores = ranking.scores
        if previous:  # a follow-up: read with the previous question's words, and alone (as in English)
            scores = mean_of_rankings(scores, crosslingual.rank(self.index, shown, vectors[1]).scores)
        hits = tuple(_hits(self.passages, scores, k))
        outcome = answerability.RELATED if ranking.topical else answerability.NOT_COVERED
        raw, confidence = ranking.evidence, ranking.confidence
        # No sentence is chosen, so none answers it: 0 when on topic (as the JSON's contract
        # says of "related": below 0.5), null when not covered.
        probability = 0.0 if outcome == answerability.RELATED else None
        return Trace(shown, text, previous, hits, raw, confidence, None, None, probability, outcome, language=language)

    def _scores(self, views: Views, alone: str | None) -> dict[str, np.ndarray]:
        """Each mode's scores. A follow-up is searched as read with the previous
        question's words, and on its own: the mean of the two. Read together
        alone, the words of the previous question find what answered *it* (after
        "Which country took over in December 2024?", "What is its main
        priority?" found the handover, not the new chair's priority)."""
        scoring = self.spec.scoring
        together = mode_scores(views, scoring)
        if alone is None:
            return together
        vector = self.embedder.encode([alone])[0]
        apart = mode_scores(passage_views(self.index, alone, vector, scoring.candidates), scoring)
        return {mode: mean_of_rankings(together[mode], apart[mode]) for mode in together}

    def neighbours(self, passage: Passage, radius: int = 1) -> list[Passage]:
        """The passages just before and after ``passage`` in its document, for context."""
        around = self.passages[max(0, passage.id - radius) : passage.id + radius + 1]
        return [p for p in around if p.source == passage.source and p.id != passage.id]

    def uses_word(self, word: str) -> bool:
        """Whether the corpus uses ``word`` (after the keyword analyser): a short
        question with a word it never uses is not read as a follow-up."""
        return keyword.uses(self.index.passage_keywords, word)

    def raw_evidence(self, questions: list[str]) -> np.ndarray:
        """The uncalibrated evidence for each question, encoded in one batch."""
        return question_evidence(self.index, self.embedder, self.spec.scoring, questions)

    def _prepare(self, question: Any, k: Any, mode: Any, previous: Any) -> tuple[str, str, str | None, int, str]:
        """(question as shown, text to search, previous question it is read with, k, mode):
        what people and programs send, checked and cleaned once, here."""
        shown = clean_question(question)
        k, mode = check_top_k(k), check_mode(mode)
        if isinstance(previous, list | tuple):  # a conversation's questions: the chain read once, here
            previous = previous_of([q for q in previous if isinstance(q, str)], self.uses_word)
        previous = clean_previous(previous)
        # In another language, no word is one the (English) corpus uses: a short question leans on the one before.
        foreign = self.across_languages and not shown.isascii() and language_of(shown) != ENGLISH
        combined = with_previous(shown, previous, None if foreign else self.uses_word) if previous else None
        return (shown, combined, previous, k, mode) if combined else (shown, shown, None, k, mode)


def _reason(trace: Trace) -> str | None:
    """Why the outcome is what it is, in a few words (for people and the JSON's "reason")."""
    reading = trace.reading
    if reading is not None and reading.foreign is not None:
        named = re.search(rf"\b{re.escape(reading.foreign)}\b", trace.question, re.IGNORECASE)
        return f"the interview never names {named.group(0) if named else reading.foreign}"
    if trace.outcome == answerability.NOT_COVERED:
        return "the question is not about the interview" if trace.hits else None
    if reading is None:
        return None
    if trace.outcome == answerability.ANSWERED:
        return "the sentence states what was asked"
    return reading.reason if reading.choice is None else "no sentence says it for certain"


def _hits(passages: list[Passage], scores: np.ndarray, k: int) -> list[Hit]:
    return [Hit(passages[i], float(scores[i]), rank) for rank, i in enumerate(map(int, top_ids(scores, k)), start=1)]
