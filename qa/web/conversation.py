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

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any

from qa.config import MODES
from qa.feedback.tokens import MAX_REPLY_ID, MAX_TOKEN
from qa.inputs import MAX_QUESTION_CHARS, visible_text
from qa.records import MaxLength, OneOf, Range, parse
from qa.types import Answer, AnswerSentence, Hit, Outcome, Passage, Point, Span

VOTES = ("like", "dislike")
SPEAKERS = ("interviewer", "interviewee")
MAX_TEXT = 4000  # an answer sentence, a note
MAX_NAME = 300  # a source file name, an index id
KINDS = ("fact", "list", "summary", "about")  # Answer.kind
MAX_POINTS = 12  # a list or summary's points kept with a turn
MAX_POINT = 1000  # a point's text
MAX_SHOWN = 10  # passages a chat reply shows at most: the settings slider's maximum


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
    outcome: Outcome | None
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
    kind: str = "fact"
    points: tuple[Point, ...] = ()
    reply_id: str = ""  # unique per reply the server produced: one vote per reply
    token: str = ""  # the server's signature of what a vote on it stores (qa.feedback.tokens)
    language: str = "en"  # the question's (qa.answer.language): the reply's words are in it

    def __post_init__(self) -> None:
        if self.outcome is not None:  # an outcome given as its text is that Outcome (ValueError when none)
            object.__setattr__(self, "outcome", Outcome(self.outcome))

    @classmethod
    def from_answer(cls, answer: Answer, index_id: str, top_k: int, mode: str) -> Turn:
        # Plain floats: a score may be a NumPy scalar, which JSON does not take.
        shown = tuple(
            ShownPassage(h.passage.id, h.rank, float(h.score), h.passage.source, h.passage.paragraph, h.passage.speaker)
            for h in answer.hits
        )
        sentence = answer.sentence if answer.outcome == Outcome.ANSWERED else None
        if sentence is not None:
            sentence = replace(sentence, score=float(sentence.score))
        return cls(
            question=answer.question,
            outcome=answer.outcome,
            index_id=index_id,
            top_k=top_k,
            mode=mode,
            previous=answer.previous or "",
            sentence=sentence,
            confidence=float(answer.confidence),
            answer_confidence=None if answer.answer_confidence is None else float(answer.answer_confidence),
            passages=shown,
            kind=answer.kind if answer.kind in KINDS else "fact",
            points=answer.points[:MAX_POINTS] if sentence is not None else (),
            reply_id=uuid.uuid4().hex,
            language=answer.language,
        )

    @classmethod
    def refused(cls, question: str, note: str, index_id: str, top_k: int, mode: str) -> Turn:
        return cls(question=question, outcome=None, index_id=index_id, top_k=top_k, mode=mode, note=note)

    @property
    def can_be_previous(self) -> bool:
        """Whether a later follow-up may lean on this question: only one the
        interview answers or discusses (an off-topic question, or pasted junk,
        would lead the next "what about its ...?" astray)."""
        return self.outcome in (Outcome.ANSWERED, Outcome.RELATED)

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
            previous=self.previous or None,
            kind=self.kind,
            points=self.points,
            language=self.language,
        )

    def to_record(self) -> dict[str, Any]:
        """The turn as JSON-ready values, to keep in the browser."""
        sentence = self.sentence
        return {
            "question": self.question,
            "outcome": None if self.outcome is None else self.outcome.value,  # plain JSON text
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
                "short": None if sentence.short is None else sentence.short.to_dict(),
            },
            "confidence": self.confidence,
            "answer_confidence": self.answer_confidence,
            "passages": [[p.id, p.rank, p.score, p.source, p.paragraph, p.speaker] for p in self.passages],
            "note": self.note,
            "vote": self.vote,
            "kind": self.kind,
            "points": [[p.text, p.source, p.paragraph, p.start, p.end, p.speaker] for p in self.points],
            "reply_id": self.reply_id,
            "token": self.token,
            "language": self.language,
        }

    @classmethod
    def from_record(cls, record: Any) -> Turn:
        """A turn from :meth:`to_record`'s values, every field checked
        (:mod:`qa.records`): anything else is a ValueError or TypeError
        (records come back from the browser). A record holding a lone
        surrogate is refused (no JSON encoder takes it back to the browser);
        its question and earlier question are cleaned as a question is."""
        json.dumps(record, ensure_ascii=False).encode("utf-8")  # UnicodeEncodeError: a ValueError
        kept = parse(_TurnRecord, record, "", unknown="ignore")
        sentence = None if kept.sentence is None else kept.sentence.value()
        outcome = None if kept.outcome is None else Outcome(kept.outcome)
        turn = cls(
            question=visible_text(kept.question),
            outcome=outcome,
            index_id=kept.index_id,
            top_k=kept.top_k,
            mode=kept.mode,
            previous=visible_text(kept.previous),
            sentence=sentence,
            confidence=kept.confidence,
            answer_confidence=kept.answer_confidence,
            passages=tuple(ShownPassage(*shown) for shown in kept.passages),
            note=kept.note,
            vote=kept.vote,
            kind=kept.kind,
            points=tuple(Point(*point) for point in kept.points),
            reply_id=kept.reply_id,
            token=kept.token,
            language=kept.language,
        )
        if outcome is not None and not turn.question.strip():
            raise ValueError("an answer needs its question")
        if (outcome is None) != bool(turn.note) or (turn.sentence is not None) != (outcome == Outcome.ANSWERED):
            raise ValueError("the outcome, the note and the answer sentence disagree")
        return turn


# What a record from the browser may hold, with its bounds; a turn the chat
# made is always within them (a question is cut to MAX_QUESTION_CHARS, plus "…").
Whole = Annotated[int, Range(0, 2**53)]
Rank = Annotated[int, Range(1, MAX_SHOWN)]
Speaker = Annotated[str, OneOf(SPEAKERS)]
Name = Annotated[str, MaxLength(MAX_NAME)]
Text = Annotated[str, MaxLength(MAX_TEXT)]
Unit = Annotated[float, Range(0.0, 1.0)]


@dataclass(frozen=True)
class _SpanRecord:
    text: Text
    start: Whole
    end: Whole


@dataclass(frozen=True)
class _SentenceRecord:
    text: Text
    passage_rank: Rank
    start: Whole
    end: Whole
    score: float
    speaker: Speaker
    short: _SpanRecord | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the answer sentence ends before it starts")
        if self.short is not None and not (self.start <= self.short.start <= self.short.end <= self.end):
            raise ValueError("the short answer lies outside its sentence")

    def value(self) -> AnswerSentence:
        short = None if self.short is None else Span(self.short.text, self.short.start, self.short.end)
        return AnswerSentence(self.text, self.passage_rank, self.start, self.end, self.score, self.speaker, short)


@dataclass(frozen=True)
class _TurnRecord:
    question: Annotated[str, MaxLength(MAX_QUESTION_CHARS + 1)]
    outcome: Annotated[str, OneOf(tuple(Outcome))] | None
    index_id: Name
    top_k: Rank
    mode: Annotated[str, OneOf(MODES)]
    confidence: Unit
    passages: Annotated[list[tuple[Whole, Rank, float, Name, Whole, Speaker]], MaxLength(MAX_SHOWN)]
    previous: Annotated[str, MaxLength(MAX_QUESTION_CHARS)] = ""
    sentence: _SentenceRecord | None = None
    answer_confidence: Unit | None = None
    note: Text = ""
    vote: Annotated[str, OneOf(VOTES)] | None = None
    kind: Annotated[str, OneOf(KINDS)] = "fact"
    points: Annotated[
        list[tuple[Annotated[str, MaxLength(MAX_POINT)], Name, Whole, Whole, Whole, Speaker]], MaxLength(MAX_POINTS)
    ] = ()
    reply_id: Annotated[str, MaxLength(MAX_REPLY_ID)] = ""
    token: Annotated[str, MaxLength(MAX_TOKEN)] = ""
    language: Annotated[str, MaxLength(16)] = "en"  # an ISO 639 code; only the known ones change the words


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
