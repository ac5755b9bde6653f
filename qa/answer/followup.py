"""Follow-up questions: reading a question together with the previous one
when it leans on it, without a language model.

A question leans on the previous one when it refers back (it, its, they,
that, there, another one ...), opens as a continuation ("and ...", "what
about ..."), or is too short to stand alone (two content words or fewer)
and every word of it is one the corpus uses: "What is the capital of
France?" or "Thanks!" asks about something new, and is read alone.
It is then searched together with the previous question's content words:
"What is its main priority?" after "Which country took over the
chairmanship in December 2024?" becomes "What is its main priority?
country took chairmanship December 2024".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.index.keyword import stopwords

_WORDS = re.compile(r"[\w'’-]+")
_REFERS_BACK = frozenset(
    {
        *("it", "its", "it's", "itself", "they", "them", "their", "theirs", "themselves"),
        *("this", "that", "these", "those", "he", "him", "his", "she", "her", "hers"),
        *("there", "then", "such", "another", "same", "former", "latter"),
        # Russian and Kazakh (a question in another language, see qa.answer.crosslingual)
        *("он", "она", "оно", "они", "его", "её", "ее", "их", "ему", "ей", "им", "этот", "эта", "это", "эти"),
        *("этого", "этой", "этом", "там", "тогда", "такой", "такие", "свой", "своя", "свои"),
        *("ол", "олар", "оның", "олардың", "бұл", "осы", "сол", "онда", "оған"),
    }
)
# Chinese is written without spaces: these refer back wherever they stand.
_REFERS_BACK_ZH = re.compile(r"它|他们|她们|他|她|其|那里|那个|这个|该")
_CONTINUES = re.compile(
    r"^(and|but|also|so|or|then|what about|how about|what else|why not|how come|а|и|ещё|еще|тогда|ал|және|那么|还有)\b",
    re.I,
)
MAX_CONTENT_WORDS = 2


def content_words(text: str) -> list[str]:
    return [w for w in _WORDS.findall(text) if w.lower() not in stopwords() and len(w) > 1]


Known = Callable[[str], bool]
"""Whether the corpus uses a word (see :meth:`qa.search.Searcher.uses_word`)."""


def leans_on_previous(question: str, known: Known | None = None) -> bool:
    words = [w.lower() for w in _WORDS.findall(question)]
    if any(w in _REFERS_BACK for w in words) or _CONTINUES.match(question.strip()) or _REFERS_BACK_ZH.search(question):
        return True
    content = content_words(question)
    return len(content) <= MAX_CONTENT_WORDS and (known is None or all(map(known, content)))


def with_previous(question: str, previous: str, known: Known | None = None) -> str | None:
    """The text to search for ``question`` read after ``previous``, or None
    when the question stands on its own (or there is nothing to lean on)."""
    carried = content_words(previous)
    if not carried or not leans_on_previous(question, known):
        return None
    return f"{question} {' '.join(carried)}"


def previous_of(questions: Sequence[str], known: Known | None = None) -> str:
    """What a new question should be read after, given the previous questions
    of a conversation in order: the last one, itself read with the one before
    when it leaned on it."""
    previous = ""
    for question in questions:
        previous = (with_previous(question, previous, known) if previous else None) or question
    return previous
