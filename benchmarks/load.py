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
in its "browser", all press a thumb at once on each reply in turn (likes and
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
import json
import multiprocessing
import os
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import Any

from bench import (
    APP_TIMEOUT,
    PYTHON,
    ROOT,
    Sample,
    child_env,
    free_port,
    load_questions,
    log,
    poll_app,
    stop_app,
)

CLIENT_TIMEOUT = 600.0  # for a whole scenario, all clients together
POLL_SECONDS = 0.2
WARMUP_QUESTIONS = 20
IDLE_SECONDS = 2.0
COLUMNS = (
    "users",
    "requests",
    "errors",
    "timed out",
    "p50",
    "p95",
    "max",
    "throughput",
    "server CPU/request",
    "users' CPU/request",
)
VOTE_COLUMNS = ("store", "users", "votes", "errors", "timed out", "rows stored", "p50", "p95", "max", "throughput")
VOTE_QUESTION = "When did Kuwait join CICA?"
STORED = ("Thank you", "What was wrong")  # the notices of a vote stored (voting.THANKS, voting.ASK_COMMENT)


@dataclass(frozen=True)
class Scenario:
    name: str
    clients: int
    per_client: int
    processes: bool = True  # one process per user, as real users are; else threads in this process
    ssl_verify: bool | ssl.SSLContext = True  # gradio_client's default; httpx also takes a context
    timeout: float = CLIENT_TIMEOUT  # seconds for the users to connect, and again for them to finish

    def __post_init__(self) -> None:
        if self.processes and not isinstance(self.ssl_verify, bool):
            raise ValueError("an SSL context cannot be sent to another process")

    @property
    def requests(self) -> int:
        return self.clients * self.per_client

    def questions_for(self, number: int, questions: list[str]) -> list[str]:
        return [questions[(number * self.per_client + i) % len(questions)] for i in range(self.per_client)]


@dataclass(frozen=True)
class UserReport:
    latencies: tuple[float, ...]  # of the answered requests
    failed: int  # requests that got an error (all of them if the client could not connect)
    messages: tuple[str, ...]
    cpu: float = 0.0  # the user's process CPU while asking (process users only)


@dataclass(frozen=True)
class Result:
    latencies: tuple[float, ...]
    failed: int
    messages: tuple[str, ...]
    wall: float
    server_cpu: float  # the server's CPU seconds during the run, idle work included
    client_cpu: float  # the users' CPU seconds during the run


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def connect(url: str, ssl_verify: bool | ssl.SSLContext) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False, ssl_verify=ssl_verify)


def failure(number: int, exc: BaseException, requests: int = 1) -> UserReport:
    return UserReport((), requests, (f"client {number}: {type(exc).__name__}: {exc}",))


def ask_each(client: Any, number: int, questions: list[str]) -> UserReport:
    """One user asking its questions one after another; failures counted, not raised."""
    latencies, failed, messages = [], 0, []
    for question in questions:
        began = time.perf_counter()
        try:
            result = client.predict(question, 5, api_name="/ask")
            if not isinstance(result, dict) or "passages" not in result:
                raise ValueError(f"unexpected result {str(result)[:100]}")
        except Exception as exc:  # counted: this is a measurement
            failed += 1
            messages.extend(failure(number, exc).messages)
            continue
        latencies.append(time.perf_counter() - began)
    return UserReport(tuple(latencies), failed, tuple(messages))


def user_process(url: str, number: int, questions: list[str], go: Any, outbox: Any, timeout: float) -> None:
    """A user in its own process: connect, say it is ready, wait for the start, ask, report."""
    client, report = None, None
    try:
        client = connect(url, True)
    except Exception as exc:  # counted: this is a measurement
        report = failure(number, exc, len(questions))
    outbox.put(("ready", number, None))
    if not go.wait(timeout):
        report = report or UserReport((), len(questions), (f"client {number}: never started",))
    if report is None:
        cpu_before = time.process_time()
        asked = ask_each(client, number, questions)
        report = UserReport(asked.latencies, asked.failed, asked.messages, time.process_time() - cpu_before)
    outbox.put(("report", number, report))  # before closing: close() waits up to 1 s for the heartbeat thread
    if client is not None:
        client.close()


def run(url: str, server_pid: int, scenario: Scenario, questions: list[str]) -> Result:
    """Connect ``scenario.clients`` users, then let them all ask at once.
    Failures are counted, not raised; requests still running at the deadline
    are neither answered nor failed (the row shows them as timed out)."""
    driver = _run_processes if scenario.processes else _run_threads
    reports, wall, server_cpu, client_cpu = driver(url, server_pid, scenario, questions)
    return Result(
        tuple(latency for report in reports for latency in report.latencies),
        sum(report.failed for report in reports),
        tuple(message for report in reports for message in report.messages),
        wall,
        server_cpu,
        client_cpu,
    )


Measured = tuple[list[UserReport], float, float, float]  # reports, wall, server CPU, users' CPU; from the start


def _run_processes(url: str, server_pid: int, scenario: Scenario, questions: list[str]) -> Measured:
    context = multiprocessing.get_context("spawn")  # no fork of a process that runs threads
    go, outbox = context.Event(), context.Queue()
    users = [
        context.Process(
            target=user_process,
            args=(url, n, scenario.questions_for(n, questions), go, outbox, scenario.timeout),
            daemon=True,
        )
        for n in range(scenario.clients)
    ]
    for user in users:
        user.start()
    try:
        gather(outbox, users, "ready", time.perf_counter() + scenario.timeout)
        go.set()
        server_before, began = cpu_seconds(server_pid), time.perf_counter()
        reports = gather(outbox, users, "report", began + scenario.timeout)
        wall, server_cpu = time.perf_counter() - began, cpu_seconds(server_pid) - server_before
    finally:
        for user in users:
            user.join(timeout=5)
            if user.is_alive():
                user.kill()
                user.join()
    for number, user in enumerate(users):
        if number not in reports and user.exitcode not in (None, 0):  # died: its questions failed
            reports[number] = UserReport((), scenario.per_client, (f"client {number}: exited with {user.exitcode}",))
    return list(reports.values()), wall, server_cpu, sum(report.cpu for report in reports.values())


def gather(outbox: Any, users: list[Any], kind: str, deadline: float) -> dict[int, Any]:
    """The ``kind`` messages of the users, by user number: until every user has
    sent one or died without it, or ``deadline`` passes."""
    got: dict[int, Any] = {}
    while len(got) < len(users) and time.perf_counter() < deadline:
        try:
            sent, number, payload = outbox.get(timeout=POLL_SECONDS)
        except Empty:
            # A user's message is flushed before its process ends: if every
            # user still awaited is gone, nothing more can come.
            if all(not users[n].is_alive() for n in range(len(users)) if n not in got):
                break
            continue
        if sent == kind:
            got[number] = payload
    return got


def _run_threads(url: str, server_pid: int, scenario: Scenario, questions: list[str]) -> Measured:
    reports: list[UserReport] = []
    lock = threading.Lock()
    clients: list[Any] = []
    for number in range(scenario.clients):
        try:
            clients.append(connect(url, scenario.ssl_verify))
        except Exception as exc:  # counted: this is a measurement
            clients.append(None)
            reports.append(failure(number, exc, scenario.per_client))
    start = threading.Barrier(scenario.clients + 1)

    def user(number: int) -> None:
        start.wait()
        if clients[number] is not None:
            report = ask_each(clients[number], number, scenario.questions_for(number, questions))
            with lock:
                reports.append(report)

    try:
        threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(scenario.clients)]
        for thread in threads:
            thread.start()
        server_before, cpu_before = cpu_seconds(server_pid), time.process_time()
        start.wait()
        began = time.perf_counter()
        deadline = began + scenario.timeout
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.perf_counter()))
        wall, server_cpu = time.perf_counter() - began, cpu_seconds(server_pid) - server_before
        with lock:
            return list(reports), wall, server_cpu, time.process_time() - cpu_before
    finally:
        for client in clients:
            if client is not None:
                client.close()


def idle_cpu_share(server_pid: int, seconds: float = IDLE_SECONDS) -> float:
    """The share of one core the server uses with nobody asking (heartbeats, housekeeping)."""
    before = cpu_seconds(server_pid)
    time.sleep(seconds)
    return (cpu_seconds(server_pid) - before) / seconds


def latency_cells(latencies: tuple[float, ...] | list[float]) -> str:
    """p50 | p95 | max, in milliseconds, as table cells."""
    if not latencies:
        return "– | – | –"
    sample = Sample(tuple(latencies))
    return (
        f"{sample.percentile(50) * 1000:.0f} ms | {sample.percentile(95) * 1000:.0f} ms "
        f"| {max(latencies) * 1000:.0f} ms"
    )


def row(scenario: Scenario, result: Result) -> str:
    timed_out = scenario.requests - len(result.latencies) - result.failed
    per_request = 1000 / scenario.requests
    times = latency_cells(result.latencies)
    return (
        f"| {scenario.name} | {scenario.clients} x {scenario.per_client} | {result.failed} | {timed_out} "
        f"| {times} | {len(result.latencies) / result.wall:.0f}/s "
        f"| {result.server_cpu * per_request:.1f} ms | {result.client_cpu * per_request:.1f} ms |"
    )


@dataclass(frozen=True)
class VoteScenario:
    store: str  # what the row calls the store
    clients: int
    per_client: int  # replies each user votes on, one after another
    timeout: float = CLIENT_TIMEOUT

    @property
    def votes(self) -> int:
        return self.clients * self.per_client


@dataclass(frozen=True)
class VoteResult:
    latencies: tuple[float, ...]  # of the votes the app said it stored
    failed: int  # votes that got an error, or a notice other than "stored"
    messages: tuple[str, ...]
    wall: float
    stored: int  # rows the store gained


def page_event(url: str, elem_id: str, trigger: str) -> tuple[int, int]:
    """The page's event ``trigger`` on the component ``elem_id``: (its id, the component's)."""
    with urllib.request.urlopen(f"{url}config", timeout=30) as response:
        config = json.loads(response.read())
    component = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id)
    return next(d["id"] for d in config["dependencies"] if [component, trigger] in d["targets"]), component


def send_event(url: str, event: tuple[int, int], data: list, event_data: Any = None, timeout: float = 60) -> list:
    """One event as the page sends it: joined to the queue, its result read
    from the event stream; the outputs, or a RuntimeError saying what went wrong."""
    session = uuid.uuid4().hex
    body = {"data": data, "fn_index": event[0], "trigger_id": event[1], "session_hash": session}
    join = urllib.request.Request(
        f"{url}gradio_api/queue/join",
        json.dumps(body | {"event_data": event_data}).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(join, timeout=timeout) as response:
        response.read()
    with urllib.request.urlopen(f"{url}gradio_api/queue/data?session_hash={session}", timeout=timeout) as stream:
        for line in stream:
            if line.startswith(b"data: "):
                message = json.loads(line[len(b"data: ") :])
                if message.get("msg") == "process_completed":
                    if not message.get("success"):
                        raise RuntimeError(str(message.get("output"))[:200])
                    return message["output"]["data"]
    raise RuntimeError("the event stream ended without a result")


def conversation(url: str, replies: int) -> list[dict[str, Any]]:
    """A conversation as the browser keeps it: one reply asked through the
    page's chat, its turn repeated ``replies`` times (each a reply to vote on)."""
    _, _, records = send_event(url, page_event(url, "question", "submit"), [VOTE_QUESTION, [], 5, "hybrid"])
    return records * replies


def vote_each(url: str, like: tuple[int, int], records: list, number: int) -> tuple[list[float], int, list[str]]:
    """One user voting on each of its replies in turn (a like, then a dislike,
    ...); the page's turns carried from one vote to the next, as the browser does."""
    latencies, failed, messages = [], 0, []
    for turn in range(len(records)):
        began = time.perf_counter()
        try:
            event_data = {"index": 2 * turn + 1, "value": [], "liked": (number + turn) % 2 == 0}
            records, notice, *_ = send_event(url, like, [records], event_data)
            if not notice.startswith(STORED):
                raise RuntimeError(f"not stored: {notice[:100]}")
        except Exception as exc:  # counted: this is a measurement
            failed += 1
            messages.append(f"voter {number}: {type(exc).__name__}: {exc}")
            continue
        latencies.append(time.perf_counter() - began)
    return latencies, failed, messages


def vote_run(url: str, scenario: VoteScenario, count_rows: Callable[[], int]) -> VoteResult:
    """``scenario.clients`` users voting at once; the store's rows counted before and after."""
    like = page_event(url, "chat", "like")
    records = conversation(url, scenario.per_client)
    before = count_rows()
    start = threading.Barrier(scenario.clients + 1)
    reports: list[tuple[list[float], int, list[str]]] = []
    lock = threading.Lock()

    def user(number: int) -> None:
        start.wait()
        report = vote_each(url, like, records, number)
        with lock:
            reports.append(report)

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(scenario.clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=max(0.0, began + scenario.timeout - time.perf_counter()))
    wall = time.perf_counter() - began
    with lock:
        done = list(reports)
    return VoteResult(
        tuple(t for latencies, _, _ in done for t in latencies),
        sum(failed for _, failed, _ in done),
        tuple(m for _, _, messages in done for m in messages),
        wall,
        count_rows() - before,
    )


def vote_row(scenario: VoteScenario, result: VoteResult) -> str:
    timed_out = scenario.votes - len(result.latencies) - result.failed
    times = latency_cells(result.latencies)
    return (
        f"| {scenario.store} | {scenario.clients} | {scenario.votes} | {result.failed} | {timed_out} "
        f"| {result.stored} | {times} | {len(result.latencies) / result.wall:.0f}/s |"
    )


def rows_in(store_url: str) -> Callable[[], int]:
    """A counter of the votes stored at ``store_url``."""
    from qa.feedback.store import FeedbackStore

    def count() -> int:
        with FeedbackStore.open(store_url) as store:
            return store.stats().votes

    return count


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """``url`` with its search path set to a schema made for this run, dropped after."""
    from sqlalchemy import create_engine, make_url, text

    schema = f"qa_load_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def served(store_url: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """``python app.py`` storing votes at ``store_url``, on a free loopback port, ready."""
    from gradio_client import Client

    port = free_port()
    command = [PYTHON, "app.py", "--feedback-db", store_url]
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
