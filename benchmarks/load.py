"""Load check: many gradio_client users asking at once against one launched app,
then many users voting at once on its replies, into SQLite and PostgreSQL.

    . .venv/bin/activate
    python benchmarks/load.py [--clients 20] [--questions 5] [--repeat 1] [--postgres-url URL]

Builds the index if needed, starts ``python app.py`` on a free loopback port,
warms it up, and runs against that one server, --repeat times:
  - baseline: one user asking --clients x --questions questions one after another;
  - a process per user: --clients gradio_client users, each in its own process
    (as real users are), each asking its --questions one after another through
    the ``ask`` endpoint;
  - threads: the same users as threads of one process (they share its GIL);
  - lean: threads whose clients share one TLS context (a diagnostic of the
    load generator, not of the app).
All the users connect before the clock starts (a barrier), so a latency is
one question's round trip. The users run on the same 2 cores as the server,
and gradio_client as shipped builds two fresh TLS contexts per call (one for
the POST, one for the event stream), even for http://, so the stock rows
measure the load generator as much as the app. Beside each row: the server's
CPU during the run per request (read from /proc, idle work included; the idle
rate is printed) and the users' CPU per request. Failed requests and
requests unfinished after the timeout are counted apart. Questions are the
gold and off-topic sets, cycled.

Votes: --clients users, each with a conversation of --questions replies kept
in its "browser" (each reply asked through the page, so it carries the
server's signed token, and a reply takes one vote), all press a thumb at once on each reply in turn (likes and
dislikes alternating), through the route the page uses: the chat's ``like``
event through Gradio's queue (``/gradio_api/queue/join``, then the event
stream), not a public endpoint (the app has none for votes, and a route of
its own would measure something the page never does). Plain HTTP from
threads: the users cost little, so the row is the app and its store. The
store's rows are counted before and after: a vote that was answered but not
stored shows as "rows stored" below "votes". Once for a SQLite store in a
temporary directory, and once for PostgreSQL (--postgres-url, or
$QA_TEST_POSTGRES_URL; a schema made for the run and dropped after), each
with its own server. Not a test: it reports, it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common import APP_TIMEOUT, PYTHON, ROOT, child_env, free_port, load_questions, log, poll_app, stop_app
from load_asks import COLUMNS, Scenario, idle_cpu_share, row, run
from load_votes import VOTE_COLUMNS, VoteScenario, postgres_schema, rows_in, vote_row, vote_run

WARMUP_QUESTIONS = 20


@contextmanager
def served(store_url: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """``python app.py`` storing votes at ``store_url``, on a free loopback port, ready."""
    from gradio_client import Client

    port = free_port()
    # Every user votes from 127.0.0.1: the per-client limit would measure itself, not the store.
    command = [PYTHON, "app.py", "--feedback-db", store_url, "--votes-per-minute", "1000000"]
    server = subprocess.Popen(command, cwd=ROOT, env=child_env(GRADIO_SERVER_PORT=str(port)), stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        poll_app(Client, url, server, time.perf_counter() + APP_TIMEOUT)
        yield url, server
    finally:
        stop_app(server)


def vote_rows(url: str, store_url: str, name: str, args: argparse.Namespace, messages: list[str]) -> None:
    for repeat in range(args.repeat):
        scenario = VoteScenario(name, args.clients, args.questions)
        log(f"run {repeat + 1}/{args.repeat}, votes into {name}: {scenario.clients} x {scenario.per_client}")
        result = vote_run(url, scenario, rows_in(store_url))
        print(vote_row(scenario, result), flush=True)
        messages.extend(result.messages[:5])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=5, help="questions per client")
    parser.add_argument("--repeat", type=int, default=1, help="run every scenario this many times")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("QA_TEST_POSTGRES_URL", ""),
        help="a PostgreSQL server for the votes row (default $QA_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args()
    if min(args.clients, args.questions, args.repeat) < 1:
        parser.error("--clients, --questions and --repeat must be at least 1")
    questions = load_questions()
    lean = ssl.create_default_context()
    scenarios = [
        Scenario("baseline: one user", 1, args.clients * args.questions),
        Scenario("stock gradio_client, a process per user", args.clients, args.questions),
        Scenario("stock gradio_client, threads of one process", args.clients, args.questions, processes=False),
        Scenario(
            "lean: threads sharing one TLS context", args.clients, args.questions, processes=False, ssl_verify=lean
        ),
    ]
    log("building the index if needed")
    subprocess.run([PYTHON, "-m", "qa", "build"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    messages: list[str] = []
    with tempfile.TemporaryDirectory(prefix="qa-load-") as scratch:
        sqlite_url = f"sqlite:///{Path(scratch) / 'feedback.sqlite3'}"
        try:
            with served(sqlite_url) as (url, server):
                ask_rows(url, server.pid, scenarios, questions, args, messages)
                print()
                print("| " + " | ".join(VOTE_COLUMNS) + " |")
                print("|---" * len(VOTE_COLUMNS) + "|", flush=True)
                vote_rows(url, sqlite_url, "SQLite", args, messages)
            if args.postgres_url:
                with postgres_schema(args.postgres_url) as postgres_url, served(postgres_url) as (url, _):
                    vote_rows(url, postgres_url, "PostgreSQL", args, messages)
            else:
                print("| PostgreSQL | – | – | – | – | – | – | – | – | no --postgres-url or QA_TEST_POSTGRES_URL |")
        finally:
            for message in messages:
                print("error:", message)


def ask_rows(
    url: str, server_pid: int, scenarios: list[Scenario], questions: list[str], args: Any, messages: list[str]
) -> None:
    """The asking scenarios' table, after a warm-up."""
    run(url, server_pid, Scenario("warm-up", 1, WARMUP_QUESTIONS), questions)
    idle = idle_cpu_share(server_pid)
    print(
        f"command: python benchmarks/load.py --clients {args.clients} --questions {args.questions} "
        f"--repeat {args.repeat}"
    )
    print(f"server CPU when idle: {idle * 100:.1f}% of a core (included in server CPU/request)")
    print("| " + " | ".join(COLUMNS) + " |")
    print("|---" * len(COLUMNS) + "|", flush=True)
    for repeat in range(args.repeat):
        for scenario in scenarios:
            log(f"run {repeat + 1}/{args.repeat}, {scenario.name}: {scenario.clients} x {scenario.per_client}")
            result = run(url, server_pid, scenario, questions)
            print(row(scenario, result), flush=True)  # as measured: a later failure loses nothing
            messages.extend(result.messages[:5])


if __name__ == "__main__":
    main()
