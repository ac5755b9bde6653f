"""Chunking: documents -> passages that follow the interview's structure.

- A paragraph is a line (or, in documents with blank lines, a block between
  blank lines). "\r\n", a lone "\r" and "\n" all end a line; offsets stay
  exact into the text as written.
- A paragraph that starts with "- " and ends with "?" is the interviewer's
  question; a Markdown heading ("# ...") plays the same role in other
  documents. Either starts a new section, and neither question is a passage.
  But the statements an interviewer makes before asking are, spoken by the
  interviewer (some facts are stated only there: "In December 2024, the CICA
  Chairmanship transitioned from Kazakhstan to Azerbaijan."), with the
  question as their section.
- Paragraphs before the first question belong to the "Introduction", which
  the interviewer (the magazine) speaks too; the rest is the interviewee's.
  The "- " that opens a turn marks the speaker and is left out.
- A front matter block (``---`` lines around ``title: ...``, see
  :func:`qa.index.documents.front_matter`) is not text: paragraphs are numbered
  from the first line after it.
- Passages never leave their paragraph, break only between sentences, and
  hold at most ``max_tokens`` word pieces (special tokens included), counted
  with the model's own tokenizer, so the encoder never truncates them.
- The work is linear in the text whatever its shape: no text is scanned again
  from far behind, and every search for the longest piece that fits starts
  from the size of the last piece, so it counts tokens in a few times the text
  it keeps, never in the rest of a long line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence

from qa.config import MIN_MAX_TOKENS
from qa.index.documents import front_matter
from qa.types import Document, Passage

TokenCounter = Callable[[str], int]
Span = tuple[int, int]

INTRODUCTION = "Introduction"
INTERVIEWER = "interviewer"
INTERVIEWEE = "interviewee"
# 2: "\r\n" and "\r" end lines like "\n"; 3: the interviewer's statements are passages;
# 4: passages record where their section (the interviewer question) is; 5: a front matter block is not text.
CHUNKING_VERSION = 5

# One line break, whichever convention wrote it (Windows, old Mac, Unix). A "\r"
# followed by "\n" only counts as part of "\r\n", so "\r\n" is never two breaks.
_LINE_BREAK = r"(?:\r\n|\r(?!\n)|\n)"
_LINE_BREAKS = re.compile(_LINE_BREAK)
_BLANK_LINE = re.compile(rf"{_LINE_BREAK}[ \t]*{_LINE_BREAK}")
# A heading is one line: "\r" ends it as "\n" does. Possessive quantifiers:
# giving back "#" or whitespace never makes a heading match, and trying to
# would rescan a long line once per space.
_HEADING = re.compile(r"#{1,6}+\s++([^\r\n]*\S)")
# A sentence ends at . ! ? (and any closing quotes/brackets) followed by
# whitespace and something that can start a sentence.
# Only the first mark of a run starts a match: a match from inside a run ends
# where one from its start would, and trying every mark would be quadratic.
_SENTENCE_END = re.compile(r"(?<![.!?…])[.!?…]+[”’\"')\]]*(?=\s+[“‘\"'(\[A-Z0-9\u00C0-\u024F\u0400-\u04FF])")
_ABBREVIATIONS = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|No|vs|etc|e\.g|i\.e|U\.S|U\.N)|\b[A-Z])\.$")
_LONGEST_ABBREVIATION = len("Prof.")  # none of the above is longer
_WORD = re.compile(r"\S+")


def paragraph_spans(text: str, start: int = 0) -> list[Span]:
    """Non-blank paragraphs of ``text[start:]`` as absolute (start, end), surrounding whitespace excluded."""
    separator = _BLANK_LINE if _BLANK_LINE.search(text[start:].strip()) else _LINE_BREAKS
    spans = []
    position = start
    for match in [*separator.finditer(text, start), None]:
        end = match.start() if match else len(text)
        spans.extend(_strip(text, position, end))
        position = match.end() if match else len(text)
    return spans


def numbered_paragraphs(text: str) -> list[tuple[int, Span]]:
    """A document's paragraphs numbered from 1, after its front matter: the
    numbers passages carry and the source view's anchors use."""
    return list(enumerate(paragraph_spans(text, front_matter(text)[1]), start=1))


def sentence_spans(text: str, start: int, end: int) -> list[Span]:
    """Sentences of ``text[start:end]`` as absolute (start, end) spans."""
    spans = []
    position = start
    for match in _SENTENCE_END.finditer(text, start, end):
        # An abbreviation ends at the mark, so only the last few characters can
        # match; searching from ``position`` would rescan skipped text each time.
        if _ABBREVIATIONS.search(text, max(position, match.end() - _LONGEST_ABBREVIATION), match.end()):
            continue
        spans.extend(_strip(text, position, match.end()))
        position = match.end()
    spans.extend(_strip(text, position, end))
    return spans


def is_question(paragraph: str) -> bool:
    return paragraph.startswith("- ") and paragraph.rstrip().endswith("?")


def chunk_document(
    document: Document,
    count_tokens: TokenCounter,
    max_tokens: int,
    first_id: int = 0,
    progress: Callable[[int], None] | None = None,
) -> list[Passage]:
    """Split one document into passages (ids continue from ``first_id``).
    ``progress``, if given, is called after each paragraph with the number of
    the document's characters chunked so far."""
    if max_tokens < MIN_MAX_TOKENS:
        raise ValueError(f"max_tokens must be at least {MIN_MAX_TOKENS}, got {max_tokens}")
    text = document.text
    passages: list[Passage] = []
    section, section_start = INTRODUCTION, -1
    paragraphs = numbered_paragraphs(text)
    interview = any(is_question(text[s:e]) for _, (s, e) in paragraphs)
    for number, (start, end) in paragraphs:
        paragraph = text[start:end]
        heading = _HEADING.fullmatch(paragraph)
        if heading:
            section, section_start = heading.group(1), -1
            continue
        question = is_question(paragraph)
        if question:
            section = _LINE_BREAKS.sub("\n", paragraph[2:].strip())
            # Where the question stands in the file, when its text is the file's as is.
            found = text.find(section, start, end)
            section_start = found if found != -1 else -1
        # The interviewer asks the questions and, in an interview, writes the introduction.
        speaker = INTERVIEWER if question or (interview and section == INTRODUCTION) else INTERVIEWEE
        if paragraph.startswith("- "):
            start += 2  # the dash that marks a speaker's turn is not part of the text
        sentences = sentence_spans(text, start, end)
        # The interviewer's statements can answer; the question itself answers nothing (it is the section).
        runs = _statement_runs(text, sentences) if question else [sentences]
        groups = [g for run in runs for g in _pack(text, _fit_sentences(text, run, count_tokens, max_tokens),
                                                   count_tokens, max_tokens)]  # fmt: skip
        for group in groups:
            span_start, span_end = group[0][0], group[-1][1]
            passages.append(
                Passage(
                    id=first_id + len(passages),
                    source=document.source,
                    start=span_start,
                    end=span_end,
                    paragraph=number,
                    section=section,
                    text=text[span_start:span_end],
                    sentences=tuple(group),
                    speaker=speaker,
                    section_start=section_start,
                )
            )
        if progress is not None:
            progress(end)
    return passages


def chunk_corpus(
    documents: list[Document],
    count_tokens: TokenCounter,
    max_tokens: int,
    progress: Callable[[int], None] | None = None,
) -> list[Passage]:
    """Passages of every document, ids in order. ``progress``, if given, is
    called after each paragraph with the number of characters chunked so far."""
    passages: list[Passage] = []
    chunked = 0
    for document in documents:
        done = (lambda end, before=chunked: progress(before + end)) if progress is not None else None
        passages.extend(chunk_document(document, count_tokens, max_tokens, first_id=len(passages), progress=done))
        chunked += len(document.text)
        if progress is not None:
            progress(chunked)
    return passages


def _statement_runs(text: str, sentences: list[Span]) -> list[list[Span]]:
    """Consecutive sentences that are not questions, run by run."""
    runs: list[list[Span]] = [[]]
    for start, end in sentences:
        if text[start:end].rstrip().endswith("?"):
            runs.append([])
        else:
            runs[-1].append((start, end))
    return [run for run in runs if run]


def _strip(text: str, start: int, end: int) -> list[Span]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if start < end else []


def _fit_sentences(text: str, sentences: list[Span], count_tokens: TokenCounter, max_tokens: int) -> list[Span]:
    """Split any sentence longer than ``max_tokens`` at word boundaries."""
    fitted: list[Span] = []
    for start, end in sentences:
        if count_tokens(text[start:end]) <= max_tokens:
            fitted.append((start, end))
        else:
            fitted.extend(_split_long(text, start, end, count_tokens, max_tokens))
    return fitted


def _split_long(text: str, start: int, end: int, count_tokens: TokenCounter, max_tokens: int) -> Iterator[Span]:
    """Pieces of as many whole words as fit; a single over-long "word" is cut by characters."""
    words = [match.span() for match in _WORD.finditer(text, start, end)]
    ends = [word_end for _, word_end in words]
    i, size = 0, 1
    while i < len(words):
        j = _longest_fit(i + 1, len(words), size, _fits(text, words[i][0], ends, count_tokens, max_tokens))
        piece_start, piece_end = words[i][0], words[j - 1][1]
        # A piece of two or more words was counted by the search; one word was not.
        if j == i + 1 and count_tokens(text[piece_start:piece_end]) > max_tokens:
            yield from _split_chars(text, piece_start, piece_end, count_tokens, max_tokens)
        else:
            yield piece_start, piece_end
        i, size = j, j - i


def _split_chars(text: str, start: int, end: int, count_tokens: TokenCounter, max_tokens: int) -> Iterator[Span]:
    """Pieces of as many characters as fit (at least one)."""
    size = 1
    while start < end:
        # Every character is an item: the j-th ends at offset j.
        stop = _longest_fit(start + 1, end, size, _fits(text, start, range(1, end + 1), count_tokens, max_tokens))
        yield start, stop
        start, size = stop, stop - start


def _pack(text: str, sentences: list[Span], count_tokens: TokenCounter, max_tokens: int) -> list[list[Span]]:
    """Group consecutive sentences into as few passages as fit, then even out
    their sizes so no passage is a stray fragment."""
    groups = _greedy(text, sentences, count_tokens, max_tokens)
    if len(groups) > 1:
        total = count_tokens(text[sentences[0][0] : sentences[-1][1]])
        budget = math.ceil(total / len(groups)) + 8
        if budget >= max_tokens:
            return groups  # the same budget would give the same groups
        balanced = _greedy(text, sentences, count_tokens, budget)
        if len(balanced) == len(groups):
            return balanced
    return groups


def _greedy(text: str, sentences: list[Span], count_tokens: TokenCounter, budget: int) -> list[list[Span]]:
    """Each group takes as many of the following sentences as fit (at least one)."""
    groups: list[list[Span]] = []
    ends = [sentence_end for _, sentence_end in sentences]
    i, size = 0, 1
    while i < len(sentences):
        j = _longest_fit(i + 1, len(sentences), size, _fits(text, sentences[i][0], ends, count_tokens, budget))
        groups.append(sentences[i:j])
        i, size = j, j - i
    return groups


def _fits(text: str, start: int, ends: Sequence[int], count_tokens: TokenCounter, budget: int) -> Callable[[int], bool]:
    """Whether the first ``j`` items from ``start`` (``text[start:ends[j - 1]]``) fit in ``budget`` tokens."""
    return lambda j: count_tokens(text[start : ends[j - 1]]) <= budget


def _longest_fit(least: int, most: int, guess: int, fits: Callable[[int], bool]) -> int:
    """The largest ``end`` in ``least..most`` with ``fits(end)``, else ``least``
    (which is taken whether it fits or not, and never tested).

    Assumes more text never takes fewer tokens: ``fits`` holds up to some end
    and fails after it. The search starts from ``guess`` items (the last
    piece's size) and steps away 1, 2, 4, ... before bisecting, so it counts a
    few times the text it keeps, however far away ``most`` is.
    """
    low, high = least, most  # the answer is in low..high; low fits or is least
    probe = min(least - 1 + guess, most)
    upward = True
    if probe > least:
        upward = fits(probe)
        low, high = (probe, high) if upward else (low, probe - 1)
    step = 1
    while low < high:
        probe = min(low + step, high) if upward else max(high + 1 - step, low + 1)
        fit = fits(probe)
        low, high = (probe, high) if fit else (low, probe - 1)
        if fit != upward:
            break  # the answer is bracketed
        step *= 2
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low
