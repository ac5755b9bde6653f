import pytest

from qa.answer.followup import leans_on_previous, previous_of, with_previous


@pytest.mark.parametrize(
    "question",
    ["What is its main priority?", "And Saudi Arabia?", "what about ASEAN?", "Why?", "Will there be another one?"],
)
def test_questions_that_lean_on_the_previous_one(question):
    assert leans_on_previous(question)


@pytest.mark.parametrize(
    "question",
    ["When did Kuwait join the Conference?", "How many priority areas does the Catalogue have?"],
)
def test_self_contained_questions_stand_alone(question):
    assert not leans_on_previous(question)
    assert with_previous(question, "Which country took over the chairmanship?") is None


def test_the_previous_questions_content_words_are_carried_over():
    combined = with_previous("What is its main priority?", "Which country took over the chairmanship in December 2024?")
    assert combined == "What is its main priority? country took chairmanship December 2024"
    assert with_previous("What is its main priority?", "   ") is None


def test_a_chain_of_follow_ups_keeps_its_topic():
    context = previous_of(["Who chairs CICA after Kazakhstan?", "What is its main priority?"])
    assert context == "What is its main priority? chairs CICA Kazakhstan"
    assert previous_of(["When did Kuwait join?", "How many priority areas does the Catalogue have?"]) == (
        "How many priority areas does the Catalogue have?"
    )
    assert previous_of([]) == ""


def test_a_short_question_with_a_word_the_corpus_never_uses_stands_alone():
    known = {"what", "is", "the", "of", "its", "capital", "year"}.__contains__
    assert not leans_on_previous("What is the capital of France?", lambda w: known(w.lower()))
    assert leans_on_previous("What is the capital of France?")  # without a corpus to ask
    assert leans_on_previous("Which year?", lambda w: known(w.lower()))
    assert leans_on_previous("What is its budget?", lambda w: known(w.lower()))  # "its" refers back
    assert previous_of(["When did Kuwait join?", "Tell me a joke"], lambda w: known(w.lower())) == ("Tell me a joke")


@pytest.mark.parametrize(
    ("question", "leans"),
    [
        ("А какой у неё главный приоритет?", True),  # "and", "her"
        ("Когда это было?", True),  # "this"
        ("Когда Кувейт вступил в СВМДА?", False),  # stands alone
        ("Оның басты басымдығы қандай?", True),  # Kazakh "its"
        ("它的主要优先事项是什么？", True),  # Chinese "it", inside the unspaced text
        ("科威特哪一年加入亚信？", False),
    ],
)
def test_russian_kazakh_and_chinese_questions_refer_back_too(question, leans):
    assert leans_on_previous(question, known=lambda word: False) is leans
