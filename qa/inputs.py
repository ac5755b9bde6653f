"""Checking what people and programs send: the question, ``top_k``, the mode.

Every check raises :class:`~qa.errors.InvalidArgument` (or its
:class:`~qa.errors.InvalidQuestion`) with a message a person can act on.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np

from qa.config import MAX_TOP_K, MODES
from qa.errors import InvalidArgument, InvalidQuestion

MAX_QUESTION_CHARS = 1000
# Control, format (zero-width, bidi), surrogate, private-use and unassigned characters.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def visible_text(text: str) -> str:
    """``text`` without invisible characters, runs of whitespace collapsed."""
    kept = "".join(c if c.isspace() or unicodedata.category(c) not in _INVISIBLE else " " for c in text)
    return " ".join(kept.split())


def clean_text(value: str, limit: int) -> str:
    """``value`` as it is kept (a comment, a question in a vote): visible text
    only (no control, zero-width or direction characters, which no database
    takes or which reorder what a terminal shows), cut to ``limit`` characters."""
    return visible_text(value[: 4 * limit])[:limit].rstrip()


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with "…" after the cut when it was longer."""
    return text if len(text) <= limit else text[:limit] + "…"


def clean_question(question: Any) -> str:
    """The question as searched. Blank, or longer than MAX_QUESTION_CHARS
    once cleaned, is an InvalidQuestion."""
    if not isinstance(question, str):
        raise InvalidQuestion("the question must be text")
    if len(question) > 4 * MAX_QUESTION_CHARS:  # refuse before scanning a huge input
        raise InvalidQuestion(f"the question is longer than {MAX_QUESTION_CHARS} characters")
    text = visible_text(question)
    if not text:
        raise InvalidQuestion("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(f"the question is longer than {MAX_QUESTION_CHARS} characters")
    return text


def clean_previous(previous: Any) -> str:
    """The earlier question a follow-up may lean on: cleaned and cut to the
    question limit; anything that is not text counts as none."""
    if not isinstance(previous, str):
        return ""
    return visible_text(previous[: 4 * MAX_QUESTION_CHARS])[:MAX_QUESTION_CHARS]


def check_previous(previous: Any) -> None:
    """A ``previous`` question sent by a person or a program (CLI, API): over
    the question limit once cleaned is an InvalidArgument, as the question is.
    (The chat's own context, built from questions already checked, is cut by
    :func:`clean_previous` instead.)"""
    if previous is not None and not isinstance(previous, str):
        raise InvalidArgument("the previous question must be text")
    if isinstance(previous, str) and (
        len(previous) > 4 * MAX_QUESTION_CHARS or len(visible_text(previous)) > MAX_QUESTION_CHARS
    ):
        raise InvalidArgument(f"the previous question is longer than {MAX_QUESTION_CHARS} characters")


def check_top_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_TOP_K:
        raise InvalidArgument(f"top_k must be a whole number from 1 to {MAX_TOP_K}, got {k!r}")
    return int(k)


def check_mode(mode: Any) -> str:
    if mode not in MODES:
        raise InvalidArgument(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    return str(mode)
