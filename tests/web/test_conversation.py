"""Turns (what the chat keeps in the browser), the citation a reader copies and
the conversation they download, on hand-made answers: exact texts, and
Markdown that renders as typed and nothing more."""

from __future__ import annotations

import html
import json
import re
import typing
from dataclasses import replace

import pytest
from markdown_it import MarkdownIt

from qa.types import Answer, AnswerSentence, Hit, Passage, Point, Span
from qa.web import render
from qa.web.citation import citation, conversation_markdown, markdown_text
from qa.web.conversation import ShownPassage, Turn, to_records, turns_from_records

hints = typing.get_type_hints

INTRO = "In December 2024, the CICA Chairmanship transitioned from Kazakhstan to Azerbaijan."
ANSWER = "The number of Member States increased to 28, with Kuwait joining in 2022."
# Two passages of a hand-made interview: the interviewer's statement (paragraph
# 38) and the interviewee's answer (paragraph 4, the answer sentence first).
PASSAGES = [
    Passage(0, "cica_interview.txt", 0, len(INTRO), 38, "Introduction", INTRO, ((0, len(INTRO)),), "interviewer"),
    Passage(
        1,
        "cica_interview.txt",
        100,
        100 + len(ANSWER) + 30,
        4,
        "How has CICA grown?",
        ANSWER + " Morocco's application waits.",
        ((100, 100 + len(ANSWER)), (101 + len(ANSWER), 130 + len(ANSWER))),
    ),
]


def answered(sentence_in: int = 1, question: str = "When did Kuwait join CICA?", previous: str | None = None) -> Answer:
    passage = PASSAGES[sentence_in]
    text = INTRO if sentence_in == 0 else ANSWER
    rank = 1 if sentence_in == 1 else 2
    sentence = AnswerSentence(text, rank, passage.start, passage.start + len(text), 0.8, passage.speaker)
    hits = (Hit(PASSAGES[1], 7.5, 1), Hit(PASSAGES[0], 2.25, 2))
    return Answer(question, "answered", sentence, hits, 0.99, 0.7, previous)


def test_a_turn_keeps_what_the_reader_was_shown():
    turn = Turn.from_answer(answered(previous="Which countries joined?"), "b8c32454b63a", 5, "hybrid")
    assert (turn.question, turn.previous, turn.outcome, turn.index_id) == (
        "When did Kuwait join CICA?",
        "Which countries joined?",
        "answered",
        "b8c32454b63a",
    )
    assert turn.sentence is not None and turn.sentence.text == ANSWER
    assert turn.passages == (
        ShownPassage(1, 1, 7.5, "cica_interview.txt", 4, "interviewee"),
        ShownPassage(0, 2, 2.25, "cica_interview.txt", 38, "interviewer"),
    )
    assert turn.sentence_passage == turn.passages[0] and turn.can_be_previous


def test_a_turn_survives_the_browser_and_gives_its_answer_back():
    answer = answered(previous="Which countries joined?")
    turn = Turn.from_answer(answer, "b8c32454b63a", 5, "hybrid").with_vote("dislike")
    records = json.loads(json.dumps(to_records([turn])))  # as localStorage gives them back
    (again,) = turns_from_records(records, 20)
    assert again == turn
    assert again.answer(PASSAGES) == answer


def test_a_reply_to_a_russian_question_keeps_its_language_across_the_browser_and_an_index_build():
    question = "Когда Кувейт вступил в СВМДА?"
    answer = Answer(question, "related", None, (Hit(PASSAGES[1], 0.81, 1),), 0.9, None, language="ru")
    turn = Turn.from_answer(answer, "b8c32454b63a", 5, "hybrid")
    (again,) = turns_from_records(json.loads(json.dumps(to_records([turn]))), 20)
    assert again.language == "ru" and again.answer(PASSAGES) == answer
    # Kept from a build that is gone: still said in Russian.
    assert "Обсуждается, но без ответа" in render.earlier_reply(again)
    assert "Обсуждается" not in render.earlier_reply(replace(again, language="en"))


def test_a_turn_from_another_index_gives_no_answer():
    turn = Turn.from_answer(answered(), "old", 5, "hybrid")
    assert turn.answer(PASSAGES[:1]) is None  # passage 1 is not there
    moved = [PASSAGES[0], Passage(1, "cica_interview.txt", 0, 5, 9, "", "Other", ((0, 5),))]
    assert turn.answer(moved) is None  # passage 1 is another paragraph now


def test_reading_records_evaluates_their_annotations_once_per_class(monkeypatch):
    """Evaluating the string annotations of a record's dataclasses on every
    record was most of a vote's own time (the browser sends the whole
    conversation back with each thumb)."""
    turn = Turn.from_answer(answered(), "b1", 5, "hybrid")
    records = json.loads(json.dumps(to_records([turn] * 3)))
    evaluated = []
    monkeypatch.setattr(typing, "get_type_hints", lambda *a, **k: evaluated.append(a) or hints(*a, **k))
    assert turns_from_records(records, 20) == turns_from_records(records, 20) == [turn] * 3
    assert len(evaluated) == len(set(evaluated))  # none evaluated twice (the first call may have been earlier)


@pytest.mark.parametrize(
    "change",
    [
        {"outcome": "maybe"},
        {"question": 42},
        {"question": "x" * 1002},
        {"top_k": 0},
        {"top_k": True},
        {"mode": "fuzzy"},
        {"confidence": float("nan")},
        {"confidence": 3},
        {"vote": "love"},
        {"passages": [[1, 1, 7.5, "a.txt", 4]]},
        {"passages": [[-1, 1, 7.5, "a.txt", 4, "interviewee"]]},
        {"passages": [[1, 1, 7.5, "a.txt", 4, "narrator"]]},
        {"passages": [[1, 1, 7.5, "a.txt", 4, "interviewee"]] * 51},
        {"sentence": None},  # answered without a sentence
        {"note": "refused, but answered?"},
        {"index_id": "i" * 301},
    ],
)
def test_a_record_that_is_not_a_turn_is_dropped(change):
    good = Turn.from_answer(answered(), "b1", 5, "hybrid").to_record()
    bad = good | change
    assert turns_from_records([bad, good, "junk", None], 20) == [Turn.from_record(good)]


def test_only_the_last_turns_are_read_and_anything_but_a_list_is_none():
    records = to_records([Turn.refused(f"q{n}", "Sorry.", "b1", 5, "hybrid") for n in range(30)])
    assert [t.question for t in turns_from_records(records, 20)] == [f"q{n}" for n in range(10, 30)]
    assert turns_from_records({"question": "q"}, 20) == turns_from_records(None, 20) == []


def test_citation_quotes_the_answer_sentence_and_names_who_said_it():
    turn = Turn.from_answer(answered(), "b1", 5, "hybrid")
    assert citation(turn) == (
        "> The number of Member States increased to 28, with Kuwait joining in 2022.\n"
        "\n"
        "— Kairat Sarybay, interview on Kazakhstan's CICA chairmanship, "
        "[¶4](source/cica_interview.txt?mark=100-173#p4)"
    )


def test_citation_names_the_interviewer_for_their_words():
    turn = Turn.from_answer(answered(sentence_in=0, question="Who chairs CICA now?"), "b1", 5, "hybrid")
    assert citation(turn) == (
        "> In December 2024, the CICA Chairmanship transitioned from Kazakhstan to Azerbaijan.\n"
        "\n"
        "— the interviewer, interview on Kazakhstan's CICA chairmanship, [¶38](source/cica_interview.txt?mark=0-83#p38)"
    )


def test_no_citation_without_an_answer_sentence():
    related = Answer("What is CICA's budget?", "related", None, (Hit(PASSAGES[1], 3.0, 1),), 0.98, 0.13)
    assert citation(Turn.from_answer(related, "b1", 5, "hybrid")) is None


def test_the_downloaded_conversation_is_exact():
    build = "b8c32454b63a"
    budget = Answer(
        "And its budget?", "related", None, (Hit(PASSAGES[1], 3.0, 1),), 0.98, 0.13, "When did Kuwait join?"
    )
    turns = [
        Turn.from_answer(answered(question="When did *Kuwait* join [CICA]?"), build, 5, "hybrid"),
        Turn.from_answer(budget, build, 5, "hybrid"),
        Turn.from_answer(Answer("Capital of France?", "not_covered", None, (), 0.09, None), build, 5, "hybrid"),
        Turn.refused("why " * 3, "Sorry, I cannot answer that: the question is empty.", build, 5, "hybrid"),
    ]
    assert conversation_markdown(turns, [answered(), budget, None, None]) == (
        "# Conversation with the CICA interview\n"
        "\n"
        "## 1. When did \\*Kuwait\\* join \\[CICA\\]?\n"
        "\n"
        "**Answered.** The interview answers this.\n"
        "\n"
        "> The number of Member States increased to 28, with Kuwait joining in 2022.\n"
        "\n"
        "— Kairat Sarybay, interview on Kazakhstan's CICA chairmanship, "
        "[¶4](source/cica_interview.txt?mark=100-173#p4)\n"
        "\n"
        "Passages shown:\n"
        "\n"
        "1. cica_interview.txt, [¶4](source/cica_interview.txt?mark=100-203#p4)\n"
        "\n"
        "   > The number of Member States increased to 28, with Kuwait joining in 2022. Morocco's application waits.\n"
        "\n"
        "2. cica_interview.txt, [¶38](source/cica_interview.txt?mark=0-83#p38) (the interviewer)\n"
        "\n"
        "   > In December 2024, the CICA Chairmanship transitioned from Kazakhstan to Azerbaijan.\n"
        "\n"
        "## 2. And its budget?\n"
        "\n"
        "Read together with the earlier question: When did Kuwait join?\n"
        "\n"
        "**Discussed, not answered.** The interview does not answer “And its budget?”.\n"
        "\n"
        "The closest passages, which do not answer it:\n"
        "\n"
        "1. cica_interview.txt, [¶4](source/cica_interview.txt?mark=100-203#p4)\n"
        "\n"
        "   > The number of Member States increased to 28, with Kuwait joining in 2022. Morocco's application waits.\n"
        "\n"
        "## 3. Capital of France?\n"
        "\n"
        "**Not about the interview.** The interview is not about this.\n"
        "\n"
        "## 4. why why why\n"
        "\n"
        "Not answered: Sorry, I cannot answer that: the question is empty.\n"
        "\n"
        "Answered by index build b8c32454b63a.\n"
    )


def test_a_download_of_an_earlier_build_lists_where_the_passages_were_and_says_why_no_text():
    turn = Turn.from_answer(answered(), "old", 5, "hybrid")
    assert conversation_markdown([turn]).endswith(
        "Passages shown:\n"
        "\n"
        "1. cica_interview.txt, [¶4](source/cica_interview.txt#p4)\n"
        "2. cica_interview.txt, [¶38](source/cica_interview.txt#p38) (the interviewer)\n"
        "\n"
        "(The passages' text is not kept: an earlier build of the index answered.)\n"
        "\n"
        "Answered by index build old.\n"
    )


MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
PAYLOADS = [
    "![tracker](https://evil.example/t.png)",
    "[click](javascript:alert(1)) <img src=x onerror=alert(1)> <script>alert(2)</script>",
    "**bold** __bold__ *em* _em_ ~~struck~~ `code` ``two`` $x$ &lt; &amp; \\*",
    "1. a list? - or this + that | a | table |",
    "> quoted",
    "# heading #",
    "- item",
    "2022) again",
    "www.evil.example and mail me@evil.example or <https://evil.example>",
    "`https://evil.example`",
    "cica_interview.txt _under_ snake_case_",
    "Kazakhstan's four-year chairmanship (2020-2024): “28 Member States”.",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_text_renders_as_typed_and_makes_nothing(payload):
    # Alone, quoted, in a heading: as the downloaded conversation places them.
    for where, reads in (("{}", "{}"), ("> {}", "{}"), ("## 1. {}", "1. {}")):
        rendered = MARKDOWN.render(where.format(markdown_text(payload)))
        tags = set(re.findall(r"<(\w+)", rendered))
        assert tags <= {"p", "blockquote", "h2", "code"}, (where, rendered)
        assert html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip() == reads.format(payload)


def test_addresses_go_into_code_spans_where_no_renderer_links_them():
    assert markdown_text("see www.evil.example, me@evil.example and https://evil.example/x") == (
        "see `www.evil.example,` `me@evil.example` and `https://evil.example/x`"
    )
    assert markdown_text("`https://x`") == "`` `https://x` ``"


def test_plain_sentences_stay_plain():
    sentence = "“The CICA family” is consistently growing; Kazakhstan's four-year chairmanship, 28 states."
    assert markdown_text(sentence) == sentence


def test_a_reply_offers_a_link_and_a_citation_that_give_back_their_text_exactly():
    turn = Turn.from_answer(answered(question='Why "Kuwait" & <b>?'), "b1", 5, "hybrid")
    buttons = render.actions(turn)
    values = [html.unescape(v) for v in re.findall(r'value="([^"]*)"', buttons)]
    assert values == ["?q=Why%20%22Kuwait%22%20%26%20%3Cb%3E%3F", citation(turn)]
    assert "<b>" not in buttons and "\n" not in buttons
    assert ">Copy link</button>" in buttons and ">Copy with citation</button>" in buttons


def test_a_reply_without_an_answer_offers_only_the_link_and_a_refusal_nothing():
    related = Turn.from_answer(Answer("Budget?", "related", None, (), 0.98, 0.13), "b1", 5, "hybrid")
    assert "Copy link" in render.actions(related) and "citation" not in render.actions(related)
    assert render.actions(Turn.refused("", "Please type a question.", "b1", 5, "hybrid")) == ""


def test_a_list_or_summary_keeps_its_kind_and_points_through_the_browser():
    points = (Point("Kuwait joined in 2022.", "cica_interview.txt", 4, 100, 122),)
    answer = replace(answered(), kind="list", points=points)
    turn = Turn.from_answer(answer, "b1", 5, "hybrid")
    (again,) = turns_from_records(json.loads(json.dumps(to_records([turn]))), 20)
    assert (again.kind, again.points) == ("list", points) and again.answer(PASSAGES) == answer
    assert "- Kuwait joined in 2022. [¶4](source/cica_interview.txt?mark=100-122#p4)" in conversation_markdown([again])
    record = turn.to_record()
    for bad in ({"kind": "poem"}, {"points": [["x", "a.txt", 1, 0, 1, "interviewee"]] * 13}):
        assert turns_from_records([record | bad], 20) == []


def test_the_download_shows_the_short_answer_in_bold_above_the_quote():
    sentence = replace(answered().sentence, short=Span("2022", 168, 172))
    turn = Turn.from_answer(replace(answered(), sentence=sentence), "b1", 5, "hybrid")
    assert "**Answered.** The interview answers this.\n\n**2022**\n\n> The number of Member States" in (
        conversation_markdown([turn])
    )
