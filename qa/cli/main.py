"""The command line: ``python -m qa`` / ``cica-qa``.

Each subcommand parses its flags, calls one library function and formats
the result: readable text for people, ``--json`` for programs. Errors the
user can act on (a :class:`~qa.errors.QAError`, a bad flag) are one line on
stderr with exit status 2; anything else is a bug, shown with its traceback
and exit status 1.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from qa import __version__
from qa.cli import ask, evaluate, feedback, train
from qa.cli.args import BUG, USAGE_ERROR, OneLineParser, add_common, at_least
from qa.config import MIN_MAX_TOKENS, Config, config_from_env, quiet
from qa.errors import QAError


def main(argv: Sequence[str] | None = None) -> int:
    quiet(os.environ)  # before any library that would download or report is imported
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging()
    config = config_from_env(
        os.environ,
        Path.cwd(),
        corpus_dir=args.corpus,
        index_dir=args.index,
        model=args.model,
        max_tokens=getattr(args, "max_tokens", None),
        multilingual=getattr(args, "multilingual", None),
    )
    if sys.stdout is None:  # started with standard output closed (``>&-``): answers would vanish
        print("error: standard output is closed: nothing could be written", file=sys.stderr)
        return USAGE_ERROR
    try:
        return args.run(args, config)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``); silence the final flush too.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except OSError as exc:
        if exc.errno not in _OUTPUT_FULL:
            return _bug(exc)
        print(f"error: cannot write the output: {exc.strerror}", file=sys.stderr)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the final flush would fail again
        return USAGE_ERROR
    except Exception as exc:  # noqa: BLE001 - not the user's doing: a bug, and it says so
        return _bug(exc)


_OUTPUT_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)
"""Write errors that reach main: the output (files the commands write say so themselves)."""


def _bug(exc: BaseException) -> int:
    traceback.print_exception(exc)
    print(f"error: internal error, this is a bug ({type(exc).__name__}: {exc})", file=sys.stderr)
    return BUG


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="cica-qa", description="Ask questions of the CICA interview: build the index, ask, evaluate."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser)

    build = commands.add_parser("build", help="build the index (or say it is up to date)")
    add_common(build)
    build.add_argument("-f", "--force", action="store_true", help="rebuild even if the index is up to date")
    build.add_argument(
        "--max-tokens", type=at_least(MIN_MAX_TOKENS), help="largest passage in word pieces (default 128)"
    )
    build.add_argument(
        "--multilingual",
        action=argparse.BooleanOptionalAction,
        help="the multilingual view, for questions in Russian, Kazakh, Chinese, ... (default: as built, else on)",
    )
    build.set_defaults(run=run_build)

    ask.register(commands)
    evaluate.register(commands)
    feedback.register(commands)
    train.register(commands)
    return parser


def run_build(args: argparse.Namespace, config: Config) -> int:
    from qa.build.ensure import build_index

    report = build_index(config, force=args.force, progress=sys.stderr.isatty())
    detail = f" ({report.reason}; {report.embedded} texts embedded)" if report.built else ""
    print(
        f"index {report.action} in {config.index_dir}: {report.documents} documents, {report.passages} passages, "
        f"{report.sentences} sentences, {report.seconds:.2f} s{detail}"
    )
    return 0


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("qa")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
