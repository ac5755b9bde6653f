"""The load check's users voting (load.py): each presses a thumb on its
replies through the route the page uses (the chat's ``like`` event through
Gradio's queue), all at once; the store's rows counted before and after."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from load_asks import CLIENT_TIMEOUT, latency_cells

VOTE_COLUMNS = ("store", "users", "votes", "errors", "timed out", "rows stored", "p50", "p95", "max", "throughput")
VOTE_QUESTION = "When did Kuwait join CICA?"
STORED = ("Thank you", "What was wrong")  # the notices of a vote stored (voting.THANKS, voting.ASK_COMMENT)


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
    """A conversation as the browser keeps it: ``replies`` replies asked
    through the page's chat, each signed by the server (a vote needs its
    token, and each reply takes one vote)."""
    submit, records = page_event(url, "question", "submit"), []
    for _ in range(replies):
        _, _, records = send_event(url, submit, [VOTE_QUESTION, records, 5, "hybrid"])
    return records


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
    conversations = [conversation(url, scenario.per_client) for _ in range(scenario.clients)]
    before = count_rows()
    start = threading.Barrier(scenario.clients + 1)
    reports: list[tuple[list[float], int, list[str]]] = []
    lock = threading.Lock()

    def user(number: int) -> None:
        start.wait()
        report = vote_each(url, like, conversations[number], number)
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
