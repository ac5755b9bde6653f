"""How the project says things in plain words, shared by every renderer
(the command line's text, the chat's HTML, the downloaded Markdown): what
each outcome means, and the command line's tables."""

from __future__ import annotations

from dataclasses import dataclass

from qa.not_said import not_said
from qa.types import Outcome


@dataclass(frozen=True)
class OutcomeWords:
    """An outcome for a reader: the ``badge`` seen first, one plain
    ``sentence``, and what the ``passages`` shown with it are."""

    badge: str
    sentence: str
    passages: str


# The outcomes in words. Each renderer adds its own confidences and markup.
OUTCOMES = {
    Outcome.ANSWERED: OutcomeWords("Answered", "The interview answers this.", "Where the answer comes from"),
    Outcome.RELATED: OutcomeWords(
        "Discussed, not answered",
        "The interview talks about this but does not answer it.",
        "The closest passages, which do not answer it",
    ),
    Outcome.NOT_COVERED: OutcomeWords(
        "Not about the interview", "The interview is not about this.", "The closest passages, about something else"
    ),
}
# The same for questions in Russian, Kazakh and Chinese: the interview and its
# passages stay in English, what the chat says around them is in the question's language.
LOCALISED = {
    "ru": {
        Outcome.ANSWERED: OutcomeWords("Есть ответ", "В интервью есть ответ на этот вопрос.", "Откуда ответ"),
        Outcome.RELATED: OutcomeWords(
            "Обсуждается, но без ответа",
            "В интервью говорится об этом, но прямого ответа нет.",
            "Ближайшие отрывки, которые не отвечают на вопрос",
        ),
        Outcome.NOT_COVERED: OutcomeWords("Не об интервью", "Интервью не об этом.", "Ближайшие отрывки, о другом"),
    },
    "kk": {
        Outcome.ANSWERED: OutcomeWords("Жауап бар", "Сұхбатта бұл сұраққа жауап бар.", "Жауап қайдан алынды"),
        Outcome.RELATED: OutcomeWords(
            "Талқыланады, бірақ жауап жоқ",
            "Сұхбатта бұл туралы айтылады, бірақ тікелей жауап жоқ.",
            "Жауап бермейтін ең жақын үзінділер",
        ),
        Outcome.NOT_COVERED: OutcomeWords(
            "Сұхбат бұл туралы емес", "Сұхбат бұл туралы емес.", "Ең жақын үзінділер, басқа тақырыпта"
        ),
    },
    "zh": {
        Outcome.ANSWERED: OutcomeWords("已回答", "采访回答了这个问题。", "答案出处"),
        Outcome.RELATED: OutcomeWords(
            "有所讨论，但未回答", "采访谈到了这一点，但没有直接回答。", "最接近的段落（并未回答）"
        ),
        Outcome.NOT_COVERED: OutcomeWords("与采访无关", "采访没有涉及这个问题。", "最接近的段落（关于其他内容）"),
    },
}


@dataclass(frozen=True)
class ChatWords:
    """The chat's fixed texts around a reply, in one language: notes, labels,
    buttons, links. Fields with ``{...}`` are templates (``str.format``); the
    renderer escapes what it puts in them."""

    from_english: str  # "From the English interview", with the reader's question echoed
    earlier_question: str  # a follow-up: the question it is read with
    closest_passage: str
    answer_from_here: str
    more_passages: str  # the fold under the open passage, with how many it holds
    how_sure: str
    about_interview: str  # the confidences behind "How sure?"
    answers_it: str
    copy_link: str
    copy_citation: str
    ask_next: str  # over the suggested questions
    back: str  # the link back to the question box
    interviewer_says: str
    the_interviewer: str  # a passage the interviewer speaks, before its source
    in_reply_to: str  # a passage's section, when the section is a question
    under: str  # ... when it is a heading
    earlier_build: str
    passages_shown: str
    paragraph_of: str
    # Gradio's own buttons under a reply, named by the page's script (qa/web/assets/page.js):
    # their English names are Gradio's, the others put in their place.
    like: str
    liked: str
    dislike: str
    disliked: str
    retry: str
    undo: str
    copied: str  # what a copy button says for a moment after it is clicked
    copy_failed: str


# The same texts for questions in Russian, Kazakh and Chinese; any other language reads English.
CHAT = {
    "en": ChatWords(
        from_english="From the English interview. Your question: “{question}”",
        earlier_question="Read together with your earlier question: “{question}”",
        closest_passage="The closest passage",
        answer_from_here="The answer comes from here",
        more_passages="More passages ({count})",
        how_sure="How sure?",
        about_interview="About the interview: {confidence:.0%}",
        answers_it=" · that this answers it: {confidence:.0%}",
        copy_link="Copy link",
        copy_citation="Copy with citation",
        ask_next="Ask next, from the interview:",
        back="Ask another question",
        interviewer_says="The interviewer says:",
        the_interviewer="the interviewer, ",
        in_reply_to="in reply to",
        under="under",
        earlier_build="This reply came from an earlier build of the index; ask again to see its passages.",
        passages_shown="Passages shown: {shown}",
        paragraph_of="¶{paragraph} of {source}",
        like="Like",
        liked="Liked",
        dislike="Dislike",
        disliked="Disliked",
        retry="Retry",
        undo="Undo",
        copied="Copied",
        copy_failed="Copy failed",
    ),
    "ru": ChatWords(
        from_english="Из интервью на английском языке. Ваш вопрос: «{question}»",
        earlier_question="Вместе с вашим предыдущим вопросом: «{question}»",
        closest_passage="Ближайший отрывок",
        answer_from_here="Ответ отсюда",
        more_passages="Другие отрывки ({count})",
        how_sure="Насколько это точно?",
        about_interview="Вопрос об интервью: {confidence:.0%}",
        answers_it=" · это ответ на него: {confidence:.0%}",
        copy_link="Копировать ссылку",
        copy_citation="Копировать с источником",
        ask_next="Что ещё спросить по интервью:",
        back="Задать другой вопрос",
        interviewer_says="Интервьюер говорит:",
        the_interviewer="интервьюер, ",
        in_reply_to="в ответ на",
        under="в разделе",
        earlier_build="Этот ответ дала прежняя сборка индекса; задайте вопрос снова, чтобы увидеть отрывки.",
        passages_shown="Показанные отрывки: {shown}",
        paragraph_of="¶{paragraph} из {source}",
        like="Нравится",
        liked="Понравилось",
        dislike="Не нравится",
        disliked="Не понравилось",
        retry="Спросить снова",
        undo="Отменить",
        copied="Скопировано",
        copy_failed="Не удалось скопировать",
    ),
    "kk": ChatWords(
        from_english="Ағылшын тіліндегі сұхбаттан. Сіздің сұрағыңыз: «{question}»",
        earlier_question="Алдыңғы сұрағыңызбен бірге оқылды: «{question}»",
        closest_passage="Ең жақын үзінді",
        answer_from_here="Жауап осы жерден",
        more_passages="Басқа үзінділер ({count})",
        how_sure="Қаншалықты сенімді?",
        about_interview="Сұрақ сұхбат туралы: {confidence:.0%}",
        answers_it=" · бұл оның жауабы: {confidence:.0%}",
        copy_link="Сілтемені көшіру",
        copy_citation="Дереккөзімен көшіру",
        ask_next="Сұхбат бойынша тағы не сұрауға болады:",
        back="Басқа сұрақ қою",
        interviewer_says="Сұхбат алушы айтады:",
        the_interviewer="сұхбат алушы, ",
        in_reply_to="сұраққа жауап",
        under="бөлім",
        earlier_build="Бұл жауапты индекстің бұрынғы нұсқасы берді; үзінділерді көру үшін қайта сұраңыз.",
        passages_shown="Көрсетілген үзінділер: {shown}",
        paragraph_of="{source}, ¶{paragraph}",
        like="Ұнайды",
        liked="Ұнады",
        dislike="Ұнамайды",
        disliked="Ұнамады",
        retry="Қайта сұрау",
        undo="Болдырмау",
        copied="Көшірілді",
        copy_failed="Көшіру сәтсіз аяқталды",
    ),
    "zh": ChatWords(
        from_english="出自英文采访。您的问题：“{question}”",
        earlier_question="与您之前的问题一起理解：“{question}”",
        closest_passage="最接近的段落",
        answer_from_here="答案出自这里",
        more_passages="更多段落（{count}）",
        how_sure="有多确定？",
        about_interview="问题与采访相关：{confidence:.0%}",
        answers_it=" · 这回答了问题：{confidence:.0%}",
        copy_link="复制链接",
        copy_citation="连同出处复制",
        ask_next="接下来可以问（出自采访）：",
        back="再问一个问题",
        interviewer_says="采访者说：",
        the_interviewer="采访者，",
        in_reply_to="回答的问题",
        under="所在部分",
        earlier_build="此回复来自索引的早期版本；请重新提问以查看段落。",
        passages_shown="显示过的段落：{shown}",
        paragraph_of="{source} ¶{paragraph}",
        like="赞",
        liked="已赞",
        dislike="踩",
        disliked="已踩",
        retry="重新提问",
        undo="撤销",
        copied="已复制",
        copy_failed="复制失败",
    ),
}
NEVER_NAMES = "the interview never names"  # how qa.answer's reasons start when a name is unknown to it


def outcome(value: Outcome | str, language: str = "en") -> OutcomeWords:
    """The words for ``value`` (an Outcome or its JSON text), in ``language``
    when they are written in it, else in English."""
    return LOCALISED.get(language, OUTCOMES)[Outcome(value)]


def chat(language: str = "en") -> ChatWords:
    """The chat's fixed texts in ``language`` when they are written in it, else in English."""
    return CHAT.get(language, CHAT["en"])


def from_english(question: str, language: str) -> str:
    """The note over a reply to a question not in English: its passages are the English interview's."""
    return chat(language).from_english.format(question=question)


def reply_sentence(value: Outcome | str, question: str, reason: str | None = None, language: str = "en") -> str:
    """The plain sentence a reply to ``question`` says under its badge: for
    "related", what the interview does not say (:func:`not_said`); for a
    question about a name the interview never uses, that (``reason``);
    otherwise the outcome's own sentence (always, in another ``language``)."""
    value = Outcome(value)
    if language != "en":  # not_said() speaks English grammar; the outcome's own sentence in the question's language
        return outcome(value, language).sentence
    if value == Outcome.RELATED and question.strip():
        return not_said(question)
    if value == Outcome.NOT_COVERED and reason and reason.startswith(NEVER_NAMES):
        return f"{reason[0].upper()}{reason[1:]}."
    return outcome(value).sentence


def table(rows: list[list[str]]) -> list[str]:
    """Rows as lines of left-aligned columns, two spaces apart."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
