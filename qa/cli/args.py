"""What every subcommand shares: the one-line parser, the exit statuses and the common flags."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from qa.config import DEFAULT_MODE, DEFAULT_TOP_K, MAX_TOP_K, MODES
from qa.errors import InvalidArgument

# The fitted models and the trained verifier a version ships; commands that fit
# them write here only when qa runs from a checkout (never into site-packages).
SOURCE_DATA = Path(__file__).resolve().parent.parent / "build" / "data"


def checkout_data() -> Path:
    """``qa/build/data`` of the checkout qa runs from, or a one-line error."""
    if not (SOURCE_DATA.parent.parent.parent / "pyproject.toml").is_file():
        raise InvalidArgument(
            f"qa is installed at {SOURCE_DATA.parent.parent}, not from a checkout: there is no source tree to write"
        )
    return SOURCE_DATA


USAGE_ERROR = 2
SOME_FAILED = 1
BUG = 1


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a bad flag said in one line (not the usage block)."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"error: {message} (see {self.prog} --help)\n")


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus", type=Path, metavar="DIR", help="corpus directory (default: the project's corpus, or $QA_CORPUS)"
    )
    parser.add_argument(
        "--index", type=Path, metavar="DIR", help="index directory (default: the project's index, or $QA_INDEX)"
    )
    parser.add_argument(
        "--model",
        metavar="M",
        help="sentence-transformers model name or path (default: the packaged all-MiniLM-L6-v2, or $QA_MODEL)",
    )


def add_top_k(parser: argparse.ArgumentParser, help_text: str = "number of passages to show") -> None:
    parser.add_argument(
        "-k",
        "--top-k",
        type=top_k_value,
        default=DEFAULT_TOP_K,
        metavar="K",
        help=f"{help_text} (1-{MAX_TOP_K}, default {DEFAULT_TOP_K})",
    )


def add_mode(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-m", "--mode", choices=MODES, default=DEFAULT_MODE, help=f"retrieval mode (default {DEFAULT_MODE})"
    )


def at_least(least: int) -> Callable[[str], int]:
    def whole_number(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
        if number < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}: {value}")
        return number

    return whole_number


def top_k_value(value: str) -> int:
    number = at_least(1)(value)
    if number > MAX_TOP_K:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_TOP_K}: {value}")
    return number


def plural(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
