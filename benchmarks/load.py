"""Load check: many gradio_client users asking at once against a launched app.

    python benchmarks/load.py [--clients 20] [--questions 5] [--port 0]

Starts ``python app.py`` on a free loopback port (index built beforehand),
runs the clients in threads, each asking its questions one after another
through the ``ask`` endpoint, and prints errors and latency percentiles.
Not a test: it reports, it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(url: str, timeout: float = 60.0) -> float:
    from gradio_client import Client

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            Client(url, verbose=False).predict("When did Kuwait join?", 1, api_name="/ask")
            return time.perf_counter() - started
        except Exception:  # not up yet
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def questions() -> list[str]:
    lines = (ROOT / "tests" / "data" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def run(url: str, clients: int, per_client: int) -> tuple[list[float], list[str]]:
    from gradio_client import Client

    pool = questions()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def user(number: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as exc:  # counted, not raised: this is a measurement
            with lock:
                errors.append(f"client {number}: {exc}")
            return
        for i in range(per_client):
            question = pool[(number * per_client + i) % len(pool)]
            started = time.perf_counter()
            try:
                client.predict(question, 5, api_name="/ask")
            except Exception as exc:  # counted, not raised
                with lock:
                    errors.append(f"client {number}: {exc}")
                continue
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return latencies, errors


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=5, help="questions per client")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "qa", "build"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    port = args.port or free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    server = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        ready = wait_until_ready(url)
        started = time.perf_counter()
        latencies, errors = run(url, args.clients, args.questions)
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = args.clients * args.questions
    print(f"command: python benchmarks/load.py --clients {args.clients} --questions {args.questions}")
    print(f"app ready in {ready:.1f} s; {total} requests from {args.clients} concurrent clients in {wall:.1f} s")
    print("| errors | p50 | p95 | max | throughput |")
    print("|---|---|---|---|---|")
    if latencies:
        p50, p95 = statistics.median(latencies) * 1000, percentile(latencies, 0.95) * 1000
        throughput = len(latencies) / wall
        print(f"| {len(errors)} | {p50:.0f} ms | {p95:.0f} ms | {max(latencies) * 1000:.0f} ms | {throughput:.0f}/s |")
    for error in errors[:5]:
        print("error:", error)


if __name__ == "__main__":
    main()
