import pytest

from qa.answer_type import DATE, NUMBER, expected, has


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How many member states does CICA have?", NUMBER),
        ("how much money does the Fund hold", NUMBER),
        ("CICA member states count", NUMBER),
        ("What is the number of observers?", NUMBER),
        ("When did Kuwait join?", DATE),
        ("In which year was the Charter drafted?", DATE),
        ("In what year did Azerbaijan take over?", DATE),
        ("Who is the Secretary General?", None),
        ("Why is CICA being transformed?", None),
        ("What counts most for the youth?", None),
    ],
)
def test_the_expected_kind_of_answer(question, kind):
    assert expected(question) == kind


@pytest.mark.parametrize(
    "sentence, kind, found",
    [
        ("The number of Member States increased to 28.", NUMBER, True),
        ("There are nineteen areas, four of them new.", NUMBER, True),
        ("Kuwait joined in 2022.", DATE, True),
        ("The Chairmanship passed in December.", DATE, True),
        ("The Conference has established itself.", NUMBER, False),
        ("The Conference has 28 members.", DATE, False),
        ("Kuwait joined in 2022.", None, False),
    ],
)
def test_a_sentence_has_an_answer_of_that_kind(sentence, kind, found):
    assert has(sentence, kind) is found
