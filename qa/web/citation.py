"""Answers in Markdown: the citation a reader copies, the conversation they download.

Every text that comes from a person (a question) or from the corpus (an
answer sentence, a file name) goes through :func:`markdown_text`, so that
whatever it holds reads as typed once rendered and can make no link, image,
HTML or formatting: the characters CommonMark and GitHub's Markdown act on
inline are backslash-escaped (an underscore only outside a word), as is a block marker at the start, and a word
shaped like a web or e-mail address goes into a code span (GitHub turns bare
``https://...``, ``www....`` and ``name@host`` into links; in code it does
not). Ordinary sentences are left as they are: an apostrophe, a comma, a
hyphen or a full stop inside a line is plain text to every renderer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa import wording
from qa.types import Outcome
from qa.web.conversation import ShownPassage, Turn

# Who says what in each corpus file: (the person interviewed, the work cited).
CITED_WORKS = {"cica_interview.txt": ("Kairat Sarybay", "interview on Kazakhstan's CICA chairmanship")}
TITLE = "Conversation with the CICA interview"

# Emphasis, code, links, HTML and entities, strikethrough, tables, maths ($ on
# GitHub), closing heading hashes; "!" and "(" act only after "[", escaped. An
# underscore inside a word (cica_interview) can neither open nor close emphasis.
_INLINE = re.compile(r"([\\`*\[\]<>&~|$#]|(?<![^\W_])_|_(?![^\W_]))")
# At the start of a line: a heading, quote, list item, rule or setext underline.
_BLOCK_START = re.compile(r"^(\d{1,9})([.)])|^([-+=>])")
_ADDRESS = re.compile(r"://|^\W*www\.|@", re.IGNORECASE)
_TICKS = re.compile(r"`+")


def markdown_text(value: str) -> str:
    """``value`` (one line) as Markdown that renders exactly as ``value`` and nothing more."""
    words = re.split(r"(\s+)", " ".join(value.split()))
    escaped = "".join(_code_span(w) if _ADDRESS.search(w) else _INLINE.sub(r"\\\1", w) for w in words)
    return _BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", escaped, count=1)


def _code_span(word: str) -> str:
    """``word`` as a code span: a fence longer than any run of backticks in it."""
    fence = "`" * (max((len(run) for run in _TICKS.findall(word)), default=0) + 1)
    pad = " " if word.startswith("`") or word.endswith("`") else ""
    return f"{fence}{pad}{word}{pad}{fence}"


def attribution(speaker: str, where: ShownPassage) -> str:
    """Who says it, in what, which paragraph: "Kairat Sarybay, interview on
    Kazakhstan's CICA chairmanship, ¶4"; "the interviewer, ..." for their words."""
    person, work = CITED_WORKS.get(where.source, (None, markdown_text(where.source)))
    who = "the interviewer" if speaker == "interviewer" else person
    return ", ".join(part for part in (who, work, f"¶{where.paragraph}") if part)


def citation(turn: Turn) -> str | None:
    """The answer sentence as a Markdown quote, then who said it where; None
    without an answer sentence. A blank line keeps the attribution out of the quote."""
    where = turn.sentence_passage
    if turn.sentence is None or where is None:
        return None
    return f"> {markdown_text(turn.sentence.text)}\n\n— {attribution(turn.sentence.speaker, where)}"


def conversation_markdown(turns: Sequence[Turn]) -> str:
    """The conversation as a Markdown document: each question, its answer
    sentence quoted with who said it and the paragraph, and the passages shown."""
    lines = [f"# {TITLE}", ""]
    if not turns:
        lines += ["No questions yet.", ""]
    for number, turn in enumerate(turns, 1):
        lines += [f"## {number}. {markdown_text(turn.question)}", ""]
        if turn.previous:
            lines += [f"Read together with the earlier question: {markdown_text(turn.previous)}", ""]
        lines += _reply(turn)
    builds = sorted({turn.index_id for turn in turns if turn.outcome is not None})
    if builds:
        lines += [f"Answered by index build {', '.join(markdown_text(b) for b in builds)}.", ""]
    return "\n".join(lines)


def _reply(turn: Turn) -> list[str]:
    if turn.outcome is None:
        return [f"Not answered: {markdown_text(turn.note)}", ""]
    quoted = citation(turn)
    if quoted is not None:
        lines = [quoted, ""]
    elif turn.outcome == Outcome.RELATED:
        lines = [f"{wording.RELATED}.", ""]
    else:
        lines = [f"{wording.NOT_COVERED}.", ""]
    if turn.passages:
        lines += ["Passages shown:", ""]
        for shown in turn.passages:
            speaker = " (the interviewer)" if shown.speaker == "interviewer" else ""
            lines.append(f"{shown.rank}. {markdown_text(shown.source)}, paragraph {shown.paragraph}{speaker}")
        lines.append("")
    return lines
