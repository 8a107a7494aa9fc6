"""Zalo adapter send path: consultation messages per second through ZaloClient, one worker process.

The emulator runs as its own process (`caunoi zalo-emulator`), as in the demo. This process sends N CS
texts through one ZaloClient (one pooled httpx.Client, connection reuse) from a bounded thread pool,
and the same N bodies as raw httpx posts (the baseline: the HTTP round trip with nothing of ours), in
alternating rounds after a warm-up, keeping the best round of each. After every round the emulator's
message log must hold exactly the acknowledged messages, each text once: none lost, none doubled.

Settings: BENCH_ZALO_MESSAGES (default 5000), BENCH_ZALO_THREADS (default 8), BENCH_ZALO_ROUNDS (2).
Target: ≥ 500 messages/s.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from caunoi.channels.zalo.client import ZaloClient

MESSAGES = int(os.environ.get("BENCH_ZALO_MESSAGES", "5000"))
THREADS = int(os.environ.get("BENCH_ZALO_THREADS", "8"))
ROUNDS = int(os.environ.get("BENCH_ZALO_ROUNDS", "2"))
FOLLOWERS = 2000
REACHABLE_S = 7 * 24 * 3600 - 600  # inside the 7-day window for the whole run
TARGET = 500.0


@dataclass(frozen=True)
class Round:
    rate: float
    p50_ms: float
    p99_ms: float
    accepted: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_emulator(port: int) -> subprocess.Popen[bytes]:
    caunoi = Path(sys.executable).with_name("caunoi")
    argv = [str(caunoi), "zalo-emulator", "--port", str(port), "--followers", str(FOLLOWERS)]
    argv += ["--rate-limit-per-minute", "1000000"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_admin/state", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the emulator did not start")


def timed_round(send: Callable[[int], bool], count: int = MESSAGES) -> Round:
    latencies: list[float] = []

    def one(number: int) -> bool:
        started = time.perf_counter()
        ok = send(number)
        latencies.append(time.perf_counter() - started)
        return ok

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        accepted = sum(pool.map(one, range(count)))
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return Round(count / elapsed, cuts[49] * 1000, cuts[98] * 1000, accepted)


def check_log(admin: httpx.Client, accepted: int) -> None:
    """The log holds what was acknowledged, each text once; then it is emptied for the next round."""
    log = admin.get("/_admin/messages", params={"limit": MESSAGES}).json()
    texts = Counter(m["text"] for m in log["messages"])
    doubled = sum(1 for count in texts.values() if count > 1)
    if log["total"] != accepted or len(texts) != accepted or doubled:
        raise SystemExit(
            f"log {log['total']} messages, {len(texts)} distinct, {doubled} doubled; sent {accepted}"
        )
    admin.delete("/_admin/messages")


def main() -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    emulator = start_emulator(port)
    limits = httpx.Limits(max_connections=THREADS, max_keepalive_connections=THREADS)
    try:
        with (
            httpx.Client(base_url=base_url, timeout=10) as admin,
            httpx.Client(limits=limits, timeout=10) as raw,
        ):
            token = admin.post("/_admin/tokens").json()["access_token"]
            followers = admin.get("/_admin/followers", params={"limit": FOLLOWERS}).json()["followers"]
            now = time.time()
            users = [f["user_id"] for f in followers if now - f["last_interaction"] < REACHABLE_S]
            print(
                f"messages/round: {MESSAGES}; threads: {THREADS}; rounds: {ROUNDS}; reachable: {len(users)}"
            )
            client = ZaloClient(token, base_url=base_url, max_connections=THREADS, timeout=10)

            def text(number: int) -> str:
                return f"Xã đã nhận phản ánh số {number} của bạn."

            def baseline(number: int) -> bool:
                body = {
                    "recipient": {"user_id": users[number % len(users)]},
                    "message": {"text": text(number)},
                }
                answer = raw.post(
                    f"{base_url}/v3.0/oa/message/cs",
                    content=json.dumps(body, ensure_ascii=False).encode(),
                    headers={"access_token": token, "Content-Type": "application/json"},
                )
                return bool(answer.json()["error"] == 0)

            def adapter(number: int) -> bool:
                return client.send_text(users[number % len(users)], text(number)).ok

            admin.delete("/_admin/messages")
            results: dict[str, list[Round]] = {"raw httpx posts (baseline)": [], "ZaloClient.send_text": []}
            for send in (baseline, adapter):  # warm both pools and both code paths first
                check_log(admin, timed_round(send, MESSAGES // 10).accepted)
            opened_before = admin.get("/_admin/state").json()["http"]["connections_opened"]
            for _ in range(ROUNDS):
                for label, send in zip(results, (baseline, adapter), strict=True):
                    outcome = timed_round(send)
                    check_log(admin, outcome.accepted)
                    results[label].append(outcome)
            opened = admin.get("/_admin/state").json()["http"]["connections_opened"] - opened_before
            client.close()
        best = {label: max(rounds, key=lambda r: r.rate) for label, rounds in results.items()}
        for label, outcome in best.items():
            print(
                f"{label:<28} {outcome.rate:7.0f} msg/s   p50 {outcome.p50_ms:6.2f} ms   "
                f"p99 {outcome.p99_ms:6.2f} ms   accepted {outcome.accepted}/{MESSAGES}"
            )
        baseline_rate, adapter_rate = (outcome.rate for outcome in best.values())
        print(f"{'ZaloClient vs baseline':<28} ratio {adapter_rate / baseline_rate:5.2f}")
        print(f"TCP connections opened for {2 * ROUNDS * MESSAGES} sends: {opened} (pools of {THREADS})")
        print("emulator log: every round held exactly the acknowledged messages, each once")
        print(f"target ≥ {TARGET:.0f} msg/s: {'met' if adapter_rate >= TARGET else 'NOT met'}")
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


if __name__ == "__main__":
    main()
