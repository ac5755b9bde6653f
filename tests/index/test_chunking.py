import re
import string

import pytest

from qa.files import sha256_bytes
from qa.index.chunking import (
    INTERVIEWEE,
    INTERVIEWER,
    INTRODUCTION,
    chunk_corpus,
    chunk_document,
    paragraph_spans,
    sentence_spans,
)
from qa.types import Document
from tests.conftest import TINY_INTERVIEW, FakeEmbedder

count = FakeEmbedder().count_tokens


def document(text: str, source: str = "doc.txt") -> Document:
    return Document(source=source, text=text, sha256=sha256_bytes(text.encode()))


def texts(text: str, spans):
    return [text[s:e] for s, e in spans]


def with_line_endings(text: str, endings: list[str]) -> str:
    """``text`` (written with "\n") with its line breaks replaced by ``endings`` in turn."""
    lines = text.split("\n")
    return "".join(line + endings[i % len(endings)] for i, line in enumerate(lines[:-1])) + lines[-1]


def unix(text: str) -> str:
    return re.sub(r"\r\n?", "\n", text)


# Hard-wrapped paragraphs between blank lines (one holding spaces), a question
# wrapped over two lines, and a sentence too long for one passage.
WRAPPED_INTERVIEW = (
    "The magazine spoke with the Secretary General\n"
    "about the past four years.\n"
    "\n"
    "- How many member states\n"
    "does the Conference have?\n"
    "\n"
    "- The Conference now has 28 member states.\n"
    "Kuwait joined in 2022.\n"
    " \t\n"
    "Observers include Turkmenistan\n"
    "and Saudi Arabia.\n"
    "\n"
    "\n"
    "- What are the plans for the Charter?\n"
    "\n"
    "- The Charter could be adopted at the 2026 summit in Baku\n"
    "after years of drafting by the member states and observers. Work continues.\n"
)
NOTES = "# Budget\n\nThe budget grew\nby a third.\n\n## Staff\n\nStaff shrank.\nHiring stopped.\n"
# In the mix a "\r" is never followed by "\n": that pair would be one "\r\n" break.
ENDINGS = {"CRLF": ["\r\n"], "CR": ["\r"], "mixed": ["\r", "\r\n", "\n"]}


def test_paragraphs_are_lines_or_blank_line_blocks():
    assert texts("a\nb\n\n", paragraph_spans("a\nb\n\n")) == ["a", "b"]
    wrapped = "first line\nstill first\n\nsecond"
    assert texts(wrapped, paragraph_spans(wrapped)) == ["first line\nstill first", "second"]


@pytest.mark.parametrize("endings", ENDINGS.values(), ids=ENDINGS)
def test_every_line_ending_separates_lines_and_paragraphs(endings):
    lines = with_line_endings("a\nb\n\n", endings)
    assert texts(lines, paragraph_spans(lines)) == ["a", "b"]
    wrapped = with_line_endings("first line\nstill first\n \t\nsecond\n", endings)
    assert unix("|".join(texts(wrapped, paragraph_spans(wrapped)))) == "first line\nstill first|second"


def test_hard_wrapped_paragraphs_with_windows_line_endings_stay_whole():
    text = "The budget grew\r\nby a third.\r\n\r\nStaff shrank\r\nafter the summit.\r\n"
    passages = chunk_document(document(text), count, max_tokens=64)
    assert [p.text for p in passages] == ["The budget grew\r\nby a third.", "Staff shrank\r\nafter the summit."]


@pytest.mark.parametrize("text", [TINY_INTERVIEW, WRAPPED_INTERVIEW, NOTES], ids=["lines", "wrapped", "markdown"])
@pytest.mark.parametrize("endings", ENDINGS.values(), ids=ENDINGS)
def test_line_endings_do_not_change_the_passages(text, endings):
    def summary(p):
        return unix(p.text), p.paragraph, p.section, [unix(p.sentence_text(s)) for s in p.sentences]

    expected = [summary(p) for p in chunk_document(document(text), count, max_tokens=16)]
    doc = document(with_line_endings(text, endings))
    passages = chunk_document(doc, count, max_tokens=16)
    assert [summary(p) for p in passages] == expected
    for p in passages:
        assert doc.text[p.start : p.end] == p.text == p.text.strip()
        assert all(doc.text[s:e] == doc.text[s:e].strip() != "" for s, e in p.sentences)


def test_sentences_split_on_end_marks_and_quotes_not_abbreviations():
    text = "It grew to 28. “We are not creating” he said. Dr. Smith agreed! Is it 3.5? Yes."
    assert texts(text, sentence_spans(text, 0, len(text))) == [
        "It grew to 28.",
        "“We are not creating” he said.",
        "Dr. Smith agreed!",
        "Is it 3.5?",
        "Yes.",
    ]


def test_structure_sections_speakers_and_exact_offsets():
    doc = document(TINY_INTERVIEW)
    passages = chunk_document(doc, count, max_tokens=128)
    first, second = "How many member states does the Conference have?", "What are the plans for the Charter?"
    assert [(p.section, p.speaker) for p in passages] == [
        (INTRODUCTION, INTERVIEWER),  # the magazine's introduction
        (first, INTERVIEWEE),
        (first, INTERVIEWEE),
        (second, INTERVIEWEE),
    ]
    assert [p.paragraph for p in passages] == [1, 3, 4, 6]
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert all(doc.text[s:e] == p.sentence_text((s, e)) for s, e in p.sentences)
    # A question is a section, not a passage; the "- " that marks a turn is left out.
    assert not any(p.text.startswith("- ") or p.text.endswith("?") for p in passages)
    assert passages[1].text.startswith("The Conference now has 28")
    assert [p.id for p in passages] == [0, 1, 2, 3]


def test_what_the_interviewer_states_before_asking_is_a_passage():
    text = (
        "- In December 2024, the Chairmanship passed to Azerbaijan. It met in Baku. What are its goals?\n"
        "- Its goals are the Charter and connectivity.\n"
    )
    passages = chunk_document(document(text), count, max_tokens=128)
    section = "In December 2024, the Chairmanship passed to Azerbaijan. It met in Baku. What are its goals?"
    assert [(p.text, p.speaker, p.section, p.paragraph) for p in passages] == [
        ("In December 2024, the Chairmanship passed to Azerbaijan. It met in Baku.", INTERVIEWER, section, 1),
        ("Its goals are the Charter and connectivity.", INTERVIEWEE, section, 2),
    ]


def test_without_interviewer_questions_everything_is_the_documents_own():
    passages = chunk_document(document(NOTES, "notes.md"), count, max_tokens=128)
    assert {p.speaker for p in passages} == {INTERVIEWEE} and [p.section for p in passages] == ["Budget", "Staff"]


def test_passages_respect_the_token_limit_and_break_between_sentences():
    sentence = "The council met again to discuss the road map for the transformation. "
    doc = document("- Why?\n" + sentence * 20)
    passages = chunk_document(doc, count, max_tokens=40)
    assert len(passages) > 1
    assert all(count(p.text) <= 40 for p in passages)
    assert all(p.text.endswith(".") for p in passages)
    covered = "".join(doc.text[p.start : p.end] + " " for p in passages)
    assert covered.split() == doc.text[7:].split()  # nothing lost, nothing repeated


def test_a_sentence_longer_than_the_limit_is_split_not_truncated():
    words = " ".join(f"word{i}" for i in range(200)) + "."
    doc = document(words)
    passages = chunk_document(doc, count, max_tokens=30)
    assert all(count(p.text) <= 30 for p in passages)
    assert " ".join(p.text for p in passages) == words


def test_markdown_headings_start_sections():
    doc = document("# Budget\n\nThe budget grew.\n\n## Staff\n\nStaff shrank.", source="notes.md")
    passages = chunk_document(doc, count, max_tokens=64)
    assert [(p.section, p.text) for p in passages] == [("Budget", "The budget grew."), ("Staff", "Staff shrank.")]


def test_chunk_corpus_reports_progress_in_characters():
    documents = [document(TINY_INTERVIEW), document("# Notes\n\nShort.", source="notes.md")]
    chunked = []
    passages = chunk_corpus(documents, count, max_tokens=128, progress=chunked.append)
    first, total = len(TINY_INTERVIEW), len(TINY_INTERVIEW) + len("# Notes\n\nShort.")
    # After each paragraph that is chunked (headings are not), then each document: never backwards.
    assert chunked == sorted(chunked) and chunked[-1] == total and first in chunked
    assert len(chunked) > len(documents)  # finer than documents: one long document shows progress too
    assert passages == chunk_corpus(documents, count, max_tokens=128)
    assert [p.id for p in passages] == list(range(len(passages)))


def test_rejects_a_useless_limit():
    with pytest.raises(ValueError, match="max_tokens"):
        chunk_document(document("x"), count, max_tokens=2)


class CountingCounter:
    """The fake token counter, failing once it has been shown more than ``limit`` characters."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.characters = 0

    def __call__(self, text: str) -> int:
        self.characters += len(text)
        if self.characters > self.limit:
            raise AssertionError(f"counted tokens in more than {self.limit} characters")
        return count(text)


# One line without a sentence end, in shapes that each made some step quadratic:
# words (a transcript), no space at all (a CSV row), nothing but abbreviations,
# tiny sentences, a run of marks, and words whose size changes every passage.
LINE_SHAPES = {
    "words": "the council met again to discuss the road map for the transformation ",
    "no spaces": "2022,28,Kuwait;",
    "abbreviations": "".join(f"{letter}. " for letter in string.ascii_uppercase),
    "tiny sentences": "Yes. ",
    "marks": "?!",
    "changing words": "w " * 126 + ("x," * 60 + " ") * 126,
}
# Each character is counted 4 to 13 times at any length (the searches start from
# the last piece's size); before, hundreds of times at 100k and growing with it.
COUNTS_PER_CHARACTER = 25


@pytest.mark.parametrize("size", [100_000, 400_000])
@pytest.mark.parametrize("unit", LINE_SHAPES.values(), ids=LINE_SHAPES)
def test_tokens_are_counted_in_linear_work_whatever_the_shape(unit, size):
    text = (unit * (size // len(unit) + 1))[:size]
    counter = CountingCounter(limit=COUNTS_PER_CHARACTER * size)
    passages = chunk_document(document(text), counter, max_tokens=128)
    assert all(count(p.text) <= 128 for p in passages)
    assert "".join(p.text for p in passages).replace(" ", "") == text.replace(" ", "")


def test_a_front_matter_block_is_not_text_and_numbering_starts_after_it():
    """Title, date and address of a publication (``---`` lines around
    ``name: value`` lines) say what the file is; they are no passage, and the
    paragraphs are numbered as they would be without them."""
    body = "- What is CICA?\n- A conference. It has 28 members.\n"
    text = "---\ntitle: An interview\ndate: 2025-01-15\n---\n" + body
    with_block = chunk_document(Document("a.txt", text, ""), lambda s: len(s.split()) + 2, 128)
    without = chunk_document(Document("a.txt", body, ""), lambda s: len(s.split()) + 2, 128)
    assert [(p.paragraph, p.text) for p in with_block] == [(p.paragraph, p.text) for p in without]
    assert all(text[p.start : p.end] == p.text for p in with_block)
