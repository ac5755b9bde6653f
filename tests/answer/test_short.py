"""The short answer: the words of the asked kind inside the answer sentence."""

import pytest

from qa.answer.short import short_answer

MEMBERS = (
    "During Kazakhstan's four-year chairmanship alone, the number of Member States increased to 28, with Kuwait "
    "joining in 2022 and two observer states –Turkmenistan in 2021 and Saudi Arabia in 2023."
)
FINANCE = (
    "I would also like to remind you that China, during its chairmanship (before Kazakhstan), established the "
    "tradition of holding CICA financial summits."
)


@pytest.mark.parametrize(
    ("question", "sentence", "short"),
    [
        # Three years in the sentence: the one beside the question's own name.
        ("When did Kuwait join CICA?", MEMBERS, "2022"),
        ("When did Turkmenistan become an observer?", MEMBERS, "2021"),
        ("How many member states does CICA have?", MEMBERS, "28"),
        # A country inside a parenthesis is an aside, not the answer.
        ("Which country started the financial summits?", FINANCE, "China"),
        (
            "Where was the first Rally of Volunteers held?",
            "The first CICA Rally of Volunteers was held in Astana.",
            "Astana",
        ),
    ],
)
def test_the_short_answer_is_the_asked_thing_nearest_the_question(question, sentence, short):
    found = short_answer(question, sentence, 100)
    assert found is not None and found.text == short
    assert sentence[found.start - 100 : found.end - 100] == short  # offsets into the file


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("Why is CICA being transformed?", MEMBERS),  # a reason: the sentence is the answer
        ("Which countries joined CICA?", MEMBERS),  # several things
        ("When did Kuwait join, and how many members are there?", MEMBERS),  # two questions
        ("Are there really 28 members?", "There are 28 members."),  # yes-no
        ("How many of the 28 members joined?", "There are 28 members."),  # the only number is the question's own
    ],
)
def test_no_short_answer_where_the_question_asks_for_no_single_new_thing(question, sentence):
    assert short_answer(question, sentence, 0) is None
