"""The Zalo emulator as a process of its own, so a test can kill it with SIGKILL and start it again.

``python -m tests.faults.emulator_proc PORT [ACCESS_TOKEN REFRESH_TOKEN]``. The emulator keeps its state
in memory; real Zalo keeps an OA's tokens across its own restarts, so a restarted emulator is given the
tokens the OA already holds (the ZNS templates and phone numbers it needs are the same in every run).
"""

from __future__ import annotations

import sys

from caunoi.channels.zalo.emulator import EmulatorConfig, ZaloEmulator


def main(argv: list[str]) -> None:
    port = int(argv[0])
    emulator = ZaloEmulator(EmulatorConfig(port=port, followers=5, seed=11, time_factor=10_000))
    if len(argv) == 3:
        state = emulator.state
        with state.lock:
            now = state.clock()
            state.access_tokens[argv[1]] = now + emulator.config.access_token_ttl_s
            state.refresh_tokens[argv[2]] = now + emulator.config.refresh_token_ttl_s
    print(f"emulator on {emulator.url}", flush=True)  # noqa: T201 - the test reads the log on failure
    emulator.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
