"""Suggested next questions, drawn from the interview itself: the
interviewer's questions the reply's passages answer, and the one the
interviewer asks next. Nothing is generated; every suggestion is a question
the interview answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.types import Answer, Outcome, Passage

SUGGESTIONS = 3
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")


def asked_part(section: str) -> str | None:
    """The question of an interviewer's turn: its last sentences that end
    with "?" (the statements before them left out); None for a section that
    is not a question (the introduction, a heading)."""
    sentences = [s.strip() for s in _SENTENCE.split(" ".join(section.split())) if s.strip()]
    asked: list[str] = []
    while sentences and sentences[-1].endswith("?"):
        asked.insert(0, sentences.pop())
    return " ".join(asked) or None


def interview_questions(passages: Sequence[Passage]) -> list[tuple[str, str]]:
    """Every interviewer question, in the order of the documents: (source, section)."""
    seen: dict[tuple[str, str], None] = {}
    for passage in passages:
        if asked_part(passage.section):
            seen.setdefault((passage.source, passage.section), None)
    return list(seen)


def suggestions(answer: Answer, passages: Sequence[Passage], limit: int = SUGGESTIONS) -> list[str]:
    """Up to ``limit`` questions to ask next: for a reply with passages worth
    reading, the question its main passage answers, the interviewer's next
    one, then those of the other passages; for a question the interview is
    not about, its first questions. Never the question just asked."""
    order = interview_questions(passages)
    if answer.outcome == Outcome.NOT_COVERED or not answer.hits:
        wanted = order[: limit + 1]
    else:
        rank = answer.sentence.passage_rank if answer.sentence is not None else 1
        main = next((h.passage for h in answer.hits if h.rank == rank), answer.hits[0].passage)
        key = (main.source, main.section)
        after = order[order.index(key) + 1 : order.index(key) + 2] if key in order else []
        wanted = [key, *after, *((h.passage.source, h.passage.section) for h in answer.hits)]
    asked = _plain(answer.question)
    found: list[str] = []
    for _, section in wanted:
        question = asked_part(section)
        if question and _plain(question) != asked and question not in found:
            found.append(question)
    return found[:limit]


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))
