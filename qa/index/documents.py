"""Corpus loading: every ``.txt`` / ``.md`` file under the corpus directory."""

from __future__ import annotations

import re
from pathlib import Path

from qa.errors import CorpusError
from qa.files import sha256_bytes
from qa.types import Document

SUFFIXES = (".txt", ".md")
# What a publication says of itself, in a block of "name: value" lines between
# two "---" lines at the very start of a file (Markdown's front matter).
_FRONT_MATTER = re.compile(r"\A---[ \t]*(?:\r\n|\r|\n)(.*?)(?:\r\n|\r|\n)---[ \t]*(?=\r|\n|\Z)", re.DOTALL)
_FIELD = re.compile(r"([A-Za-z][\w-]*)[ \t]*:[ \t]*(.*\S)?[ \t]*")


def front_matter(text: str) -> tuple[dict[str, str], int]:
    """The fields of ``text``'s front matter (``title: ...``, ``date: ...``,
    ``url: ...``; names in lower case) and the offset where the text after it
    starts: ({}, 0) when it has none. Every line of the block must be a field
    (or blank), else it is text like any other."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, 0
    fields = {}
    for line in re.split(r"\r\n|\r|\n", match.group(1)):
        field = _FIELD.fullmatch(line)
        if field is None:
            if line.strip():
                return {}, 0
            continue
        fields[field.group(1).lower()] = field.group(2) or ""
    return fields, match.end()


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The document files, sorted, hidden files and folders skipped."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus directory not found: {corpus_dir}")
    try:
        files = sorted(
            path
            for path in corpus_dir.rglob("*")
            if path.suffix.lower() in SUFFIXES
            and path.is_file()
            and not any(part.startswith(".") for part in path.relative_to(corpus_dir).parts)
        )
    except OSError as exc:
        raise CorpusError(f"cannot read corpus directory {corpus_dir}: {exc.strerror}") from exc
    if not files:
        raise CorpusError(f"no .txt or .md documents in {corpus_dir}")
    return files


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Read every document. Text is decoded as UTF-8 without newline
    translation, so character offsets match the file exactly."""
    documents = []
    for path in corpus_files(corpus_dir):
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
        except OSError as exc:
            raise CorpusError(f"cannot read {path}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
        source = path.relative_to(corpus_dir).as_posix()
        documents.append(Document(source=source, text=text, sha256=sha256_bytes(data)))
    return documents
