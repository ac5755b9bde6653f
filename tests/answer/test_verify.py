"""The reader's checks, one per pattern of wrong answer seen in questions
outsiders wrote (qa.answer.verify). Sentences are the interview's own."""

import pytest

from qa.answer.names import Lexicon
from qa.answer.verify import verify

INTRO = (
    "Kazakhstan has concluded its chairmanship of the Conference on Interaction and Confidence Building Measures in "
    "Asia. We spoke with CICA Secretary General Ambassador Kairat Sarybay about the achievements made over the past "
    "four-year period."
)
SUMMIT = "The process was launched at the Sixth Summit in Astana in 2022 and garnered significant support."
MEMBERS = (
    "During Kazakhstan's four-year chairmanship alone, the number of Member States increased to 28, with Kuwait "
    "joining in 2022 and two observer states –Turkmenistan in 2021 and Saudi Arabia in 2023."
)
ROAD_MAP = "In 2023, the CICA foreign ministers approved the Road Map for CICA Transformation."
UZBEKISTAN = "Uzbekistan has enriched the human dimension of the Catalogue with a measure on the rights of women."
CHARTER = (
    "A key priority highlighted by the Azerbaijani Chairmanship is to adopt the Charter of the Conference on "
    "Interaction and Confidence Building Measures in Asia at the 2026 Summit."
)
RALLY = "Azerbaijan intends to hold the second CICA Rally of Volunteers."
FIRST_RALLY = "Kazakhstan hosted the first CICA Rally of Volunteers in Astana."
LEXICON = Lexicon([INTRO, SUMMIT, MEMBERS, ROAD_MAP, UZBEKISTAN, CHARTER, RALLY, FIRST_RALLY])


def check(question: str, sentence: str, context: str = ""):
    return verify(question, sentence, context, LEXICON)


@pytest.mark.parametrize(
    ("question", "sentence", "context"),
    [
        ("Where was the fifth CICA summit held?", SUMMIT, ""),  # another ordinal
        ("What did Kyrgyzstan add to the human dimension?", UZBEKISTAN, ""),  # another country
        ("What did Kuwait add to the human dimension?", UZBEKISTAN, MEMBERS),  # another, though its context names it
        ("When did Saudi Arabia become a full member?", MEMBERS, ""),  # observer, not member
        ("When did Kuwait become an observer?", MEMBERS, ""),  # Kuwait is the member in that sentence
        ("What did the foreign ministers approve in 2022?", ROAD_MAP, ""),  # another year
        ("What did the foreign ministers approve in 2022?", ROAD_MAP, SUMMIT),  # though the context has 2022
        ("When was the Charter approved?", ROAD_MAP, ""),  # the Road Map, not the Charter
    ],
    ids=[
        "ordinal", "country", "country-in-context", "observer-not-member", "member-not-observer", "year",
        "year-in-context", "charter-not-road-map",
    ],
)  # fmt: skip
def test_a_constraint_swapped_for_its_neighbour_is_a_hard_no(question, sentence, context):
    found = check(question, sentence, context)
    assert not found.passes and found.conflict


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("Which city will host the 2026 Summit?", CHARTER),  # no city
        ("When was the second Rally of Volunteers held?", RALLY),  # no date
        ("How many volunteers came to the second rally?", RALLY),  # no number
    ],
    ids=["city", "date", "count"],
)
def test_a_sentence_without_the_kind_of_thing_asked_is_a_hard_no(question, sentence):
    found = check(question, sentence)
    assert not found.passes and "holds no" in found.conflict


def test_a_question_about_what_would_be_needs_a_sentence_about_what_would_be():
    found = check("What happens if the Charter is not adopted at the 2026 Summit?", CHARTER)
    assert not found.passes and "no condition" in found.conflict
    completed = "If this task is completed, CICA becomes one."
    assert check("What happens if the Charter is adopted?", completed, CHARTER).passes
    handover = "In December 2024, the CICA Chairmanship transitioned from Kazakhstan to Azerbaijan."
    assert "will or would" in check("Who will take over the chairmanship after Azerbaijan?", handover).conflict


def test_a_name_the_interview_never_uses_is_a_hard_no():
    found = check("Who is the Secretary General of NATO?", INTRO)
    assert not found.passes and "nato" in found.conflict


def test_an_abbreviation_of_a_name_the_interview_spells_out_is_known():
    """ "CBMs" is the interview's Confidence Building Measures; "OSCE" is nothing it names."""
    assert LEXICON.knows("CBMs") and LEXICON.knows("CBM")
    assert not LEXICON.knows("OSCE") and not LEXICON.knows("cbms")
    assert check("What is the Catalogue of CBMs?", UZBEKISTAN).conflict is None


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("Where was the Sixth Summit held?", SUMMIT),
        ("When did Kuwait join CICA?", MEMBERS),
        ("When did Turkmenistan become an observer state?", MEMBERS),
        ("wich country hosted the first rally of volunteers", FIRST_RALLY),  # typo, lower case
        ("In which year did the foreign ministers approve the Road Map?", ROAD_MAP),
        ("Who is CICA's Secretary General?", INTRO),  # a possessive, the document's own subject
        ("When did Kuwait join, and which countries became observers?", MEMBERS),  # two questions
    ],
)
def test_the_sentences_that_answer_pass(question, sentence):
    found = check(question, sentence)
    assert found.passes, found.reason
