"""The short answer: the words of the asked kind inside the answer sentence.

"When did Kuwait join CICA?" is answered by a sentence that names three
years; the short answer is the one nearest the question's own words
("Kuwait joining in 2022"). Kinds: a date, a count, a duration, a country, a
place, a person (or the country or body that did it), an organisation, an
amount of money. Questions of other kinds (why, how, what is ...) have none:
their answer is the sentence.
"""

from __future__ import annotations

import re

from qa.answer import answer_type
from qa.answer.names import countries, country_pattern
from qa.answer.verify import parts
from qa.index import keyword
from qa.types import Span

_MONTHS = answer_type._MONTHS
_PATTERNS = {
    answer_type.DATE: re.compile(rf"\b(?:(?:\d{{1,2}}\s+)?(?:{_MONTHS})\s+)?(?:19|20)\d\d\b|\b(?:{_MONTHS})\b"),
    answer_type.COUNT: re.compile(r"\b(?:more than |over |about |nearly |some )?\d+(?:[.,]\d+)*\b"),
    answer_type.DURATION: re.compile(
        r"\b(?:more than |over |about |nearly )?(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|thirty)"
        r"[- ](?:years?|months?|weeks?|days?|decades?)(?: ago)?\b",
        re.IGNORECASE,
    ),
    answer_type.MONEY: re.compile(
        r"(?:[$€£¥₸]\s?\d[\d.,]*(?:\s?(?:million|billion))?|\b\d[\d.,]*\s?(?:million|billion)"
        r"?\s?(?:dollars|euros|USD|EUR|tenge|manat)\b|\bmillions? of dollars\b)"
    ),
    answer_type.PERSON: re.compile(
        r"\b(?:President|Ambassador|Minister|Secretary General|Chairman|Prime Minister)\s+(?:[A-Z][\w-]+\s?){1,3}"
    ),
    answer_type.ORGANISATION: re.compile(
        r"\b(?:the\s+)?(?:[A-Z][\w’'-]+\s+)*(?:Organi[sz]ation|Council|Forum|Fund|Secretariat|Union|Assembly|"
        r"Conference|Association|Bank|Commission|Agency|Institute|Network|Parliament|Nations|States)"
        r"(?:\s+(?:of|for|on)\s+(?:the\s+)?(?:[A-Z][\w’'-]+\s?)+)?|\b[A-Z]{2,}[A-Za-z]*\b"
    ),
}
# "Which countries ...", "what bodies ...": several things, no single short answer.
_PLURAL = re.compile(
    r"\b(which|what)\s+(\w+\s+)?(countries|states|organi[sz]ations|bodies|institutions|councils|cities|years|"
    r"members|observers|partners|events|measures|documents|steps|initiatives|areas|priorities)\b",
    re.IGNORECASE,
)
# A city or region: a capitalised word after a preposition of place.
_PLACE = re.compile(rf"\b(?:in|at|to|from)\s+((?!(?:{_MONTHS}|The|This|That)\b)[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)")


def short_answer(question: str, sentence: str, start: int) -> Span | None:
    """The short answer to ``question`` inside ``sentence`` (which begins at
    offset ``start`` of its file), or None when the question asks for no
    single thing or the sentence holds none that the question does not."""
    if len(parts(question)) > 1 or _PLURAL.search(question):
        return None  # two questions, or one asking for several things: the sentence is the answer
    kind = answer_type.expected(question)
    spans = _spans(kind, sentence)
    asked = question.lower()
    spans = [(s, e) for s, e in spans if sentence[s:e].lower().strip() not in asked]
    if not spans:
        return None
    anchors = _anchors(question, sentence)
    asides = [m.span() for m in re.finditer(r"\([^)]*\)", sentence)]
    s, e = min(spans, key=lambda span: (_inside(span, asides), _distance(span, anchors), span[0]))
    text = sentence[s:e].strip().rstrip(",.;:")
    s += len(sentence[s:e]) - len(sentence[s:e].lstrip())
    return Span(text, start + s, start + s + len(text))


def _spans(kind: str | None, sentence: str) -> list[tuple[int, int]]:
    if kind in (answer_type.COUNTRY, answer_type.PLACE, answer_type.PERSON):
        found = [m.span() for m in country_pattern().finditer(sentence)]
        if kind == answer_type.PLACE:
            found += [m.span(1) for m in _PLACE.finditer(sentence) if not countries(m.group(1))]
        if kind == answer_type.PERSON:
            found += [m.span() for m in _PATTERNS[answer_type.PERSON].finditer(sentence)]
        return found
    if kind == answer_type.COUNT:
        years = {m.span() for m in re.finditer(r"\b(?:19|20)\d\d\b", sentence)}
        return [m.span() for m in _PATTERNS[kind].finditer(sentence) if m.span() not in years]
    pattern = _PATTERNS.get(kind or "")
    return [m.span() for m in pattern.finditer(sentence)] if pattern else []


def _anchors(question: str, sentence: str) -> list[int]:
    """Where the question's own words (stemmed) stand in the sentence: its
    names (capitalised words, countries) when the sentence holds any, else
    all its words."""
    names = {w for w in re.findall(r"(?<!^)\b[A-Z][\w’'-]+", question.strip())} | set(countries(question))
    for terms in (set(keyword.analyse(" ".join(names))), set(keyword.analyse(question))):
        found = [m.start() for m in re.finditer(r"[\w’'-]+", sentence) if set(keyword.analyse(m.group(0))) & terms]
        if found:
            return found
    return []


def _inside(span: tuple[int, int], asides: list[tuple[int, int]]) -> bool:
    """Whether ``span`` lies in a parenthesis: an aside ("China, during its
    chairmanship (before Kazakhstan), established ...") is not the answer."""
    return any(a <= span[0] and span[1] <= b for a, b in asides)


def _distance(span: tuple[int, int], anchors: list[int]) -> int:
    if not anchors:
        return 0
    return min(min(abs(a - span[0]), abs(a - span[1])) for a in anchors)
