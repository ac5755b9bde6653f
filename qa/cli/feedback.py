"""``feedback stats`` and ``feedback export``: reading the votes readers gave
answers (qa.feedback's store). sqlalchemy is imported only inside the commands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qa.cli.args import at_least, plural
from qa.config import Config
from qa.errors import InvalidArgument

FEEDBACK_DIR = Path("feedback")
QUESTION_COLUMN = 70  # characters of a question shown in the stats table


def register(commands: argparse._SubParsersAction) -> None:
    feedback = commands.add_parser("feedback", help="read the likes and dislikes people gave answers")
    actions = feedback.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")
    stats = actions.add_parser("stats", help="votes per outcome, the most disliked questions, votes per index build")
    stats.add_argument(
        "-n", "--top", type=at_least(1), default=10, metavar="N", help="most disliked questions to list (default 10)"
    )
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")
    stats.set_defaults(run=run_feedback_stats)
    export = actions.add_parser("export", help="disliked answers as gold-set candidates, JSON Lines")
    export.add_argument("-o", "--out", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    export.add_argument("--index-id", metavar="ID", help="only votes on this index build")
    export.set_defaults(run=run_feedback_export)
    rotate = actions.add_parser(
        "rotate-key", help="replace the key replies are signed with: replies given before can no longer be voted on"
    )
    rotate.set_defaults(run=run_feedback_rotate_key)
    for action in (stats, export, rotate):
        action.add_argument(
            "--feedback-db",
            metavar="URL",
            help=f"the store: sqlite:///PATH or postgresql://USER@HOST/DB (default {FEEDBACK_DIR}/feedback.sqlite3)",
        )
        # main() builds a Config from these for every command; feedback needs none.
        action.set_defaults(corpus=None, index=None, model=None)


def run_feedback_stats(args: argparse.Namespace, config: Config) -> int:
    from qa.errors import FeedbackNotFound
    from qa.feedback.store import FeedbackStore
    from qa.feedback.votes import EMPTY_STATS

    try:
        store = FeedbackStore.open(_feedback_url(args, config), create=False)
    except FeedbackNotFound as exc:
        if args.json:
            print(json.dumps(EMPTY_STATS.to_dict(), indent=2))
        print(exc, file=sys.stderr if args.json else sys.stdout)
        return 0
    with store:
        stats = store.stats(top=args.top)
    if args.json:
        print(json.dumps(stats.to_dict(), indent=2, ensure_ascii=False))
    elif not stats.votes:
        print(f"no votes yet in {store.name}")
    else:
        print(format_feedback_stats(stats, store.name))
    return 0


def run_feedback_export(args: argparse.Namespace, config: Config) -> int:
    from qa.errors import FeedbackNotFound
    from qa.feedback.store import FeedbackStore

    try:
        store = FeedbackStore.open(_feedback_url(args, config), create=False)
    except FeedbackNotFound as exc:
        print(exc, file=sys.stderr)
        return 0
    with store:
        candidates = [vote.to_gold_candidate() for vote in store.disliked(index_id=args.index_id)]
    if not candidates:
        which = f" on index {args.index_id}" if args.index_id is not None else ""
        print(f"no disliked answers{which} in {store.name}", file=sys.stderr)
        return 0
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in candidates)
    if args.out is None:
        sys.stdout.write(lines)
        return 0
    try:
        args.out.write_text(lines, encoding="utf-8")
    except OSError as exc:
        raise InvalidArgument(f"cannot write {args.out}: {exc.strerror}") from exc
    print(
        f"wrote {plural(len(candidates), 'gold-set candidate')} to {args.out} (fill in their evidence)", file=sys.stderr
    )
    return 0


def run_feedback_rotate_key(args: argparse.Namespace, config: Config) -> int:
    from qa.feedback.store import FeedbackStore

    with FeedbackStore.open(_feedback_url(args, config)) as store:
        key = store.rotate_key()
    print(f"{store.name}: signing key {key.number} in use; replies signed before can no longer be voted on")
    return 0


def format_feedback_stats(stats, store_name: str) -> str:  # stats: qa.feedback.FeedbackStats
    from qa.inputs import shorten
    from qa.wording import table

    counts = ", ".join(
        plural(n, noun) for n, noun in [(stats.votes, "vote"), (stats.likes, "like"), (stats.dislikes, "dislike")]
    )
    lines = [f"{store_name}: {counts}", ""]
    rows = [["outcome", "votes", "likes", "dislikes"]]
    rows += [[t.key, str(t.votes), str(t.likes), str(t.dislikes)] for t in stats.by_outcome]
    lines += [*table(rows), ""]
    if stats.most_disliked:
        rows = [["dislikes", "likes", "most disliked questions"]]
        rows += [[str(t.dislikes), str(t.likes), shorten(t.key, QUESTION_COLUMN - 1)] for t in stats.most_disliked]
        lines += [*table(rows), ""]
    rows = [["index build", "votes", "likes", "dislikes"]]
    rows += [[t.key or "-", str(t.votes), str(t.likes), str(t.dislikes)] for t in stats.by_index]
    return "\n".join(lines + table(rows))


def _feedback_url(args: argparse.Namespace, config: Config) -> str:
    from qa.feedback.database import default_url

    return args.feedback_db or default_url(config.feedback_dir)
