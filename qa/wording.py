"""How the project says things in plain words, shared by every renderer
(the command line's text, the chat's HTML, the downloaded Markdown): what
each outcome means, and the command line's tables."""

from __future__ import annotations

# The outcomes in words. Each renderer adds its own confidences and markup.
RELATED = "The interview discusses this, but does not seem to answer this exact question"
NOT_COVERED = "The interview does not seem to cover this"
RELATED_PASSAGES = "they may not answer your exact question"


def table(rows: list[list[str]]) -> list[str]:
    """Rows as lines of left-aligned columns, two spaces apart."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
