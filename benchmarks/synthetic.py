"""A deterministic synthetic corpus in the interview's own format, for benchmarks at scale.

    python benchmarks/synthetic.py OUT_DIR [--documents 1000] [--seed 0] [--no-count]

Each document is an interview: an introduction paragraph, then interviewer
questions ("- ... ?") each followed by answer paragraphs, the first of which
opens with "- ". Every paragraph is recombined from the real interview's
sentences (corpus/cica_interview.txt), with years, numbers, country names and
a few words swapped from small lists, so that passages are mostly distinct
texts. About 100 passages per document: 1,000 documents ~ 100,000 passages.
The same seed gives the same files. Prints documents, paragraphs, passages
(counted with the project's chunker) and the share of distinct passage texts.
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.index.chunking import is_question, paragraph_spans, sentence_spans

ROOT = Path(__file__).resolve().parent.parent
INTERVIEW = ROOT / "corpus" / "cica_interview.txt"

COUNTRIES = (
    "Afghanistan", "Azerbaijan", "Bahrain", "Bangladesh", "Cambodia", "China", "Egypt", "India", "Iran",
    "Iraq", "Jordan", "Kazakhstan", "Kuwait", "Kyrgyzstan", "Mongolia", "Morocco", "Pakistan", "Qatar",
    "Russia", "Saudi Arabia", "South Korea", "Sri Lanka", "Tajikistan", "Thailand", "Turkey",
    "Turkmenistan", "United Arab Emirates", "Uzbekistan", "Vietnam", "Malaysia", "Indonesia", "Nepal",
)  # fmt: skip
NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
SYNONYMS = (
    ("significant", "considerable", "substantial", "notable"),
    ("important", "crucial", "essential", "vital"),
    ("strengthen", "reinforce", "consolidate"),
    ("cooperation", "collaboration", "partnership"),
    ("initiatives", "proposals", "projects"),
    ("Member States", "member countries", "participating states"),
    ("organization", "institution", "body"),
    ("currently", "now", "at present"),
)
CONNECTORS = (
    "Moreover", "In particular", "Indeed", "At the same time", "As a result", "In this context", "Notably",
    "Overall", "In practice", "Importantly", "Above all", "Equally", "Likewise", "In turn",
)  # fmt: skip
TAILS = ("in recent years", "over the past decade", "across the region", "within CICA", "at every level", "as a rule")
# Sentence openers that are not names, lower-cased after a connector.
COMMON_OPENERS = frozenset(
    ("a", "all", "an", "and", "as", "at", "during", "every", "for", "furthermore", "given", "however", "if",
     "in", "it", "just", "on", "one", "our", "so", "that", "the", "there", "these", "this", "to", "today", "we",
     "what", "why")
)  # fmt: skip
_COUNTRY = re.compile(r"\b(?:" + "|".join(re.escape(c) for c in sorted(COUNTRIES, key=len, reverse=True)) + r")\b")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_NUMBER = re.compile(r"(?<![-\w])\d{1,3}\b")
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(NUMBER_WORDS) + r")\b")
_SYNONYM = {word: group for group in SYNONYMS for word in group}
_SYNONYM_WORD = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(_SYNONYM, key=len, reverse=True)) + r")\b")

SECTIONS = (8, 12)  # interviewer questions per document (inclusive range)
PARAGRAPHS = (7, 13)  # answer paragraphs per question
SENTENCES = (2, 2, 2, 3, 3)  # sentences per answer paragraph, drawn uniformly


@dataclass(frozen=True)
class SentencePool:
    """The interview's sentences by role, answer-turn dashes removed."""

    introduction: tuple[str, ...]
    question_context: tuple[str, ...]  # statements inside interviewer questions
    questions: tuple[str, ...]  # sentences ending in "?" inside interviewer questions
    answers: tuple[str, ...]  # answer sentences that do not end in "?"


def load_pool(path: Path = INTERVIEW) -> SentencePool:
    text = path.read_text(encoding="utf-8")
    roles: dict[str, list[str]] = {"introduction": [], "question_context": [], "questions": [], "answers": []}
    for number, (start, end) in enumerate(paragraph_spans(text)):
        question = is_question(text[start:end])
        for s, e in sentence_spans(text, start, end):
            sentence = text[s:e].removeprefix("- ").strip()
            if number == 0:
                roles["introduction"].append(sentence)
            elif question:
                roles["questions" if sentence.endswith("?") else "question_context"].append(sentence)
            elif not sentence.endswith("?"):
                roles["answers"].append(sentence)
    return SentencePool(**{role: tuple(sentences) for role, sentences in roles.items()})


def vary(sentence: str, rng: random.Random) -> str:
    """The sentence with years, small numbers, number words, countries and some words swapped."""
    sentence = _YEAR.sub(lambda m: str(rng.randint(1992, 2035)), sentence)
    sentence = _NUMBER.sub(lambda m: str(rng.randint(2, 60)), sentence)
    sentence = _NUMBER_WORD.sub(lambda m: rng.choice(NUMBER_WORDS), sentence)
    sentence = _COUNTRY.sub(lambda m: rng.choice(COUNTRIES), sentence)
    sentence = _SYNONYM_WORD.sub(lambda m: _synonym(m.group(), rng), sentence)
    return _reframe(sentence, rng)


def _synonym(word: str, rng: random.Random) -> str:
    return rng.choice(_SYNONYM[word]) if rng.random() < 0.6 else word


def _reframe(sentence: str, rng: random.Random) -> str:
    """Sometimes a connector in front ("Moreover, ...") and a phrase before the final full stop."""
    first, _, rest = sentence.partition(" ")
    if rng.random() < 0.5 and not first.endswith(","):  # not before an opener that is one already
        opener = first.lower() if first.lower() in COMMON_OPENERS else first
        sentence = f"{rng.choice(CONNECTORS)}, {opener} {rest}".rstrip()
    if sentence.endswith(".") and rng.random() < 0.3:
        sentence = f"{sentence[:-1]} {rng.choice(TAILS)}."
    return sentence


def _paragraph(pool: tuple[str, ...], rng: random.Random) -> str:
    return " ".join(vary(s, rng) for s in rng.sample(pool, rng.choice(SENTENCES)))


def document_text(pool: SentencePool, rng: random.Random) -> str:
    """One synthetic interview: introduction, then questions in a shuffled order with their answers."""
    paragraphs = [" ".join(vary(s, rng) for s in [*pool.introduction, rng.choice(pool.answers)])]
    questions = list(pool.questions)
    rng.shuffle(questions)
    for section in range(rng.randint(*SECTIONS)):
        context = [vary(rng.choice(pool.question_context), rng)] if rng.random() < 0.7 else []
        paragraphs.append("- " + " ".join([*context, vary(questions[section % len(questions)], rng)]))
        answers = [_paragraph(pool.answers, rng) for _ in range(rng.randint(*PARAGRAPHS))]
        paragraphs += ["- " + answers[0], *answers[1:]]
    return "\n".join(paragraphs) + "\n"


def generate(out_dir: Path, documents: int = 1000, seed: int = 0) -> list[Path]:
    """Write ``documents`` files ``synthetic-NNNNN.txt`` into ``out_dir``; the same seed gives the same files."""
    if documents < 1:
        raise ValueError(f"documents must be at least 1, got {documents}")
    pool = load_pool()
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(documents):
        rng = random.Random(f"{seed}:{number}")  # str seeds are stable across processes
        path = out_dir / f"synthetic-{number:05d}.txt"
        path.write_text(document_text(pool, rng), encoding="utf-8")
        paths.append(path)
    return paths


def queries(count: int, seed: int = 0) -> list[str]:
    """``count`` search queries: varied interview sentences, every other one cut to its first 8-16 words."""
    pool = load_pool()
    sentences = [*pool.questions, *pool.question_context, *pool.answers]
    rng = random.Random(f"{seed}:queries")
    made = []
    for number in range(count):
        words = vary(rng.choice(sentences), rng).split()
        made.append(" ".join(words[: rng.randint(8, 16)] if number % 2 else words))
    return made


def token_counter() -> Callable[[str], int]:
    """The packaged model's word-piece count (special tokens included, no truncation), as the
    project's embedders count; read with ``tokenizers`` so that counting does not load torch."""
    from tokenizers import Tokenizer

    from qa.index.embedding import resolve_model

    tokenizer = Tokenizer.from_file(str(Path(resolve_model(None).location) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return lambda text: len(tokenizer.encode(text, add_special_tokens=True).ids)


def count_passages(corpus_dir: Path) -> tuple[int, int, int]:
    """(documents, passages, distinct passage texts) with the project's loader and chunker."""
    from qa.config import DEFAULT_MAX_TOKENS
    from qa.index.chunking import chunk_corpus
    from qa.index.documents import load_corpus

    documents = load_corpus(corpus_dir)
    passages = chunk_corpus(documents, token_counter(), DEFAULT_MAX_TOKENS)
    return len(documents), len(passages), len({p.text for p in passages})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic corpus in the interview's format.")
    parser.add_argument("out_dir", type=Path, help="directory to write the .txt documents into")
    parser.add_argument("--documents", type=int, default=1000, help="number of documents (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--no-count", action="store_true", help="skip chunking the result to count passages")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    paths = generate(args.out_dir, args.documents, args.seed)
    paragraphs = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in paths)
    seconds = time.perf_counter() - started
    print(f"wrote {len(paths)} documents, {paragraphs} paragraphs to {args.out_dir} ({seconds:.1f} s)")
    if not args.no_count:
        documents, passages, distinct = count_passages(args.out_dir)
        print(
            f"chunked: {documents} documents, {passages} passages ({passages / documents:.1f} per document), "
            f"{distinct} distinct texts ({distinct / max(passages, 1):.1%})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
