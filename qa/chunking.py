"""Chunking: documents -> passages that follow the interview's structure.

- A paragraph is a line (or, in documents with blank lines, a block between
  blank lines). "\r\n", a lone "\r" and "\n" all end a line; offsets stay
  exact into the text as written.
- A paragraph that starts with "- " and ends with "?" is the interviewer's
  question; a Markdown heading ("# ...") plays the same role in other
  documents. Either starts a new section and is not itself a passage.
- Paragraphs before the first question belong to the "Introduction". The
  "- " that opens an answer's first paragraph marks the turn and is left out.
- Passages never leave their paragraph, break only between sentences, and
  hold at most ``max_tokens`` word pieces (special tokens included), counted
  with the model's own tokenizer, so the encoder never truncates them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator

from qa.types import Document, Passage

TokenCounter = Callable[[str], int]
Span = tuple[int, int]

INTRODUCTION = "Introduction"
CHUNKING_VERSION = 2  # 2: "\r\n" and "\r" end lines like "\n"

# One line break, whichever convention wrote it (Windows, old Mac, Unix). A "\r"
# followed by "\n" only counts as part of "\r\n", so "\r\n" is never two breaks.
_LINE_BREAK = r"(?:\r\n|\r(?!\n)|\n)"
_LINE_BREAKS = re.compile(_LINE_BREAK)
_BLANK_LINE = re.compile(rf"{_LINE_BREAK}[ \t]*{_LINE_BREAK}")
# A heading is one line: "\r" ends it as "\n" does.
_HEADING = re.compile(r"#{1,6}\s+([^\r\n]*\S)")
# A sentence ends at . ! ? (and any closing quotes/brackets) followed by
# whitespace and something that can start a sentence.
_SENTENCE_END = re.compile(r"[.!?…]+[”’\"')\]]*(?=\s+[“‘\"'(\[A-Z0-9\u00C0-\u024F\u0400-\u04FF])")
_ABBREVIATIONS = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|No|vs|etc|e\.g|i\.e|U\.S|U\.N)|\b[A-Z])\.$")


def paragraph_spans(text: str) -> list[Span]:
    """Non-blank paragraphs as (start, end), surrounding whitespace excluded."""
    separator = _BLANK_LINE if _BLANK_LINE.search(text.strip()) else _LINE_BREAKS
    spans = []
    position = 0
    for match in [*separator.finditer(text), None]:
        end = match.start() if match else len(text)
        spans.extend(_strip(text, position, end))
        position = match.end() if match else len(text)
    return spans


def sentence_spans(text: str, start: int, end: int) -> list[Span]:
    """Sentences of ``text[start:end]`` as absolute (start, end) spans."""
    spans = []
    position = start
    for match in _SENTENCE_END.finditer(text, start, end):
        if _ABBREVIATIONS.search(text, position, match.end()):
            continue
        spans.extend(_strip(text, position, match.end()))
        position = match.end()
    spans.extend(_strip(text, position, end))
    return spans


def is_question(paragraph: str) -> bool:
    return paragraph.startswith("- ") and paragraph.rstrip().endswith("?")


def chunk_document(document: Document, count_tokens: TokenCounter, max_tokens: int, first_id: int = 0) -> list[Passage]:
    """Split one document into passages (ids continue from ``first_id``)."""
    if max_tokens < 8:
        raise ValueError(f"max_tokens must be at least 8, got {max_tokens}")
    text = document.text
    passages: list[Passage] = []
    section = INTRODUCTION
    for number, (start, end) in enumerate(paragraph_spans(text), start=1):
        paragraph = text[start:end]
        heading = _HEADING.fullmatch(paragraph)
        if is_question(paragraph) or heading:
            section = heading.group(1) if heading else _LINE_BREAKS.sub("\n", paragraph[2:].strip())
            continue
        if paragraph.startswith("- "):
            start += 2  # the dash that marks a speaker's turn is not part of the text
        sentences = _fit_sentences(text, sentence_spans(text, start, end), count_tokens, max_tokens)
        for group in _pack(text, sentences, count_tokens, max_tokens):
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
                )
            )
    return passages


def chunk_corpus(documents: list[Document], count_tokens: TokenCounter, max_tokens: int) -> list[Passage]:
    passages: list[Passage] = []
    for document in documents:
        passages.extend(chunk_document(document, count_tokens, max_tokens, first_id=len(passages)))
    return passages


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
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
    words = [(start + s, start + e) for s, e in words]
    i = 0
    while i < len(words):
        # Largest j such that words[i:j] fits (binary search; at least one word,
        # and a single over-long "word" is cut by characters).
        low, high = i + 1, len(words)
        while low < high:
            middle = (low + high + 1) // 2
            if count_tokens(text[words[i][0] : words[middle - 1][1]]) <= max_tokens:
                low = middle
            else:
                high = middle - 1
        piece_start, piece_end = words[i][0], words[low - 1][1]
        if count_tokens(text[piece_start:piece_end]) > max_tokens:
            yield from _split_chars(text, piece_start, piece_end, count_tokens, max_tokens)
        else:
            yield piece_start, piece_end
        i = low


def _split_chars(text: str, start: int, end: int, count_tokens: TokenCounter, max_tokens: int) -> Iterator[Span]:
    while start < end:
        stop = end
        while count_tokens(text[start:stop]) > max_tokens and stop - start > 1:
            stop = start + (stop - start) // 2
        yield start, stop
        start = stop


def _pack(text: str, sentences: list[Span], count_tokens: TokenCounter, max_tokens: int) -> list[list[Span]]:
    """Group consecutive sentences into as few passages as fit, then even out
    their sizes so no passage is a stray fragment."""
    groups = _greedy(text, sentences, count_tokens, max_tokens)
    if len(groups) > 1:
        total = count_tokens(text[sentences[0][0] : sentences[-1][1]])
        budget = math.ceil(total / len(groups)) + 8
        balanced = _greedy(text, sentences, count_tokens, min(max_tokens, budget))
        if len(balanced) == len(groups):
            return balanced
    return groups


def _greedy(text: str, sentences: list[Span], count_tokens: TokenCounter, budget: int) -> list[list[Span]]:
    groups: list[list[Span]] = []
    for span in sentences:
        if groups and count_tokens(text[groups[-1][0][0] : span[1]]) <= budget:
            groups[-1].append(span)
        else:
            groups.append([span])
    return groups
