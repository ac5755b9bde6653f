"""Load check: many gradio_client users asking at once against one launched app.

    . .venv/bin/activate
    python benchmarks/load.py [--clients 20] [--questions 5] [--repeat 1]

Builds the index if needed, starts ``python app.py`` on a free loopback port,
warms it up, and runs against that one server, --repeat times:
  - baseline: one client asking the same number of questions one after another;
  - stock clients: --clients gradio_client Clients in threads, each asking its
    --questions one after another through the ``ask`` endpoint;
  - lean clients: the same, with one TLS context shared by all the clients
    (a diagnostic of the load generator, not of the app).
All the clients connect before the clock starts (a barrier), so a latency is
one question's round trip. The clients run on the same 2 cores as the server,
and gradio_client as shipped builds two fresh TLS contexts per call (one for
the POST, one for the event stream), even for http://, so the stock rows
measure the load generator as much as the app. Beside each row: the server's
CPU during the run per request (read from /proc, idle work included; the idle
rate is printed) and the clients' CPU per request. Failed requests and
requests unfinished after CLIENT_TIMEOUT are counted apart. Questions are the
gold and off-topic sets, cycled. Not a test: it reports, it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Any

from bench import APP_TIMEOUT, PYTHON, ROOT, Sample, child_env, free_port, load_questions, log, poll_app

CLIENT_TIMEOUT = 600.0  # for a whole scenario, all clients together
WARMUP_QUESTIONS = 20
IDLE_SECONDS = 2.0
COLUMNS = (
    "clients",
    "users x questions",
    "errors",
    "timed out",
    "p50",
    "p95",
    "max",
    "throughput",
    "server CPU/request",
    "client CPU/request",
)


@dataclass(frozen=True)
class Scenario:
    name: str
    clients: int
    per_client: int
    ssl_verify: bool | ssl.SSLContext = True  # gradio_client's default; httpx also takes a context

    @property
    def requests(self) -> int:
        return self.clients * self.per_client


@dataclass(frozen=True)
class Result:
    latencies: tuple[float, ...]  # of the answered requests
    failed: int  # requests that got an error (or whose client could not connect)
    messages: tuple[str, ...]
    wall: float
    server_cpu: float  # the server's CPU seconds during the run, idle work included
    client_cpu: float  # this process's CPU seconds during the run (the clients)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(url: str, server_pid: int, scenario: Scenario, questions: list[str]) -> Result:
    """Connect ``scenario.clients`` clients, then let them all ask at once.
    Failures are counted, not raised; requests still running at the deadline
    are neither answered nor failed (the row shows them as timed out)."""
    from gradio_client import Client

    latencies: list[float] = []
    messages: list[str] = []
    failed = 0
    lock = threading.Lock()

    def fail(number: int, exc: Exception, requests: int = 1) -> None:
        nonlocal failed
        with lock:
            failed += requests
            messages.append(f"client {number}: {type(exc).__name__}: {exc}")

    clients: list[Any] = []
    try:
        for number in range(scenario.clients):
            try:
                clients.append(Client(url, verbose=False, ssl_verify=scenario.ssl_verify))
            except Exception as exc:  # counted: this is a measurement
                clients.append(None)
                fail(number, exc, scenario.per_client)
        start = threading.Barrier(scenario.clients + 1)

        def user(number: int) -> None:
            start.wait()
            for i in range(scenario.per_client if clients[number] else 0):
                question = questions[(number * scenario.per_client + i) % len(questions)]
                began = time.perf_counter()
                try:
                    result = clients[number].predict(question, 5, api_name="/ask")
                    if not isinstance(result, dict) or "passages" not in result:
                        raise ValueError(f"unexpected result {str(result)[:100]}")
                except Exception as exc:  # counted: this is a measurement
                    fail(number, exc)
                    continue
                with lock:
                    latencies.append(time.perf_counter() - began)

        threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(scenario.clients)]
        for thread in threads:
            thread.start()
        server_before, client_before = cpu_seconds(server_pid), time.process_time()
        start.wait()
        began = time.perf_counter()
        deadline = began + CLIENT_TIMEOUT
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.perf_counter()))
        wall = time.perf_counter() - began
        with lock:
            return Result(
                tuple(latencies),
                failed,
                tuple(messages),
                wall,
                cpu_seconds(server_pid) - server_before,
                time.process_time() - client_before,
            )
    finally:
        for client in clients:
            if client is not None:
                client.close()


def idle_cpu_share(server_pid: int, seconds: float = IDLE_SECONDS) -> float:
    """The share of one core the server uses with nobody asking (heartbeats, housekeeping)."""
    before = cpu_seconds(server_pid)
    time.sleep(seconds)
    return (cpu_seconds(server_pid) - before) / seconds


def row(scenario: Scenario, result: Result) -> str:
    timed_out = scenario.requests - len(result.latencies) - result.failed
    per_request = 1000 / scenario.requests
    if result.latencies:
        sample = Sample(result.latencies)
        times = f"{sample.percentile(50) * 1000:.0f} ms | {sample.percentile(95) * 1000:.0f} ms "
        times += f"| {max(result.latencies) * 1000:.0f} ms"
    else:
        times = "– | – | –"
    return (
        f"| {scenario.name} | {scenario.clients} x {scenario.per_client} | {result.failed} | {timed_out} "
        f"| {times} | {len(result.latencies) / result.wall:.0f}/s "
        f"| {result.server_cpu * per_request:.1f} ms | {result.client_cpu * per_request:.1f} ms |"
    )


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=5, help="questions per client")
    parser.add_argument("--repeat", type=int, default=1, help="run every scenario this many times")
    args = parser.parse_args()
    if min(args.clients, args.questions, args.repeat) < 1:
        parser.error("--clients, --questions and --repeat must be at least 1")
    questions = load_questions()
    lean = ssl.create_default_context()
    scenarios = [
        Scenario("baseline: one client", 1, args.clients * args.questions),
        Scenario("stock gradio_client", args.clients, args.questions),
        Scenario("lean: shared TLS context", args.clients, args.questions, lean),
    ]
    log("building the index if needed")
    subprocess.run([PYTHON, "-m", "qa", "build"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    env = child_env(GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False")
    server = subprocess.Popen([PYTHON, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    measured = []
    try:
        from gradio_client import Client

        poll_app(Client, url, server, time.perf_counter() + APP_TIMEOUT)
        run(url, server.pid, Scenario("warm-up", 1, WARMUP_QUESTIONS, lean), questions)
        idle = idle_cpu_share(server.pid)
        for repeat in range(args.repeat):
            for scenario in scenarios:
                log(f"run {repeat + 1}/{args.repeat}, {scenario.name}: {scenario.clients} x {scenario.per_client}")
                measured.append((scenario, run(url, server.pid, scenario, questions)))
    finally:
        stop(server)
    print(
        f"command: python benchmarks/load.py --clients {args.clients} --questions {args.questions} "
        f"--repeat {args.repeat}"
    )
    print(f"server CPU when idle: {idle * 100:.1f}% of a core (included in server CPU/request)")
    print("| " + " | ".join(COLUMNS) + " |")
    print("|---" * len(COLUMNS) + "|")
    for scenario, result in measured:
        print(row(scenario, result))
    for _, result in measured:
        for message in result.messages[:5]:
            print("error:", message)


if __name__ == "__main__":
    main()
