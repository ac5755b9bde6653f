"""Verification: does a candidate sentence say what was asked?

Between choosing sentences and claiming one, each candidate is checked
against the question's constraints and the kind of answer it asks for, with
the reason recorded:

  constraints   the years, numbers, ordinals ("the fifth summit"), countries
                and names (bodies, documents, people: the corpus's own
                capitalised phrases, matched in any case) the question
                names, and the contrasts it draws (observer / member, the
                Charter / the Road Map, before / currently)
  conflict      the sentence names a different value of the same kind and
                not the asked one ("Sixth Summit" for "the fifth summit",
                "Uzbekistan" for "Kyrgyzstan", "observer" for "full
                member"): a hard no
  missing       an asked constraint is in neither the sentence, its passage
                nor the interviewer question it answers: a hard no; in the
                passage only: a weaker candidate (the learned verifier weighs it)
  answer kind   a question that asks for a date, a place, a country, a number,
                a person or body must find one in the sentence that the
                question does not already hold ("Which city will host the 2026
                Summit?" is not answered by a sentence with no city)
  adds          the sentence says something the question does not

Pure functions over strings, written from the patterns seen in questions
people wrote (see the README's evaluation); nothing here is fitted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from qa.answer import answer_type
from qa.answer.names import NOT_NAMES, POSSESSIVE, WORD, Lexicon, countries
from qa.index.keyword import stopwords

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}  # fmt: skip
_ORDINAL = re.compile(r"\b(" + "|".join(_ORDINALS) + r"|\d{1,2}(?:st|nd|rd|th))\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\b")
# A second question joined to the first ("When did X join, and which ...?"):
# each part has its own constraints, and a sentence may answer either.
_PARTS = re.compile(r"[?;]\s*|,?\s+and\s+(?=(?:what|which|who|when|where|how|why|is|are|was|were|did|does)\b)", re.I)
_QUESTIONWORDS = {
    "wich": "which", "whcih": "which", "wat": "what", "wht": "what", "whta": "what", "wen": "when",
    "whn": "when", "wher": "where", "whre": "where", "hw": "how", "howmany": "how many", "whos": "who is",
}  # fmt: skip
_QUESTIONWORD_TYPOS = re.compile(r"\b(" + "|".join(_QUESTIONWORDS) + r")\b", re.IGNORECASE)
# Questions about what would or will be, or what happens if: a sentence that
# says nothing of the future or of a condition does not answer them.
_HYPOTHETICAL = re.compile(
    r"\b(what\s+(happens|would\s+happen|will\s+happen)|would|if\s+\w+|will\s+\w+\s+(be|take|succeed|become|"
    r"hold|host|replace|chair|follow)|who\s+will|which\s+\w+\s+will|after\s+\w+\s+(leaves|ends))\b",
    re.IGNORECASE,
)
_CONDITIONAL_QUESTION = re.compile(r"\b(happens?|happen|would)\b.*\bif\b|\bif\b.*\b(not|fails?|refuses?)\b", re.I)
_CONDITIONAL = re.compile(r"\b(if|unless|otherwise|without|in case)\b", re.IGNORECASE)
_FUTURE = re.compile(
    r"\b(will|would|if|intends?|plans?|aims?|expects?|to be|is to|are to|going to|shall|future|next|upcoming|"
    r"priorit\w*|goals?)\b",
    re.IGNORECASE,
)
# A city or town asked for: a country does not answer it.
_CITY = re.compile(r"\b(city|town|capital)\b", re.IGNORECASE)
# Questions whose kind of answer is plain from their opening words (or that ask for a date
# of birth outright): for them a sentence without one is a hard no.
_STRONG_KIND = re.compile(
    r"^\s*(when\b|where\b|how\s+many\b|how\s+much\b|(in\s+)?(what|which)\s+(year|city|country|countries)\b)"
    r"|\b(date\s+of\s+birth|birthday)\b",
    re.I,
)
# Pairs a question may contrast: the sentence holding the other side and not
# the asked one answers a different question.
_MEMBER = re.compile(r"\b(full[- ]fledged member|full members?|member states?)\b", re.I)
_THEN = re.compile(r"\bbefore\s+(?:19|20)\d\d\b|\bpreviously\b|\boriginally\b", re.I)
_CONTRASTS = (
    (re.compile(r"\bobservers?\b", re.I), _MEMBER),
    (re.compile(r"\bcharter\b", re.I), re.compile(r"\broad\s*map\b", re.I)),
    (_THEN, re.compile(r"\bcurrently\b|\btoday\b|\bnow\b", re.I)),
)


@dataclass(frozen=True)
class Constraints:
    """What a question fixes, that a sentence answering it must not contradict."""

    years: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    ordinals: frozenset[int] = frozenset()
    countries: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()  # lower-cased phrases the corpus uses as names
    unknown_names: frozenset[str] = frozenset()  # capitalised words the corpus never uses
    contrasts: tuple[int, ...] = ()  # index into _CONTRASTS: (asked side first)
    expects: str | None = None  # the kind of answer (qa.answer.answer_type)
    expects_surely: bool = False  # the opening words say it ("when", "how many", "which city")
    question: str = ""  # as normalised


@dataclass(frozen=True)
class Check:
    """A candidate sentence against a question's constraints."""

    conflict: str | None  # why it cannot be the answer (a hard no), or None
    missing: tuple[str, ...]  # constraints found only in the passage or the interviewer's question
    type_filled: bool | None  # holds an answer of the kind asked (None: cannot tell)
    adds: bool  # says something the question does not

    @property
    def passes(self) -> bool:
        return self.conflict is None

    @property
    def reason(self) -> str:
        if self.conflict:
            return self.conflict
        if self.type_filled is False:
            return "it does not hold the kind of answer asked for"
        if self.missing:
            return f"only its context names {', '.join(self.missing)}"
        return "it fits the question"


def parts(question: str) -> list[str]:
    """The questions in ``question``: usually one, two in "When ..., and which ...?"."""
    found = [p.strip() for p in _PARTS.split(question) if p and len(p.strip()) > 2]
    return found or [question]


def normalise(question: str) -> str:
    """``question`` with its question words spelled right ("wich" -> "which")
    and possessives dropped ("CICA's" -> "CICA"), for the checks below."""
    question = _QUESTIONWORD_TYPOS.sub(lambda m: _QUESTIONWORDS[m.group(0).lower()], question)
    return POSSESSIVE.sub("", question)


def constraints(question: str, lexicon: Lexicon) -> Constraints:
    """What ``question`` fixes (years, numbers, ordinals, countries, names,
    contrasts) and the kind of answer it asks for."""
    question = normalise(question)
    lowered = question.lower()
    years = frozenset(_YEAR.findall(question))
    numbers = frozenset(n for n in _NUMBER.findall(question) if n not in years)
    ordinals = frozenset(_ordinal(m) for m in _ORDINAL.findall(question))
    in_question = frozenset(c.lower() for c in countries(question))
    names, unknown = set(), set()
    if lexicon.phrases is not None:
        names.update(match.group(1) for match in lexicon.phrases.finditer(lowered))
    covered = " ".join(names)
    for word in {w.lower() for w in WORD.findall(question)}:
        if word in lexicon.pervasive or word in covered or word in in_question or word not in lexicon.names:
            continue
        if word not in stopwords() and word not in NOT_NAMES and len(word) > 3:
            capitalised = re.search(rf"\b{re.escape(word)}\b", question, re.I).group(0)[0].isupper()
            names.add(word if capitalised else f"~{word}")  # a lower-case word constrains softly
    for match in re.finditer(r"(?<!^)(?<![.?!]\s)\b[A-Z][A-Za-z’'-]{2,}\b", question):
        word = match.group(0).lower()
        if word in NOT_NAMES or word in stopwords() or word in covered or word in in_question or word in names:
            continue
        if not lexicon.knows(match.group(0)) and word not in lexicon.pervasive:
            unknown.add(word)
    strong = _STRONG_KIND.search(question) is not None
    contrasts = tuple(i for i, (asked, _) in enumerate(_CONTRASTS) if asked.search(question))
    contrasts += tuple(
        -1 - i for i, (_, other) in enumerate(_CONTRASTS) if other.search(question) and i not in contrasts
    )
    return Constraints(
        years, numbers, ordinals, in_question, frozenset(names), frozenset(unknown), contrasts,
        answer_type.expected(question), strong, question,
    )  # fmt: skip


# A question's constraints, once per question and corpus (the reader checks many sentences against them).
constraints_of = functools.lru_cache(maxsize=1024)(constraints)


def verify(question: str, sentence: str, context: str, lexicon: Lexicon) -> Check:
    """``sentence`` (with ``context``: its passage and the interviewer's
    question it answers) against ``question``: against each of its parts when
    it asks two things, the check of the part it fits best."""
    checks = [check(constraints_of(part, lexicon), part, sentence, context) for part in parts(question)]
    return min(checks, key=lambda c: (c.conflict is not None, c.type_filled is False, len(c.missing)))


def check(asked: Constraints, question: str, sentence: str, context: str) -> Check:
    """``sentence`` (with ``context``) against the constraints of one question."""
    around = f"{sentence} {context}"
    conflict = _conflict(asked, sentence, around)
    missing = tuple(_missing(asked, sentence, around))
    hard_missing = [m for m in missing if m.startswith("!")]
    if conflict is None and hard_missing:
        conflict = f"neither it nor its context names {hard_missing[0][1:]}"
    filled = _type_filled(asked, question, sentence)
    if conflict is None and filled is False and asked.expects_surely:
        conflict = f"it holds no {asked.expects}, which the question asks for"
    return Check(conflict, tuple(m.lstrip("!") for m in missing), filled, _adds(question, sentence))


def _conflict(asked: Constraints, sentence: str, around: str) -> str | None:
    if asked.unknown_names:
        return f"the interview never names {sorted(asked.unknown_names)[0]}"
    held_years = set(_YEAR.findall(sentence))
    if asked.years and held_years and not asked.years & held_years:
        return f"it is about {', '.join(sorted(held_years))}, not {', '.join(sorted(asked.years))}"
    held_ordinals = {_ordinal(m) for m in _ORDINAL.findall(sentence)}
    if asked.ordinals and held_ordinals and not asked.ordinals & held_ordinals:
        return "it names another ordinal (another summit, meeting or event)"
    held_countries = {c.lower() for c in countries(sentence)}
    if asked.countries and held_countries and not asked.countries & held_countries:
        return f"it is about {', '.join(sorted(held_countries))}, not {', '.join(sorted(asked.countries))}"
    for index in asked.contrasts:
        if index >= 0:
            side, other = _CONTRASTS[index]
        else:
            other, side = _CONTRASTS[-1 - index]
        if other.search(sentence) and (not side.search(sentence) or _nearest_side(asked, sentence, side, other)):
            return "it speaks of the other side of what was asked (observer / member, Charter / Road Map, then / now)"
    if _CONDITIONAL_QUESTION.search(asked.question) and not _CONDITIONAL.search(sentence):
        return "the question asks what would happen if; the sentence sets no condition"
    if _HYPOTHETICAL.search(asked.question) and not _FUTURE.search(sentence):
        return "the question asks what will or would be; the sentence says what is or was"
    return None


def _nearest_side(asked: Constraints, sentence: str, side: re.Pattern[str], other: re.Pattern[str]) -> bool:
    """Whether, where the sentence holds both sides of a contrast, the one
    that governs the question's own country or name is the other side: in
    "28 Member States, with Kuwait joining in 2022 and two observer states
    –Turkmenistan in 2021", Kuwait is a member and Turkmenistan an observer
    (the side named last before it; else the first after it)."""
    low = sentence.lower()
    anchors = [low.find(c) for c in asked.countries if c in low]
    anchors = anchors or [low.find(n) for n in asked.names if not n.startswith("~") and n in low]
    if not anchors:
        return False
    at = min(anchors)
    before = [(m.start(), False) for m in side.finditer(sentence) if m.start() < at]
    before += [(m.start(), True) for m in other.finditer(sentence) if m.start() < at]
    if before:
        return max(before)[1]
    after = [(m.start(), False) for m in side.finditer(sentence)]
    after += [(m.start(), True) for m in other.finditer(sentence)]
    return min(after)[1] if after else False


def _missing(asked: Constraints, sentence: str, around: str) -> Iterable[str]:
    """Each asked constraint the sentence lacks; "!" marks one its context lacks too."""
    low, low_around = sentence.lower(), around.lower()
    for value in sorted(asked.years | asked.numbers):
        if value not in sentence:
            yield value if value in around else f"!{value}"
    for country in sorted(asked.countries):
        if country not in low:
            yield country if country in low_around else f"!{country}"
    for name in sorted(asked.names):
        soft, name = name.startswith("~"), name.lstrip("~")
        if not _holds(low, name):
            yield name if soft or _holds(low_around, name) else f"!{name}"


def _holds(text: str, name: str) -> bool:
    """Whether ``text`` names ``name``, or (for a phrase) all of its content words."""
    if name in text:
        return True
    words = [w for w in name.split() if w not in stopwords()]
    return bool(words) and all(re.search(rf"\b{re.escape(w)}", text) for w in words)


def _type_filled(asked: Constraints, question: str, sentence: str) -> bool | None:
    """Whether the sentence holds an answer of the asked kind that the question
    does not already hold. None when the kind cannot be checked."""
    kind = asked.expects
    if kind is None or kind in answer_type.UNCHECKABLE:
        return None
    if kind == answer_type.DATE:
        return bool(set(_YEAR.findall(sentence)) - asked.years) or bool(re.search(answer_type._MONTHS, sentence))
    if kind == answer_type.COUNT:
        numbers = set(_NUMBER.findall(sentence)) - asked.numbers - asked.years - set(_YEAR.findall(sentence))
        return bool(numbers) or answer_type.has(_without(sentence, question), kind) is True
    if kind == answer_type.DURATION:
        return answer_type.has(sentence, kind) is True
    new_countries = {c.lower() for c in countries(sentence)} - asked.countries
    wants_city = kind == answer_type.PLACE and _CITY.search(question) is not None
    if kind in (answer_type.COUNTRY, answer_type.PLACE, answer_type.PERSON) and new_countries and not wants_city:
        return True  # "who proposed it?" is answered by a country as often as by a person
    if kind == answer_type.COUNTRY:
        return False
    unasked = _without(sentence, question)
    if kind == answer_type.PLACE:
        return bool(_places(unasked))
    if kind == answer_type.PERSON and answer_type.has(unasked, answer_type.ORGANISATION):
        return True
    return answer_type.has(unasked, kind) is True


# A place: a capitalised word after "in", "at", "to" or "from", not a month,
# not "the", and not a continent ("Measures in Asia" names no venue).
_PLACE_NAME = re.compile(
    rf"\b(?:in|at|to|from)\s+(?!(?:{answer_type._MONTHS}|The|This|Asia|Europe|Africa|America|Eurasia)\b)([A-Z][a-z]+)"
)


def _places(text: str) -> list[str]:
    """Cities and regions named after a preposition (countries are found apart)."""
    return [m.group(1) for m in _PLACE_NAME.finditer(text) if not countries(m.group(1))]


def _without(sentence: str, question: str) -> str:
    """``sentence`` with the question's own words blanked out: an answer must be new."""
    words = {w.lower() for w in WORD.findall(question) if len(w) > 2}
    return WORD.sub(lambda m: m.group(0) if m.group(0).lower() not in words else "_", sentence)


def _adds(question: str, sentence: str) -> bool:
    asked = {w.lower() for w in WORD.findall(question)}
    return any(w.lower() not in asked and w.lower() not in stopwords() for w in WORD.findall(sentence))


def _ordinal(token: str) -> int:
    token = token.lower()
    return _ORDINALS.get(token) or int(re.sub(r"\D", "", token) or 0)
