"""The source view: a corpus file whole, on a page of its own (``/source``),
every paragraph with an anchor (``/source#p4``) that replies, citations and
the downloaded conversation link to.

The paragraphs are numbered as the passages are (:func:`qa.index.chunking.numbered_paragraphs`),
so only a file the answering index was built from is shown: one whose sha256
is the manifest's. The interviewer's questions are headings; a link from a
reply marks the sentence it cites (``?mark=START-END``, offsets into the
file) and the paragraph it lands on is highlighted. Title, date and address
come from the file's front matter when it has one, and are otherwise left
out, never guessed. The page is plain HTML (no script), every text escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from qa.errors import CorpusError
from qa.index.chunking import INTERVIEWEE, INTERVIEWER, is_question, numbered_paragraphs
from qa.index.documents import front_matter, load_corpus
from qa.types import Document

ROUTE = "source"
_HEADING = re.compile(r"#{1,6}\s+(.*\S)")
_MARK = re.compile(r"(\d{1,12})-(\d{1,12})")
ADDRESS_FIELDS = ("url", "address", "link")


@dataclass(frozen=True)
class Paragraph:
    """A numbered paragraph; ``role`` is "question" (the interviewer's),
    "heading", "interviewer" or "interviewee"."""

    number: int
    start: int
    end: int
    role: str


@dataclass(frozen=True)
class Source:
    """A corpus file as the source view shows it."""

    name: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    title: str = ""
    date: str = ""
    address: str = ""


def source_of(document: Document) -> Source:
    fields, _ = front_matter(document.text)
    text = document.text
    spans = numbered_paragraphs(text)
    interview = any(is_question(text[s:e]) for _, (s, e) in spans)
    paragraphs, asked = [], False
    for number, (start, end) in spans:
        if _HEADING.fullmatch(text[start:end]):
            role = "heading"
        elif is_question(text[start:end]):
            role, asked = "question", True
        else:
            role = INTERVIEWER if interview and not asked else INTERVIEWEE
        paragraphs.append(Paragraph(number, start, end, role))
    address = next((fields[name] for name in ADDRESS_FIELDS if fields.get(name)), "")
    return Source(
        document.source,
        text,
        tuple(paragraphs),
        fields.get("title", ""),
        fields.get("date", ""),
        address if re.match(r"https?://", address) else "",
    )


def read_sources(corpus_dir: Path, built_from: Mapping[str, str]) -> dict[str, Source]:
    """The files of ``corpus_dir`` the index was built from (``built_from``:
    name -> sha256, the manifest's corpus); a file changed since, or a corpus
    that cannot be read, is left out (its paragraphs may not be the passages')."""
    try:
        documents = load_corpus(corpus_dir)
    except CorpusError:
        return {}
    return {d.source: source_of(d) for d in documents if built_from.get(d.source) == d.sha256}


def link(source: str, paragraph: int, span: tuple[int, int] | None = None) -> str:
    """Where paragraph ``paragraph`` of ``source`` is, relative to the chat's
    address, marking ``span`` (file offsets) when given."""
    mark = f"?mark={span[0]}-{span[1]}" if span is not None else ""
    return f"{ROUTE}/{quote(source, safe='/')}{mark}#p{paragraph}"


def parse_mark(value: str | None) -> tuple[int, int] | None:
    match = _MARK.fullmatch(value or "")
    return (int(match[1]), int(match[2])) if match and int(match[1]) < int(match[2]) else None


def page(source: Source, mark: tuple[int, int] | None = None, chat: str = "../") -> str:
    """The source view of ``source`` as an HTML document; ``chat`` is the
    chat's address relative to it."""
    title = source.title or "The whole interview"
    about = [f"<p>File {_text(source.name)}</p>"]
    if source.date:
        about.append(f"<p>Published {_text(source.date)}</p>")
    if source.address:
        address = html.escape(source.address, quote=True)
        about.append(f'<p>Published at <a href="{address}">{_text(source.address)}</a></p>')
    body = "\n".join(_paragraph(source, p, mark) for p in source.paragraphs)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_text(title)} · Ask the CICA interview</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        '<a class="skip" href="#text">Skip to the interview</a>\n'
        f'<header>\n<p><a href="{chat}">← Back to the chat</a></p>\n<h1>{_text(title)}</h1>\n'
        f'<div class="about">{"".join(about)}</div>\n'
        '<p class="legend">The interviewer\'s questions are headings; ¶ numbers are the ones the chat cites.</p>\n'
        f'</header>\n<main id="text">\n{body}\n</main>\n</body>\n</html>\n'
    )


def _paragraph(source: Source, paragraph: Paragraph, mark: tuple[int, int] | None) -> str:
    start, end = paragraph.start, paragraph.end
    text = source.text
    if paragraph.role == "heading":
        start += len(text[start:end]) - len(_HEADING.fullmatch(text[start:end]).group(1))
    elif text.startswith("- ", start):
        start += 2  # the dash that marks a speaker's turn
    if mark is not None and start <= mark[0] < mark[1] <= end:
        marked = f"<mark>{_text(text[mark[0] : mark[1]])}</mark>"
        inner = f"{_text(text[start : mark[0]])}{marked}{_text(text[mark[1] : end])}"
    else:
        inner = _text(text[start:end])
    number = f'<a class="number" href="#p{paragraph.number}">¶{paragraph.number}</a>'
    if paragraph.role == "question":
        who = '<span class="who">Interviewer</span>'
        return f'<h2 id="p{paragraph.number}" class="question">{number} {who} {inner}</h2>'
    if paragraph.role == "heading":
        return f'<h2 id="p{paragraph.number}">{number} {inner}</h2>'
    who = ' class="interviewer"' if paragraph.role == INTERVIEWER else ""
    return f'<p id="p{paragraph.number}"{who}>{number} {inner}</p>'


def _text(value: str) -> str:
    return html.escape(value, quote=True).replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")


CSS = resources.files("qa.web").joinpath("assets", "source.css").read_text(encoding="utf-8")


def routes(sources: Mapping[str, Source]) -> list:
    """The source view's routes, for the web server: ``/source`` (the first
    file) and ``/source/<file name>``; ``?mark=START-END`` marks a sentence."""
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    first = min(sources) if sources else None

    def respond(request: Request) -> HTMLResponse:
        name = request.path_params.get("name", first)
        source = sources.get(name) if name is not None else None
        if source is None:
            missing = "This file is not one the chat answers from, or it has changed since the index was built."
            return HTMLResponse(f"<!doctype html><title>Not found</title><p>{missing}</p>", status_code=404)
        depth = name.count("/") + 1 if "name" in request.path_params else 0
        chat = "../" * depth or "./"
        return HTMLResponse(page(source, parse_mark(request.query_params.get("mark")), chat))

    return [Route(f"/{ROUTE}", respond, methods=["GET"]), Route(f"/{ROUTE}/{{name:path}}", respond, methods=["GET"])]
