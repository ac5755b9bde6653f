"""What kind of answer a question expects, and whether a sentence has one.

Classic factoid question answering: "how many" wants a number, "when" a
date. Only these two kinds are recognised: they are cheap to spot in a
sentence (digits, number words, years, months), and a sentence without one
cannot answer such a question however similar its words are. Used to choose
the answer sentence, never to filter passages.
"""

from __future__ import annotations

import re

NUMBER = "number"
DATE = "date"

_NUMBER_QUESTION = re.compile(r"^\s*(how\s+(many|much|long|old|often)\b)|\b(number\s+of|count|total)\b", re.IGNORECASE)
_DATE_QUESTION = re.compile(r"^\s*when\b|\b(what|which)\s+(year|month|date|day)\b|\bin\s+what\s+year\b", re.IGNORECASE)
_NUMBER = re.compile(
    r"\b\d+([.,]\d+)?\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty"
    r"|forty|fifty|hundred|thousand|million|billion|dozen|first|second|third|fourth|fifth|sixth|seventh)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(1[89]|20)\d\d\b|\b(January|February|March|April|May|June|July|August|September|October|November"
    r"|December)\b"
)


def expected(question: str) -> str | None:
    """NUMBER, DATE, or None when the question wants neither (or cannot be told)."""
    if _DATE_QUESTION.search(question):
        return DATE
    if _NUMBER_QUESTION.search(question):
        return NUMBER
    return None


def has(sentence: str, kind: str | None) -> bool:
    """Whether ``sentence`` contains an answer of ``kind`` (False for None)."""
    if kind == DATE:
        return _DATE.search(sentence) is not None
    if kind == NUMBER:
        return _NUMBER.search(sentence) is not None
    return False
