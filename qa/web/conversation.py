"""A conversation in the web chat: one :class:`Turn` per question asked.

A turn is what the reader saw, as data: the question, the earlier question it
was read with, the outcome, the answer sentence, the passages shown (ids and
where they are) and the index build that answered. It is all a vote needs,
all the downloaded Markdown and the citation need, and enough to show the
reply again from the index it came from. The chat keeps its turns in the
reader's browser, not on the server, so they come back from there with every
event: :func:`turns_from_records` treats them as untrusted input, checking
every field and dropping a record that does not fit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from qa.config import MAX_TOP_K, MODES
from qa.inputs import MAX_QUESTION_CHARS
from qa.types import Answer, AnswerSentence, Hit, Passage

OUTCOMES = ("answered", "related", "not_covered")
VOTES = ("like", "dislike")
SPEAKERS = ("interviewer", "interviewee")
# Bounds on what a record from the browser may hold; a turn the chat made is
# always within them (a question is cut to MAX_QUESTION_CHARS, plus "…").
MAX_TEXT = 4000  # an answer sentence, a note
MAX_NAME = 300  # a source file name, an index id


@dataclass(frozen=True)
class ShownPassage:
    """A passage as a reply listed it: its id in the index, rank, score and place."""

    id: int
    rank: int
    score: float
    source: str
    paragraph: int
    speaker: str = "interviewee"


@dataclass(frozen=True)
class Turn:
    """One question and what the chat replied.

    ``outcome`` is None when the question was refused (blank, too long, a bad
    setting); ``note`` then says why. ``previous`` is the earlier question it
    was read with ("" when none). ``vote`` is the vote stored on the reply,
    if any: only the first is kept.
    """

    question: str
    outcome: str | None
    index_id: str
    top_k: int
    mode: str
    previous: str = ""
    sentence: AnswerSentence | None = None
    confidence: float = 0.0
    answer_confidence: float | None = None
    passages: tuple[ShownPassage, ...] = ()
    note: str = ""
    vote: str | None = None

    @classmethod
    def from_answer(cls, answer: Answer, index_id: str, top_k: int, mode: str) -> Turn:
        # Plain floats: a score may be a NumPy scalar, which JSON does not take.
        shown = tuple(
            ShownPassage(h.passage.id, h.rank, float(h.score), h.passage.source, h.passage.paragraph, h.passage.speaker)
            for h in answer.hits
        )
        sentence = answer.sentence if answer.outcome == "answered" else None
        if sentence is not None:
            sentence = replace(sentence, score=float(sentence.score))
        return cls(
            question=answer.question,
            outcome=answer.outcome,
            index_id=index_id,
            top_k=top_k,
            mode=mode,
            previous=answer.context or "",
            sentence=sentence,
            confidence=float(answer.confidence),
            answer_confidence=None if answer.answer_confidence is None else float(answer.answer_confidence),
            passages=shown,
        )

    @classmethod
    def refused(cls, question: str, note: str, index_id: str, top_k: int, mode: str) -> Turn:
        return cls(question=question, outcome=None, index_id=index_id, top_k=top_k, mode=mode, note=note)

    @property
    def leans(self) -> bool:
        """Whether a later follow-up may lean on this question: only one the
        interview answers or discusses (an off-topic question, or pasted junk,
        would lead the next "what about its ...?" astray)."""
        return self.outcome in ("answered", "related")

    @property
    def sentence_passage(self) -> ShownPassage | None:
        """The shown passage the answer sentence comes from."""
        if self.sentence is None:
            return None
        return next((p for p in self.passages if p.rank == self.sentence.passage_rank), None)

    def with_vote(self, vote: str) -> Turn:
        return replace(self, vote=vote)

    def answer(self, passages: Sequence[Passage]) -> Answer | None:
        """The answer again, with the passages of ``passages`` (the index this
        turn came from); None for a refused turn, or when a shown passage is
        not where the turn says (another index)."""
        if self.outcome is None:
            return None
        hits = []
        for shown in self.passages:
            if not 0 <= shown.id < len(passages):
                return None
            passage = passages[shown.id]
            if (passage.source, passage.paragraph) != (shown.source, shown.paragraph):
                return None
            hits.append(Hit(passage, shown.score, shown.rank))
        sentence = self.sentence
        if sentence is not None:
            within = next((h.passage for h in hits if h.rank == sentence.passage_rank), None)
            if within is None or within.sentence_text((sentence.start, sentence.end)) != sentence.text:
                return None
        return Answer(
            question=self.question,
            outcome=self.outcome,
            sentence=sentence,
            hits=tuple(hits),
            confidence=self.confidence,
            answer_confidence=self.answer_confidence,
            context=self.previous or None,
        )

    def to_record(self) -> dict[str, Any]:
        """The turn as JSON-ready values, to keep in the browser."""
        sentence = self.sentence
        return {
            "question": self.question,
            "outcome": self.outcome,
            "index_id": self.index_id,
            "top_k": self.top_k,
            "mode": self.mode,
            "previous": self.previous,
            "sentence": None
            if sentence is None
            else {
                "text": sentence.text,
                "passage_rank": sentence.passage_rank,
                "start": sentence.start,
                "end": sentence.end,
                "score": sentence.score,
                "speaker": sentence.speaker,
            },
            "confidence": self.confidence,
            "answer_confidence": self.answer_confidence,
            "passages": [[p.id, p.rank, p.score, p.source, p.paragraph, p.speaker] for p in self.passages],
            "note": self.note,
            "vote": self.vote,
        }

    @classmethod
    def from_record(cls, record: Any) -> Turn:
        """A turn from :meth:`to_record`'s values, every field checked: anything
        else is a ValueError (records come back from the browser)."""
        if not isinstance(record, dict):
            raise ValueError("a turn is an object")
        outcome = record.get("outcome")
        if outcome is not None and outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        sentence = record.get("sentence")
        passages = _list(record.get("passages"), MAX_TOP_K, "passages")
        turn = cls(
            question=_text(record.get("question"), MAX_QUESTION_CHARS + 1, "question"),
            outcome=outcome,
            index_id=_text(record.get("index_id"), MAX_NAME, "index_id"),
            top_k=_whole(record.get("top_k"), 1, MAX_TOP_K, "top_k"),
            mode=_choice(record.get("mode"), MODES, "mode"),
            previous=_text(record.get("previous", ""), MAX_QUESTION_CHARS, "previous"),
            sentence=None if sentence is None else _sentence(sentence),
            confidence=_unit(record.get("confidence"), "confidence"),
            answer_confidence=None
            if record.get("answer_confidence") is None
            else _unit(record.get("answer_confidence"), "answer_confidence"),
            passages=tuple(_shown(p) for p in passages),
            note=_text(record.get("note", ""), MAX_TEXT, "note"),
            vote=None if record.get("vote") is None else _choice(record.get("vote"), VOTES, "vote"),
        )
        if outcome is not None and not turn.question.strip():
            raise ValueError("an answer needs its question")
        if (outcome is None) != bool(turn.note) or (turn.sentence is not None) != (outcome == "answered"):
            raise ValueError("the outcome, the note and the answer sentence disagree")
        return turn


def turns_from_records(records: Any, limit: int) -> list[Turn]:
    """The last ``limit`` turns of what the browser sent; records that are not
    turns are dropped (a stale format, or a hand-edited store)."""
    if not isinstance(records, list):
        return []
    turns = []
    for record in records[-limit:]:
        try:
            turns.append(Turn.from_record(record))
        except (ValueError, TypeError):
            continue
    return turns


def to_records(turns: Sequence[Turn]) -> list[dict[str, Any]]:
    return [turn.to_record() for turn in turns]


def _text(value: Any, limit: int, name: str) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError(f"{name} must be text of at most {limit} characters")
    return value


def _whole(value: Any, low: int, high: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}")
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number")
    return float(value)


def _unit(value: Any, name: str) -> float:
    number = _number(value, name)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} must be from 0 to 1")
    return number


def _choice(value: Any, allowed: Sequence[str], name: str) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}")
    return str(value)


def _list(value: Any, limit: int, name: str) -> list[Any]:
    if not isinstance(value, list) or len(value) > limit:
        raise ValueError(f"{name} must be a list of at most {limit}")
    return value


def _sentence(value: Any) -> AnswerSentence:
    if not isinstance(value, dict):
        raise ValueError("the answer sentence is an object")
    start = _whole(value.get("start"), 0, 2**53, "start")
    return AnswerSentence(
        text=_text(value.get("text"), MAX_TEXT, "the answer sentence"),
        passage_rank=_whole(value.get("passage_rank"), 1, MAX_TOP_K, "passage_rank"),
        start=start,
        end=_whole(value.get("end"), start, 2**53, "end"),
        score=_number(value.get("score"), "score"),
        speaker=_choice(value.get("speaker"), SPEAKERS, "speaker"),
    )


def _shown(value: Any) -> ShownPassage:
    if not isinstance(value, list) or len(value) != 6:
        raise ValueError("a shown passage is [id, rank, score, source, paragraph, speaker]")
    id_, rank, score, source, paragraph, speaker = value
    return ShownPassage(
        id=_whole(id_, 0, 2**53, "passage id"),
        rank=_whole(rank, 1, MAX_TOP_K, "rank"),
        score=_number(score, "score"),
        source=_text(source, MAX_NAME, "source"),
        paragraph=_whole(paragraph, 0, 2**53, "paragraph"),
        speaker=_choice(speaker, SPEAKERS, "speaker"),
    )
