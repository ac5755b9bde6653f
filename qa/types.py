"""The typed values that cross module boundaries.

Data flows one way: Document -> Passage -> (index) -> Hit -> Answer.
Offsets are character offsets into the document's text as decoded from
UTF-8 without newline translation, so ``document.text[p.start:p.end] == p.text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """What the system says of a question; the value is what JSON carries.

    ANSWERED: a sentence of the interview is claimed as the answer.
    RELATED: the interview discusses the subject but does not answer this question.
    NOT_COVERED: the interview is not about this at all.
    """

    ANSWERED = "answered"
    RELATED = "related"
    NOT_COVERED = "not_covered"


@dataclass(frozen=True)
class Document:
    """One corpus file. ``source`` is its path relative to the corpus directory."""

    source: str
    text: str
    sha256: str


@dataclass(frozen=True)
class Passage:
    """A retrievable span of one paragraph of one document.

    ``section`` is the interviewer question the passage answers ("Introduction"
    for the opening paragraph, a Markdown heading in other documents; for the
    interviewer's question itself, that question). ``sentences`` are absolute
    (start, end) offsets of the passage's sentences. ``speaker`` is
    "interviewer" or "interviewee".
    """

    id: int
    source: str
    start: int
    end: int
    paragraph: int
    section: str
    text: str
    sentences: tuple[tuple[int, int], ...]
    speaker: str = "interviewee"
    # Where ``section`` (the interviewer's question) stands in the file: the
    # facts the interviewer states only inside a question can be answers too.
    # -1 for the introduction, a heading, or a question not found verbatim.
    section_start: int = -1

    @property
    def section_span(self) -> tuple[int, int] | None:
        return None if self.section_start < 0 else (self.section_start, self.section_start + len(self.section))

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "paragraph": self.paragraph,
            "section": self.section,
            "text": self.text,
            "sentences": [list(span) for span in self.sentences],
            "speaker": self.speaker,
            "section_start": self.section_start,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Passage:
        return cls(
            id=int(record["id"]),
            source=str(record["source"]),
            start=int(record["start"]),
            end=int(record["end"]),
            paragraph=int(record["paragraph"]),
            section=str(record["section"]),
            text=str(record["text"]),
            sentences=tuple((int(s), int(e)) for s, e in record["sentences"]),
            speaker=str(record["speaker"]),
            section_start=int(record.get("section_start", -1)),
        )

    def sentence_text(self, span: tuple[int, int]) -> str:
        return self.text[span[0] - self.start : span[1] - self.start]


@dataclass(frozen=True)
class Hit:
    """A passage returned for a question, with its score and 1-based rank."""

    passage: Passage
    score: float
    rank: int

    def to_dict(self) -> dict[str, Any]:
        p = self.passage
        return {
            "rank": self.rank,
            "text": p.text,
            "score": round(self.score, 6),
            "source": p.source,
            "start": p.start,
            "end": p.end,
            "paragraph": p.paragraph,
            "section": p.section,
            "speaker": p.speaker,
        }


@dataclass(frozen=True)
class Span:
    """Some words of a corpus file and their offsets: ``text == file[start:end]``."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class AnswerSentence:
    """The sentence that best answers the question, inside hit ``passage_rank``
    (its passage, or the interviewer's question that passage answers).
    ``short`` is the words of the asked kind inside it ("2022", "Astana"), when
    the question asks for one such thing."""

    text: str
    passage_rank: int
    start: int
    end: int
    score: float
    speaker: str = "interviewee"
    short: Span | None = None


@dataclass(frozen=True)
class Point:
    """One point of an answer that is a list or a summary: a sentence of the
    interview, where it is and who says it."""

    text: str
    source: str
    paragraph: int
    start: int
    end: int
    speaker: str = "interviewee"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "speaker": self.speaker,
            "source": self.source,
        }


@dataclass(frozen=True)
class Answer:
    """Everything the system says about one question (the ``ask --json`` object).

    ``outcome``: "answered" (an answer sentence is claimed), "related" (the
    interview discusses the subject but does not seem to answer this exact
    question) or "not_covered". ``sentence`` is None unless answered;
    ``abstained`` is true exactly for not_covered.
    """

    question: str
    outcome: Outcome
    sentence: AnswerSentence | None
    hits: tuple[Hit, ...]
    # How sure the system is that the question is about the corpus, in [0, 1].
    confidence: float = 1.0
    # How likely the chosen sentence answers it, in [0, 1]; None when not covered.
    answer_confidence: float | None = None
    # The previous question this one was read with, when it leaned on it. Shown
    # to people; not part of the JSON object, whose format stays fixed.
    previous: str | None = None
    # What kind of answer: "fact" (one sentence), "list" or "summary" (points
    # gathered across the interview), "about" (the interview itself).
    kind: str = "fact"
    points: tuple[Point, ...] = ()
    # For "related": the sentence that came closest, shown as such (not an answer).
    closest: AnswerSentence | None = None
    # Why the reader claimed the sentence, or did not ("it names another ordinal ...").
    reason: str | None = None
    # The question's language (ISO 639-1): "en", or "ru", "kk", "zh", ... read through the multilingual view.
    language: str = "en"

    @property
    def abstained(self) -> bool:
        return self.outcome == Outcome.NOT_COVERED

    def to_dict(self) -> dict[str, Any]:
        answer = None
        if self.sentence is not None:
            answer = {
                **_sentence_dict(self.sentence),
                "short": None if self.sentence.short is None else self.sentence.short.to_dict(),
                "kind": self.kind,
                "points": [point.to_dict() for point in self.points],
            }
        return {
            "question": self.question,
            "abstained": self.abstained,
            "outcome": self.outcome,
            "confidence": round(self.confidence, 4),
            "answer_confidence": None if self.answer_confidence is None else round(self.answer_confidence, 4),
            "answer": answer,
            "passages": [hit.to_dict() for hit in self.hits],
            "closest": None if self.closest is None else _sentence_dict(self.closest),
            "reason": self.reason,
            "language": self.language,
        }


def _sentence_dict(sentence: AnswerSentence) -> dict[str, Any]:
    return {
        "text": sentence.text,
        "passage_rank": sentence.passage_rank,
        "start": sentence.start,
        "end": sentence.end,
        "speaker": sentence.speaker,
    }
