"""Answers in Markdown: the citation a reader copies, the conversation they download.

Paragraphs are linked to the source view (``source/<file>?mark=...#pN``,
relative to the chat's address, made whole by the page's script when the
text is copied or downloaded).

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
from qa.types import Answer, Outcome
from qa.web import source
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


def attribution(speaker: str, where: ShownPassage, span: tuple[int, int] | None = None) -> str:
    """Who says it, in what, which paragraph, linked to it in the source view:
    "Kairat Sarybay, interview on Kazakhstan's CICA chairmanship, [¶4](source/...#p4)";
    "the interviewer, ..." for their words. The link is relative to the chat's
    address; the page makes it whole when the text leaves it (copied, downloaded)."""
    person, work = CITED_WORKS.get(where.source, (None, markdown_text(where.source)))
    who = "the interviewer" if speaker == "interviewer" else person
    paragraph = f"[¶{where.paragraph}]({source.link(where.source, where.paragraph, span)})"
    return ", ".join(part for part in (who, work, paragraph) if part)


def citation(turn: Turn) -> str | None:
    """The answer sentence as a Markdown quote, then who said it where; None
    without an answer sentence. A blank line keeps the attribution out of the quote."""
    where = turn.sentence_passage
    if turn.sentence is None or where is None:
        return None
    span = (turn.sentence.start, turn.sentence.end)
    return f"> {markdown_text(turn.sentence.text)}\n\n— {attribution(turn.sentence.speaker, where, span)}"


def conversation_markdown(turns: Sequence[Turn], answers: Sequence[Answer | None] = ()) -> str:
    """The conversation as a Markdown document: each question, the outcome in
    words, the short answer, the answer sentence quoted with who said it and
    a link to its paragraph, and the passages shown with theirs. ``answers``
    (one per turn, None where the index that answered is gone) give the
    passages' text."""
    lines = [f"# {TITLE}", ""]
    if not turns:
        lines += ["No questions yet.", ""]
    answers = list(answers) + [None] * (len(turns) - len(answers))
    for number, (turn, answer) in enumerate(zip(turns, answers, strict=True), 1):
        lines += [f"## {number}. {markdown_text(turn.question)}", ""]
        if turn.previous:
            lines += [f"Read together with the earlier question: {markdown_text(turn.previous)}", ""]
        lines += _reply(turn, answer)
    builds = sorted({turn.index_id for turn in turns if turn.outcome is not None})
    if builds:
        lines += [f"Answered by index build {', '.join(markdown_text(b) for b in builds)}.", ""]
    return "\n".join(lines)


def _reply(turn: Turn, answer: Answer | None) -> list[str]:
    if turn.outcome is None:
        return [f"Not answered: {markdown_text(turn.note)}", ""]
    words = wording.outcome(turn.outcome)
    said = wording.reply_sentence(turn.outcome, turn.question)  # may quote the question
    lines = [f"**{words.badge}.** {markdown_text(said)}", ""]
    short = turn.sentence.short if turn.sentence is not None else None
    if short is not None and short.text.strip():
        lines += [f"**{markdown_text(short.text)}**", ""]
    quoted = citation(turn)
    if quoted is not None:
        lines += [quoted, ""]
    if turn.points:
        for point in turn.points:
            where = f"[¶{point.paragraph}]({source.link(point.source, point.paragraph, (point.start, point.end))})"
            lines.append(f"- {markdown_text(point.text)} {where}")
        lines.append("")
    if turn.passages:
        lines += [f"{words.passages}:" if turn.outcome != Outcome.ANSWERED else "Passages shown:", ""]
        hits = {hit.rank: hit for hit in answer.hits} if answer is not None else {}
        for number, shown in enumerate(turn.passages):
            speaker = " (the interviewer)" if shown.speaker == "interviewer" else ""
            hit = hits.get(shown.rank)
            span = (hit.passage.start, hit.passage.end) if hit is not None else None
            where = f"[¶{shown.paragraph}]({source.link(shown.source, shown.paragraph, span)})"
            lines += [""] if number and hits else []
            lines.append(f"{shown.rank}. {markdown_text(shown.source)}, {where}{speaker}")
            if hit is not None:
                lines += ["", f"   > {markdown_text(hit.passage.text)}"]
        if not hits:
            lines += ["", "(The passages' text is not kept: an earlier build of the index answered.)"]
        lines.append("")
    return lines
