"""Load check: many gradio_client users asking at once against one launched app.

    . .venv/bin/activate
    python benchmarks/load.py [--clients 20] [--questions 5]

Builds the index if needed, starts ``python app.py`` on a free loopback port
and, against that one server, runs in the same run:
  - baseline: one client asking the same number of questions one after another;
  - stock clients: --clients gradio_client Clients in threads, each asking its
    --questions one after another through the ``ask`` endpoint;
  - lean clients: the same, with one TLS context shared by all the clients.
All the clients connect before the clock starts (a barrier), so a latency is
one question's round trip. The clients run on the same 2 cores as the server,
and gradio_client as shipped builds two fresh TLS contexts per call (one for
the POST, one for the event stream; ~18 ms of CPU each, even for http://), so
the stock row measures the load generator as much as the app; the server's
own CPU per request is printed beside each row, read from /proc.
Questions are the gold and off-topic sets, cycled. Not a test: it reports,
it asserts nothing.
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

CLIENT_TIMEOUT = 600.0
COLUMNS = ("clients", "users x questions", "errors", "p50", "p95", "max", "throughput")
COLUMNS += ("server CPU/request", "client CPU/request")
HEADER = "| " + " | ".join(COLUMNS) + " |"


@dataclass(frozen=True)
class Scenario:
    name: str
    clients: int
    per_client: int
    ssl_verify: Any = True  # gradio_client's default; an ssl.SSLContext is reused as is


@dataclass(frozen=True)
class Result:
    latencies: Sample
    errors: tuple[str, ...]
    wall: float
    server_cpu: float
    client_cpu: float


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(url: str, server_pid: int, scenario: Scenario, questions: list[str]) -> Result:
    """Connect ``scenario.clients`` clients, then let them all ask at once; errors are counted, not raised."""
    from gradio_client import Client

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    clients = [Client(url, verbose=False, ssl_verify=scenario.ssl_verify) for _ in range(scenario.clients)]
    start = threading.Barrier(scenario.clients + 1)

    def user(number: int) -> None:
        start.wait()
        for i in range(scenario.per_client):
            question = questions[(number * scenario.per_client + i) % len(questions)]
            began = time.perf_counter()
            try:
                result = clients[number].predict(question, 5, api_name="/ask")
                if not isinstance(result, dict) or "passages" not in result:
                    raise ValueError(f"unexpected result {str(result)[:100]}")
            except Exception as exc:  # counted: this is a measurement
                with lock:
                    errors.append(f"client {number}: {type(exc).__name__}: {exc}")
                continue
            with lock:
                latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(scenario.clients)]
    for thread in threads:
        thread.start()
    server_before, client_before = cpu_seconds(server_pid), time.process_time()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=CLIENT_TIMEOUT)
    wall = time.perf_counter() - began
    result = Result(
        Sample(tuple(latencies) or (float("nan"),)),
        tuple(errors),
        wall,
        cpu_seconds(server_pid) - server_before,
        time.process_time() - client_before,
    )
    for client in clients:
        client.close()
    return result


def row(scenario: Scenario, result: Result) -> str:
    requests = scenario.clients * scenario.per_client
    answered = requests - len(result.errors)
    per_request = 1000 / max(1, requests)
    return (
        f"| {scenario.name} | {scenario.clients} x {scenario.per_client} | {len(result.errors)} "
        f"| {result.latencies.percentile(50) * 1000:.0f} ms | {result.latencies.percentile(95) * 1000:.0f} ms "
        f"| {max(result.latencies.values) * 1000:.0f} ms | {answered / result.wall:.0f}/s "
        f"| {result.server_cpu * per_request:.1f} ms | {result.client_cpu * per_request:.1f} ms |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=5, help="questions per client")
    args = parser.parse_args()
    if args.clients < 1 or args.questions < 1:
        parser.error("--clients and --questions must be at least 1")
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
    try:
        from gradio_client import Client

        poll_app(Client, url, server, time.perf_counter() + APP_TIMEOUT)
        results = []
        for scenario in scenarios:
            log(f"{scenario.name}: {scenario.clients} x {scenario.per_client}")
            results.append(run(url, server.pid, scenario, questions))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"command: python benchmarks/load.py --clients {args.clients} --questions {args.questions}")
    print(HEADER)
    print("|---" * HEADER.count("|", 1) + "|")
    for scenario, result in zip(scenarios, results, strict=True):
        print(row(scenario, result))
    for result in results:
        for error in result.errors[:5]:
            print("error:", error)


if __name__ == "__main__":
    main()
