"""The load check's users asking (load.py): gradio_client users, each in its
own process or as threads of this one, all asking at once through the
``ask`` endpoint; every answer timed, every failure counted, and the
server's and the users' CPU read from /proc."""

from __future__ import annotations

import multiprocessing
import os
import ssl
import threading
import time
from dataclasses import dataclass
from queue import Empty
from typing import Any

from common import Sample

CLIENT_TIMEOUT = 600.0  # for a whole scenario, all clients together
POLL_SECONDS = 0.2
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
