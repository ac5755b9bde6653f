"""``train-verifier``: train the reader's verifier and decision models from
the writers' data (``qa/train``), with a fixed seed, into the source tree."""

from __future__ import annotations

import argparse
from pathlib import Path

from qa.cli.args import SOURCE_DATA, add_common, at_least, checkout_data
from qa.config import Config
from qa.errors import InvalidArgument
from qa.train.recipe import Recipe


def register(commands: argparse._SubParsersAction) -> None:
    recipe = Recipe()
    train = commands.add_parser(
        "train-verifier", help="train the verifier and the reader's decision from qa/train/data (torch; minutes)"
    )
    train.add_argument("--epochs", type=at_least(1), default=recipe.epochs, help=f"default {recipe.epochs}")
    train.add_argument("--seed", type=int, default=recipe.seed, help=f"default {recipe.seed}")
    train.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        default=SOURCE_DATA,
        help="where verifier.safetensors, verifier.json and scoring.json go (default: qa/build/data of the checkout)",
    )
    add_common(train)
    train.set_defaults(run=run_train_verifier)


def run_train_verifier(args: argparse.Namespace, config: Config) -> int:
    from dataclasses import replace

    from qa import open_searcher
    from qa.train.run import paired, train_verifier

    scoring = args.out / "scoring.json"
    if not scoring.is_file():
        raise InvalidArgument(f"--out {args.out} holds no scoring.json: give the checkout's qa/build/data")
    if args.out == SOURCE_DATA:
        checkout_data()  # a checkout's, never the installed package's
    recipe = replace(Recipe(), epochs=args.epochs, seed=args.seed)
    figures, decided = train_verifier(open_searcher(config), recipe, args.out, scoring)
    print("held-out writer  answerable right  claims wrong  precision  absent claimed")
    for f in figures:
        precision = "-" if f.precision is None else f"{f.precision:.2f}"
        right, absent = f"{f.right}/{f.answerable}", f"{f.absent_claimed}/{f.absent}"
        print(f"{f.writer:<16} {right:>16}  {f.wrong:>12}  {precision:>9}  {absent:>14}")
    before, after, p = paired(decided)
    print(
        f"utility per question (+1 right claim, -1 wrong claim): before the reader {before:+.3f}, with it {after:+.3f}"
    )
    print(f"paired permutation test over {len(decided)} held-out questions: p = {p:.4f}")
    print(f"wrote {args.out}/verifier.safetensors, verifier.json and the reader's models in scoring.json")
    return 0
