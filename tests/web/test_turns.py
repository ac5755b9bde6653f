"""The conversation's handlers: retry, undo, reload (restore), /?q=, download."""

import html
import re

from qa import wording
from qa.web import handlers
from tests.web.chat import asked


def test_retry_asks_the_last_question_again_with_the_settings_now(tiny_searcher):
    records = asked(tiny_searcher, "When did Kuwait join CICA?", "What is its main priority?")
    chat, again = handlers.retry(tiny_searcher, records, 2, "dense")
    assert again[0] == records[0] and len(again) == 2
    assert (again[1]["question"], again[1]["top_k"], again[1]["mode"]) == ("What is its main priority?", 2, "dense")
    assert again[1]["previous"] == "When did Kuwait join CICA?"  # still read with the question before it
    assert chat["value"][3]["content"].count('<div class="qa-card') == 2
    assert handlers.retry(tiny_searcher, [], 5, "hybrid")[1] == []


def test_undo_takes_the_last_turn_back_into_the_question_box(tiny_searcher):
    records = asked(tiny_searcher, "When did Kuwait join CICA?", "What is the CICA Fund?")
    box, chat, kept = handlers.undo(tiny_searcher, records)
    assert box == "What is the CICA Fund?" and kept == records[:1] and len(chat["value"]) == 2
    assert handlers.undo(tiny_searcher, [])[0] == ""


def test_the_page_opening_restores_the_conversation_then_asks_the_addresss_question(real_searcher):
    records = asked(real_searcher, "Which country took over the chairmanship in December 2024?")
    chat, restored = handlers.restore(real_searcher, records, None)
    assert restored == records and len(chat["value"]) == 2
    chat, restored = handlers.restore(real_searcher, records, "What is its main priority?")
    assert [r["question"] for r in restored] == [records[0]["question"], "What is its main priority?"]
    assert restored[1]["previous"] == records[0]["question"]  # a follow-up, as typed in the chat
    assert "adopt the Charter" in chat["value"][3]["content"]
    assert handlers.restore(real_searcher, "not a list", "  ")[1] == []


def test_a_reply_from_an_index_build_that_is_gone_shows_what_the_turn_holds(tiny_searcher):
    (record,) = asked(tiny_searcher, "When did Kuwait join CICA?")
    chat, _ = handlers.restore(tiny_searcher, [record | {"index_id": "a-gone-build"}])
    reply = chat["value"][1]["content"]
    assert f'<p class="qa-note">{wording.chat().earlier_build}</p>' in reply and "Answered</span>" in reply
    assert "Kuwait joined in 2022" in reply and "qa-card" not in reply and "Copy with citation" in reply
    assert "qa-para" not in reply  # no link to a paragraph: the offsets may mean other text now


def test_every_reply_carries_its_copy_buttons_after_the_answer(tiny_searcher):
    chat = handlers.restore(tiny_searcher, asked(tiny_searcher, "When did Kuwait join CICA?"))[0]
    reply = chat["value"][1]["content"]
    assert reply.index("qa-answer") < reply.index("qa-actions") < reply.index("qa-card")
    link = html.unescape(reply.split('class="qa-copy qa-copy-link" value="')[1].split('"')[0])
    assert link == "?q=When%20did%20Kuwait%20join%20CICA%3F"


def test_the_download_is_the_conversation_in_markdown(real_searcher):
    records = asked(real_searcher, "What is the capital of France?", "When did Kuwait join CICA?")
    text = handlers.conversation_file(real_searcher, records)
    assert text.startswith(
        "# Conversation with the CICA interview\n\n## 1. What is the capital of France?\n\n"
        "**Not about the interview.** The interview is not about this.\n\n"
        "The closest passages, about something else:\n\n1. cica_interview.txt, [¶"
    )
    assert "\n## 2. When did Kuwait join CICA?\n\n**Answered.** The interview answers this.\n\n**2022**\n\n" in text
    assert "\n\n> “The CICA family” is consistently growing;" in text
    assert (
        "Saudi Arabia in 2023.\n\n— Kairat Sarybay, interview on Kazakhstan's CICA chairmanship, "
        "[¶4](source/cica_interview.txt?mark=1060-1297#p4)\n"
    ) in text
    # Each passage with its text, linked to its paragraph.
    assert "\n1. cica_interview.txt, [¶4](source/cica_interview.txt?mark=" in text
    assert "\n   > The Conference was convened more than 30 years ago" in text
    assert text.endswith(f"Answered by index build {real_searcher.index_id}.\n")


def test_the_index_id_is_twelve_hex_digits_shown_in_the_status(tiny_searcher):
    # What it is a hash of (what the index was built from): tests/build/test_build.py.
    assert re.fullmatch("[0-9a-f]{12}", tiny_searcher.index_id)
    assert f"build {tiny_searcher.index_id}" in handlers.index_status(tiny_searcher)
