"""What kind of answer a question expects, and whether a sentence holds one.

Classic factoid question answering: "how many" wants a count, "when" a
date, "who" a person, "which country" a country. The kinds are spotted with
patterns and small word lists: cheap, and a sentence without an answer of
the kind asked for cannot answer the question however similar its words
are. A signal for choosing the answer sentence and for deciding whether the
interview answers the question at all; never a filter.

Kinds: person, place, country, organisation, money, duration, count, date,
yes-no, list, reason. Yes-no, list and reason questions cannot be checked
against a sentence (``has`` is then None: unknown, not False).
"""

from __future__ import annotations

import functools
import re
from importlib import resources

PERSON = "person"
PLACE = "place"
COUNTRY = "country"
ORGANISATION = "organisation"
MONEY = "money"
DURATION = "duration"
COUNT = "count"
DATE = "date"
YES_NO = "yes-no"
LIST = "list"
REASON = "reason"
KINDS = (PERSON, PLACE, COUNTRY, ORGANISATION, MONEY, DURATION, COUNT, DATE, YES_NO, LIST, REASON)
UNCHECKABLE = frozenset({YES_NO, LIST, REASON})

_I = re.IGNORECASE
# Question patterns, tried in order: the first that matches decides.
_QUESTIONS = [
    (
        MONEY,
        re.compile(
            r"\bhow\s+much\s+(money|funding|does\s+\w+\s+cost)|\b(budget|cost|price|fund(ing)?\s+amount|"
            r"contribution|salary|spend|spent|dollars?|euros?)\b",
            _I,
        ),
    ),
    (
        DURATION,
        re.compile(
            r"\bhow\s+long\b|\bfor\s+how\s+many\s+(years|months|weeks|days)\b|\bduration\b|"
            r"\bhow\s+many\s+(years|months|weeks|days)\b|\bterm\s+(of|length)\b",
            _I,
        ),
    ),
    (
        DATE,
        re.compile(
            r"^\s*when\b|\b(what|which)\s+(year|month|date|day)\b|\bin\s+what\s+year\b|\bwhen\s+(did|was|will|"
            r"is|were|does)\b|\byear\b(?!s)|\bdate\s+of\s+birth\b|\bbirthday\b",
            _I,
        ),
    ),
    (COUNT, re.compile(r"\bhow\s+many\b|\bnumber\s+of\b|\bcount\b|\btotal\b", _I)),
    (
        COUNTRY,
        re.compile(
            r"\b(which|what)\s+(\w+\s+)?(country|countries|state|states|nation|nations)\b|"
            r"\b(country|countries)\s+(took|joined|holds?|chairs?|will)\b",
            _I,
        ),
    ),
    (
        PLACE,
        re.compile(
            r"^\s*where\b|\bwhere\s+(is|was|will|did|does|are)\b|\b(which|what)\s+(city|town|place|venue|"
            r"capital)\b|\bin\s+which\s+city\b|\bheadquarter(s|ed)?\b|\baddress\b",
            _I,
        ),
    ),
    (
        ORGANISATION,
        re.compile(
            r"\b(which|what)\s+(\w+\s+)?(organi[sz]ations?|bod(y|ies)|institutions?|agenc(y|ies)|"
            r"partners?|forums?|councils?)\b",
            _I,
        ),
    ),
    (
        PERSON,
        re.compile(
            r"^\s*who\b|\bwho\s+(is|was|are|were|will|did|does|proposed|approved)\b|\bwhose\b|\b(which|"
            r"what)\s+(person|official|minister|president|leader)\b|\bname\s+of\s+the\b",
            _I,
        ),
    ),
    (
        REASON,
        re.compile(
            r"^\s*why\b|\bwhy\s+(is|was|does|did|do|are|should|would)\b|\bfor\s+what\s+reason\b|"
            r"\bwhat\s+for\b|\bpurpose\b|\bbecause\b",
            _I,
        ),
    ),
    (
        LIST,
        re.compile(
            r"\b(what|which)\s+(are|were)\s+the\b|\b(list|name)\s+(the|all)\b|\bpriorities\b|\bareas\b|"
            r"\bwhat\s+\w+\s+(areas|priorities|measures|initiatives|steps|goals|topics)\b",
            _I,
        ),
    ),
    (YES_NO, re.compile(r"^\s*(is|are|was|were|do|does|did|will|would|can|could|has|have|had|should|shall|may)\b", _I)),
]
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
    r"eighteen|nineteen|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen|dozens|hundreds|thousands"
)
_MONTHS = r"January|February|March|April|May|June|July|August|September|October|November|December"
_SENTENCES = {
    COUNT: re.compile(rf"\b\d+([.,]\d+)?\b|\b({_NUMBER_WORDS}|several|many)\b", _I),
    DATE: re.compile(rf"\b(1[89]|20)\d\d\b|\b({_MONTHS})\b|\b(today|yesterday|last\s+year|next\s+year)\b"),
    MONEY: re.compile(
        r"[$€£¥₸]|\b(dollars?|euros?|usd|eur|tenge|manat|rubles?|yuan|funds?|funding|financ\w*|"
        r"budget|contributions?)\b",
        _I,
    ),
    DURATION: re.compile(
        rf"\b(\d+|{_NUMBER_WORDS})[- ](year|month|week|day|decade)s?\b|\b(years|months|decades?)\b", _I
    ),
    PERSON: re.compile(
        r"\b(President|Ambassador|Minister|Secretary General|Chairman|Chair|Prime Minister|Mr|Mrs|Ms|Dr)"
        r"\b\.?\s*[A-Z]|\b(ministers|leaders|heads of state|experts|scientists|citizens|youth|volunteers|"
        r"people)\b|\b[A-Z][a-z]+(-[A-Z][a-z]+)?\s+[A-Z][a-z]+(ov|ev|in|ova|eva|bay|yev)\b"
    ),
    ORGANISATION: re.compile(
        r"\b[A-Z][A-Za-z]*[A-Z][A-Za-z]*\b|\b(Organi[sz]ation|Council|Forum|Fund|Secretariat|Union|"
        r"Assembly|Conference|Association|Bank|Commission|Agency|Institute|Network|Parliament)\b"
    ),
}


@functools.cache
def _country() -> re.Pattern[str]:
    """Any country name of the shipped list (compiled on first use: it is long)."""
    text = resources.files("qa.answer").joinpath("data/countries.txt").read_text(encoding="utf-8")
    names = {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}
    return re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b")


# A place: a capitalised name after "in", "at", "to" or "from" that is not a month or a weekday, or a country.
_PLACE = re.compile(rf"\b(in|at|to|from)\s+(?!(?:{_MONTHS}|the)\b)[A-Z][a-z]+")


def expected(question: str) -> str | None:
    """The kind of answer ``question`` asks for, or None when it cannot be told."""
    for kind, pattern in _QUESTIONS:
        if pattern.search(question):
            return kind
    return None


def has(sentence: str, kind: str | None) -> bool | None:
    """Whether ``sentence`` holds an answer of ``kind``: None when the kind
    cannot be checked (yes-no, list, reason) or there is no kind."""
    if kind is None or kind in UNCHECKABLE:
        return None
    if kind == COUNTRY:
        return _country().search(sentence) is not None
    if kind == PLACE:
        return _PLACE.search(sentence) is not None or _country().search(sentence) is not None
    return _SENTENCES[kind].search(sentence) is not None
