"""The source view: the whole file, each paragraph numbered as the passages
are, the interviewer's questions set apart, a cited sentence marked, the
publication's details only from the file's front matter."""

from pathlib import Path

from starlette.applications import Starlette
from starlette.testclient import TestClient

from qa.index.chunking import chunk_document
from qa.index.documents import front_matter, load_corpus
from qa.types import Document
from qa.web import source
from tests.conftest import TINY_INTERVIEW

FRONT = "---\ntitle: Four years of CICA <chairmanship>\ndate: 2025-01-15\nurl: https://example.org/cica\n---\n"


def sources(tmp_path: Path, files: dict[str, str]) -> dict[str, source.Source]:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return source.read_sources(tmp_path, {d.source: d.sha256 for d in load_corpus(tmp_path)})


def client(found: dict[str, source.Source]) -> TestClient:
    return TestClient(Starlette(routes=source.routes(found)))


def words(count: str) -> int:
    return len(count.split())


def test_paragraphs_are_numbered_as_the_passages_are_and_questions_are_headings(tmp_path):
    found = sources(tmp_path, {"interview.txt": TINY_INTERVIEW})
    page = client(found).get("/source").text
    passages = chunk_document(Document("interview.txt", TINY_INTERVIEW, ""), words, 128)
    for p in passages:  # every passage's paragraph anchor holds its text
        held = page.split(f'id="p{p.paragraph}"')[1].split("</p>")[0]
        assert p.text.replace("'", "&#x27;") in held
    assert (
        '<h2 id="p2" class="question"><a class="number" href="#p2">¶2</a> <span class="who">Interviewer</span>' in page
    )
    assert '<p id="p1" class="interviewer">' in page and '<p id="p3">' in page
    assert "<h1>The whole interview</h1>" in page and "Published" not in page  # nothing invented


def test_a_cited_sentence_is_marked_and_a_mark_elsewhere_is_ignored(tmp_path):
    found = sources(tmp_path, {"interview.txt": TINY_INTERVIEW})
    start = TINY_INTERVIEW.index("Kuwait joined in 2022.")
    page = client(found).get(f"/source/interview.txt?mark={start}-{start + 22}").text
    assert "<mark>Kuwait joined in 2022.</mark>" in page
    assert "<mark>" not in client(found).get(f"/source?mark={start}-{start + 500}").text  # across paragraphs
    assert "<mark>" not in client(found).get("/source?mark=junk").text


def test_the_front_matter_gives_title_date_and_address_and_is_no_paragraph(tmp_path):
    text = FRONT + TINY_INTERVIEW
    fields, body = front_matter(text)
    assert fields == {
        "title": "Four years of CICA <chairmanship>",
        "date": "2025-01-15",
        "url": "https://example.org/cica",
    }
    assert text[body:].lstrip().startswith("The magazine spoke")
    passages = chunk_document(Document("a.txt", text, ""), words, 128)
    assert passages[0].paragraph == 1 and "title" not in passages[0].text  # numbered from after the block
    page = client(sources(tmp_path, {"a.txt": text})).get("/source/a.txt").text
    assert "<h1>Four years of CICA &lt;chairmanship&gt;</h1>" in page
    assert "Published 2025-01-15" in page and '<a href="https://example.org/cica">' in page


def test_a_block_that_is_not_all_fields_is_text_and_an_address_must_be_a_web_one():
    assert front_matter("---\njust a line\n---\ntext") == ({}, 0)
    assert front_matter("no block") == ({}, 0)
    made = source.source_of(Document("a.txt", "---\nurl: javascript:alert(1)\n---\nText.", ""))
    assert made.address == "" and made.paragraphs[0].number == 1


def test_a_changed_or_unknown_file_has_no_page(tmp_path):
    (tmp_path / "interview.txt").write_text(TINY_INTERVIEW, encoding="utf-8")
    found = source.read_sources(tmp_path, {"interview.txt": "another-sha256"})
    assert found == {}
    assert client(found).get("/source").status_code == 404
    assert client(sources(tmp_path, {"b.txt": "Hello."})).get("/source/missing.txt").status_code == 404


def test_links_name_the_file_the_paragraph_and_the_marked_span():
    assert source.link("cica interview.txt", 4, (10, 20)) == "source/cica%20interview.txt?mark=10-20#p4"
    assert source.link("a/b.txt", 1) == "source/a/b.txt#p1"


def test_the_way_back_to_the_chat_is_relative(tmp_path):
    found = sources(tmp_path, {"interview.txt": TINY_INTERVIEW})
    assert '<a href="./">← Back to the chat</a>' in client(found).get("/source").text
    assert '<a href="../">← Back to the chat</a>' in client(found).get("/source/interview.txt").text
