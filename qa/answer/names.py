"""Names in text: the ones a corpus uses (:class:`Lexicon`) and the world's
countries, for the reader's checks (:mod:`qa.answer.verify`) and the short
answer (:mod:`qa.answer.short`)."""

from __future__ import annotations

import functools
import re

from qa.answer import answer_type
from qa.index.keyword import stopwords

WORD = re.compile(r"[\w'’-]+")
POSSESSIVE = re.compile(r"[’']s?\b")
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:of|and|on|for|the|in)?\s*[A-Z][\w’'-]*)+")
# Words that open a question or qualify it: capitalised, but not names.
NOT_NAMES = frozenset(
    {
        *("what", "which", "who", "whom", "whose", "when", "where", "why", "how", "is", "are", "was", "were"),
        *("do", "does", "did", "will", "would", "can", "could", "has", "have", "had", "should", "the", "a", "an"),
        *("in", "on", "at", "of", "for", "to", "and", "or", "tell", "give", "list", "name", "please"),
        *("summarize", "summarise", "explain", "describe", "according", "i", "you", "he", "she", "it", "we"),
        *("they", "cica"),
    }
)


class Lexicon:
    """The names a corpus uses (capitalised phrases and their words,
    lower-cased): what makes "kyrgyzstan" in a lower-case question a
    constraint, and "NATO" one the interview cannot meet. Names found in more
    than a fifth of the passages, or in the opening one (who speaks, about
    what), are the document's own subject ("CICA", "Sarybay"): every sentence
    is about them, so they constrain nothing."""

    PERVASIVE_SHARE = 0.2

    def __init__(self, passages: list[str]) -> None:
        found: dict[str, int] = {}
        # A word the corpus also writes in lower case ("countries", "growth") is
        # a common noun, not a name, even where a capitalised phrase holds it.
        common = {_stem(w) for text in passages for w in re.findall(r"\b[a-z][\w’'-]*", text)}
        for text in passages:
            for name in _names_in(text):
                if " " in name or _stem(name) not in common:
                    found[name] = found.get(name, 0) + 1
        self.names = frozenset(found)
        self.words = frozenset(w.lower() for text in passages for w in WORD.findall(text))
        opening = _names_in(passages[0]) if passages else set()
        limit = max(2, self.PERVASIVE_SHARE * len(passages))
        self.pervasive = frozenset(n for n, count in found.items() if count >= limit or n in opening)
        self._stems = frozenset(_stem(w) for w in self.words)
        self.initials = _initials(passages)
        # Every phrase of two words or more that constrains, longest first, in one pattern.
        phrases = sorted((n for n in self.names - self.pervasive if " " in n), key=len, reverse=True)
        self.phrases = re.compile(r"\b(" + "|".join(map(re.escape, phrases)) + r")\b") if phrases else None

    def knows(self, word: str) -> bool:
        """Whether the corpus uses ``word`` at all, allowing a typo or two in a long
        word, or spells out the abbreviation it is ("CBMs": confidence building measures)."""
        abbreviation = re.fullmatch(r"([A-Z]{2,6})s?", word)
        if abbreviation and abbreviation.group(1).lower() in self.initials:
            return True
        word = word.lower()
        if word in self.words or _stem(word) in self._stems:
            return True
        if len(word) < 5:
            return False
        from rapidfuzz import fuzz, process  # only for a word the corpus does not spell so

        return process.extractOne(word, self.words, scorer=fuzz.ratio, score_cutoff=80) is not None


def _initials(passages: list[str]) -> frozenset[str]:
    """The initials of every run of two to six capitalised words the corpus
    writes, small words between them left out: what an abbreviation of a name
    it spells out can be ("cbm": Confidence Building Measures)."""
    found: set[str] = set()
    for text in passages:
        for match in _CAPITALISED_RUN.finditer(text):
            words = [w for w in WORD.findall(match.group(0)) if w[0].isupper()]
            for start in range(len(words)):
                for end in range(start + 2, min(start + 6, len(words)) + 1):
                    found.add("".join(w[0] for w in words[start:end]).lower())
    return frozenset(found)


def _stem(word: str) -> str:
    """A plain English stem, enough to tell "countries" from "Country"."""
    word = word.lower()
    for ending, replacement in (("ies", "y"), ("sses", "ss"), ("s", "")):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            return word[: -len(ending)] + replacement
    return word


def _names_in(text: str) -> set[str]:
    names: set[str] = set()
    for match in re.finditer(r"\b[A-Z][\w’'-]*(?:\s+(?:of|and|on|for|the|in)?\s*[A-Z][\w’'-]*)*", text):
        phrase = POSSESSIVE.sub("", match.group(0).strip())
        words = phrase.lower().split()
        before = text[max(0, match.start() - 3) : match.start()]
        opens_sentence = match.start() == 0 or re.search(r"([.?!:;]\s+|[“\"(]\s*|^\s*)$", before) is not None
        plain = words[0] in NOT_NAMES or words[0] in stopwords() or len(words[0]) < 3
        if len(words) == 1 and (opens_sentence or plain):
            continue
        names.add(phrase.lower())
        names.update(w for w in words if len(w) > 3 and w not in stopwords() and w not in NOT_NAMES)
    return names


@functools.cache
def country_pattern() -> re.Pattern[str]:
    return re.compile(answer_type._country().pattern, re.IGNORECASE)


@functools.cache
def _country_names() -> tuple[frozenset[str], int]:
    """The country names, lower-cased, and the most words one has."""
    names = frozenset(n.replace("\\", "").lower() for n in answer_type._country().pattern[3:-3].split("|"))
    return names, max(len(n.split()) for n in names)


@functools.lru_cache(maxsize=4096)
def countries(text: str) -> tuple[str, ...]:
    """The countries ``text`` names, in any case (a word set lookup: the
    pattern of 200 names is slow to run over every candidate)."""
    names, longest = _country_names()
    words = re.findall(r"[A-Za-z]+", text)
    lowered = [w.lower() for w in words]
    found = []
    for i in range(len(words)):
        for n in range(longest, 0, -1):
            if i + n <= len(words) and " ".join(lowered[i : i + n]) in names:
                found.append(" ".join(words[i : i + n]))
                break
    return tuple(found)
