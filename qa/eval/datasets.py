"""The evaluation sets under ``qa/eval/data``, read with one JSON Lines reader
and one kind of validation: a malformed line is an InvalidArgument naming
the file and the line.

    gold.jsonl, gold_styles.jsonl   questions the corpus answers, with evidence
    offtopic.jsonl                  questions it does not answer
    followups.jsonl                 follow-up questions with the question before
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

from qa.errors import InvalidArgument
from qa.records import MinLength, OneOf, parse

SPLITS = ("dev", "test")
T = TypeVar("T")


Text = Annotated[str, MinLength(1)]  # a non-blank string
Split = Annotated[str, OneOf(SPLITS)]


@dataclass(frozen=True)
class GoldQuestion:
    """A question with ``evidence`` strings copied from the corpus: a passage
    holding one is relevant, an answer sentence overlapping one is right."""

    id: Text
    question: Text
    evidence: Annotated[tuple[Text, ...], MinLength(1)]
    split: Split = "dev"
    style: str = ""


@dataclass(frozen=True)
class OffTopicQuestion:
    """A question the corpus does not answer. ``kind``: general, other-org,
    chitchat, gibberish, near-miss; ``asks``: the kind of answer it wants."""

    id: Text
    question: Text
    kind: Text
    split: Split = "dev"
    asks: str = ""


@dataclass(frozen=True)
class FollowUp:
    """A gold question that leans on the question asked before it."""

    gold: GoldQuestion
    previous: str


def read_jsonl(path: Path, parse: Callable[[dict[str, Any]], T], what: str) -> list[T]:
    """Every record of a JSON Lines file, parsed; blank lines are skipped. An
    ``id`` given twice is an error: results, tests and TREC files are keyed by it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InvalidArgument(f"cannot read {what} {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidArgument(f"{what} {path} is not UTF-8 text") from exc
    items, first_line = [], {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise TypeError("not a JSON object")
            items.append(parse(record))
        except KeyError as exc:
            raise InvalidArgument(f"{path}:{number}: not {_a(what)} (no {exc.args[0]!r} field)") from exc
        except (ValueError, TypeError) as exc:  # qa.records names the field
            raise InvalidArgument(f"{path}:{number}: not {_a(what)} ({exc})") from exc
        seen = first_line.setdefault(record["id"], number)
        if seen != number:
            raise InvalidArgument(f"{path}:{number}: id {record['id']} is already on line {seen}")
    if not items:
        raise InvalidArgument(f"{path} holds no {what}")
    return items


def load_gold(path: Path) -> list[GoldQuestion]:
    return read_jsonl(path, _gold, "gold set")


def load_gold_sets(paths: list[Path]) -> dict[str, list[GoldQuestion]]:
    """Gold sets by file name; a name or a question id in two of them is an error."""
    sets: dict[str, list[GoldQuestion]] = {}
    owner: dict[str, str] = {}
    for path in paths:
        if path.name in sets:
            raise InvalidArgument(f"two gold sets are named {path.name}: rename one")
        sets[path.name] = load_gold(path)
        for item in sets[path.name]:
            if owner.setdefault(item.id, path.name) != path.name:
                raise InvalidArgument(f"gold question id {item.id} is in {owner[item.id]} and {path.name}")
    return sets


def load_off_topic(path: Path) -> list[OffTopicQuestion]:
    return read_jsonl(path, _off_topic, "off-topic set")


def load_followups(path: Path) -> list[FollowUp]:
    return read_jsonl(path, lambda r: FollowUp(_gold(r), _previous(r)), "follow-up set")


def _gold(record: dict[str, Any]) -> GoldQuestion:
    return parse(GoldQuestion, record, "", unknown="ignore")


def _off_topic(record: dict[str, Any]) -> OffTopicQuestion:
    return parse(OffTopicQuestion, record, "", unknown="ignore")


def _previous(record: dict[str, Any]) -> str:
    return parse(Text, record["previous"], "previous")


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"
