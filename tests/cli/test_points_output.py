"""`ask` in words: a list, summary or about answer prints its points, numbered, with their paragraphs."""


def test_a_list_answer_prints_its_points_numbered_with_their_paragraphs():
    from qa.cli.ask import format_answer
    from qa.types import Answer, AnswerSentence, Hit, Passage, Point

    text = "Kuwait joined in 2022. Turkmenistan became an observer."
    passage = Passage(0, "i.txt", 0, len(text), 4, "Who joined?", text, ((0, 22), (23, 55)))
    points = (
        Point("Kuwait joined in 2022.", "i.txt", 4, 0, 22),
        Point("Turkmenistan became an observer.", "i.txt", 9, 23, 55),
    )
    sentence = AnswerSentence(points[0].text, 1, 0, 22, 0.9)
    answer = Answer("Who joined?", "answered", sentence, (Hit(passage, 1.0, 1),), 0.9, 0.8, kind="list", points=points)
    lines = format_answer(answer).splitlines()
    assert "   1. Kuwait joined in 2022. (paragraph 4)" in lines
    assert "   2. Turkmenistan became an observer. (paragraph 9)" in lines
