"""The typed values that cross module boundaries.

Data flows one way: Document -> Passage -> (index) -> Hit -> Answer.
Offsets are character offsets into the document's text as decoded from
UTF-8 without newline translation, so ``document.text[p.start:p.end] == p.text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
    for the opening paragraph, a Markdown heading in other documents).
    ``sentences`` are absolute (start, end) offsets of the passage's sentences.
    """

    id: int
    source: str
    start: int
    end: int
    paragraph: int
    section: str
    text: str
    sentences: tuple[tuple[int, int], ...]

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
        }


@dataclass(frozen=True)
class AnswerSentence:
    """The sentence that best answers the question, inside hit ``passage_rank``."""

    text: str
    passage_rank: int
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Answer:
    """Everything the system says about one question (the ``ask --json`` object)."""

    question: str
    abstained: bool
    sentence: AnswerSentence | None
    hits: tuple[Hit, ...]
    # How sure the system is that the corpus answers the question, in [0, 1].
    confidence: float = 1.0
    # The earlier question this one was read with, when it leaned on it. Shown
    # to people; not part of the JSON object, whose format stays fixed.
    context: str | None = None

    def to_dict(self) -> dict[str, Any]:
        answer = None
        if self.sentence is not None:
            answer = {
                "text": self.sentence.text,
                "passage_rank": self.sentence.passage_rank,
                "start": self.sentence.start,
                "end": self.sentence.end,
            }
        return {
            "question": self.question,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "answer": answer,
            "passages": [hit.to_dict() for hit in self.hits],
        }
