"""What :mod:`qa.answer.short` needs of the answer checks: the parts of a
two-part question and the countries a text names.

Commit fb63169 imports this module but never added it; these are the three
functions it uses, as written for the verification work in progress, which
will replace this file with the whole module.
"""

from __future__ import annotations

import functools
import re

from qa.answer import answer_type

# A second question joined to the first ("When did X join, and which ...?").
_PARTS = re.compile(r"[?;]\s*|,?\s+and\s+(?=(?:what|which|who|when|where|how|why|is|are|was|were|did|does)\b)", re.I)


def parts(question: str) -> list[str]:
    """The questions in ``question``: usually one, two in "When ..., and which ...?"."""
    found = [p.strip() for p in _PARTS.split(question) if p and len(p.strip()) > 2]
    return found or [question]


@functools.cache
def _country_pattern() -> re.Pattern[str]:
    return re.compile(answer_type._country().pattern, re.IGNORECASE)


def _countries(text: str) -> list[str]:
    return _country_pattern().findall(text)
