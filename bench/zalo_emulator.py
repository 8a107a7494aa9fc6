"""Zalo emulator throughput: consultation sends per second through one pooled httpx client.

The emulator runs as its own process (`caunoi zalo-emulator`), as in the demo; this process sends N
CS messages from a bounded thread pool over one httpx.Client with connection reuse, then checks the
emulator's message log holds exactly N messages (none lost, none doubled). The baseline is the same
number of GET /_admin/state calls in the same run: the cost of the HTTP round trip alone, so the ratio
says what the Zalo rules (token, rate limit, window, log, lock) add to it.

Settings: BENCH_ZALO_MESSAGES (default 5000), BENCH_ZALO_THREADS (default 8).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = int(os.environ.get("BENCH_ZALO_MESSAGES", "5000"))
THREADS = int(os.environ.get("BENCH_ZALO_THREADS", "8"))
FOLLOWERS = 2000
WEEK = 7 * 24 * 3600


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_emulator(port: int) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "caunoi.cli", "zalo-emulator", "--port", str(port)]
    argv += ["--followers", str(FOLLOWERS), "--rate-limit-per-minute", "100000000"]
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_admin/state", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the emulator did not start")


def run(label: str, count: int, call: Callable[[int], int]) -> float:
    """Calls per second for ``count`` calls over the pool; prints p50/p99 and the error codes seen."""
    latencies: list[float] = []

    def timed(number: int) -> int:
        started = time.perf_counter()
        code = call(number)
        latencies.append(time.perf_counter() - started)
        return code

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        codes = Counter(pool.map(timed, range(count)))
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    rate = count / elapsed
    print(
        f"{label:<40} {rate:8.0f} calls/s   p50 {cuts[49] * 1000:6.2f} ms   p99 {cuts[98] * 1000:6.2f} ms"
        f"   codes {dict(codes)}"
    )
    return rate


def main() -> None:
    port = free_port()
    emulator = start_emulator(port)
    try:
        limits = httpx.Limits(max_connections=THREADS, max_keepalive_connections=THREADS)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=10) as http:
            token = http.post("/_admin/tokens").json()["access_token"]
            followers = http.get("/_admin/followers", params={"limit": FOLLOWERS}).json()["followers"]
            now = time.time()
            users = [f["user_id"] for f in followers if now - f["last_interaction"] < WEEK - 60]
            print(
                f"messages: {MESSAGES}; threads: {THREADS}; reachable followers: {len(users)} of {FOLLOWERS}"
            )

            def state(number: int) -> int:
                return http.get("/_admin/state").status_code

            def send(number: int) -> int:
                body = {
                    "recipient": {"user_id": users[number % len(users)]},
                    "message": {"text": f"Xã đã nhận phản ánh số {number} của bạn."},
                }
                answer = http.post("/v3.0/oa/message/cs", json=body, headers={"access_token": token})
                return int(answer.json()["error"])

            baseline = run("baseline: GET /_admin/state", MESSAGES, state)
            sends = run("POST v3.0/oa/message/cs", MESSAGES, send)
            log = http.get("/_admin/messages", params={"limit": 0}).json()
            connections = http.get("/_admin/state").json()["http"]["connections_opened"]
        print(f"{'CS sends vs baseline':<40} ratio {sends / baseline:5.2f}x")
        print(f"TCP connections opened for {2 * MESSAGES + 5} calls: {connections}")
        logged = sum(log["per_recipient"].values())
        print(f"emulator log: {log['total']} messages, {logged} by recipient (sent {MESSAGES})")
        if log["total"] != MESSAGES:
            raise SystemExit("the emulator's log does not match what was sent")
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


if __name__ == "__main__":
    main()
