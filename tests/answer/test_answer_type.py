import pytest

from qa.answer.answer_type import (
    COUNT,
    COUNTRY,
    DATE,
    DURATION,
    LIST,
    MONEY,
    ORGANISATION,
    PERSON,
    PLACE,
    REASON,
    YES_NO,
    expected,
    has,
)


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How many member states does CICA have?", COUNT),
        ("CICA member states count", COUNT),
        ("What is the number of observers?", COUNT),
        ("how much money does the Fund hold", MONEY),
        ("What is CICA's annual budget?", MONEY),
        ("How long did Kazakhstan chair CICA?", DURATION),
        ("How many years did Kazakhstan hold the chair?", DURATION),
        ("When did Kuwait join?", DATE),
        ("In which year was the Charter drafted?", DATE),
        ("In what year did Azerbaijan take over?", DATE),
        ("What is Kairat Sarybay's date of birth?", DATE),
        ("where was he born", PLACE),
        ("Which country took over the chairmanship?", COUNTRY),
        ("Where is the CICA Secretariat?", PLACE),
        ("Which city will host the summit?", PLACE),
        ("Which organizations does CICA cooperate with?", ORGANISATION),
        ("Who is the Secretary General?", PERSON),
        ("Why is CICA being transformed?", REASON),
        ("Is CICA creating a new organization?", YES_NO),
        ("What are the priorities of Azerbaijan's chairmanship?", LIST),
        ("What counts most for the youth?", None),
    ],
)
def test_the_expected_kind_of_answer(question, kind):
    assert expected(question) == kind


@pytest.mark.parametrize(
    "sentence, kind, found",
    [
        ("The number of Member States increased to 28.", COUNT, True),
        ("There are nineteen areas, four of them new.", COUNT, True),
        ("Kuwait joined in 2022.", DATE, True),
        ("The Chairmanship passed in December.", DATE, True),
        ("The Conference has established itself.", COUNT, False),
        ("The Conference has 28 members.", DATE, False),
        ("In December 2024, the CICA Chairmanship transitioned from Kazakhstan to Azerbaijan.", COUNTRY, True),
        ("The Chairmanship transitioned to the new Chair.", COUNTRY, False),
        ("as President Kassym-Jomart Tokayev emphasized", PERSON, True),
        ("The Secretariat is planting an alley in Astana.", PLACE, True),
        ("The Secretariat is planting an alley.", PLACE, False),
        ("CICA works with the SCO and ASEAN.", ORGANISATION, True),
        ("The Fund received 2 million dollars.", MONEY, True),
        ("Kazakhstan's four-year chairmanship ended.", DURATION, True),
        ("Kuwait joined in 2022.", None, None),
        ("Kuwait joined in 2022.", YES_NO, None),  # a yes-no answer cannot be checked
    ],
)
def test_a_sentence_holds_an_answer_of_that_kind(sentence, kind, found):
    assert has(sentence, kind) is found
