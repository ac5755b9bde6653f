"""How the project says things in plain words, shared by every renderer
(the command line's text, the chat's HTML, the downloaded Markdown): what
each outcome means, and the command line's tables."""

from __future__ import annotations

from dataclasses import dataclass

from qa.types import Outcome


@dataclass(frozen=True)
class OutcomeWords:
    """An outcome for a reader: the ``badge`` seen first, one plain
    ``sentence``, and what the ``passages`` shown with it are."""

    badge: str
    sentence: str
    passages: str


# The outcomes in words. Each renderer adds its own confidences and markup.
OUTCOMES = {
    Outcome.ANSWERED: OutcomeWords("Answered", "The interview answers this.", "Where the answer comes from"),
    Outcome.RELATED: OutcomeWords(
        "Discussed, not answered",
        "The interview talks about this but does not answer it.",
        "The closest passages, which do not answer it",
    ),
    Outcome.NOT_COVERED: OutcomeWords(
        "Not about the interview", "The interview is not about this.", "The closest passages, about something else"
    ),
}
THE_INTERVIEWER_SAYS = "The interviewer says:"


def outcome(value: Outcome | str) -> OutcomeWords:
    """The words for ``value`` (an Outcome or its JSON text)."""
    return OUTCOMES[Outcome(value)]


def table(rows: list[list[str]]) -> list[str]:
    """Rows as lines of left-aligned columns, two spaces apart."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
