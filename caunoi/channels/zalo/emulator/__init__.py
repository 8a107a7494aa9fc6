"""A faithful stand-in for Zalo (OAuth v4, OA Open API, ZNS, webhooks) for demos, tests and benchmarks.

Pure Python, no Django: ``caunoi zalo-emulator`` runs it as its own process, tests start it on port 0.
What it reproduces, and where it had to guess, follows ``research/zalo-oa.md`` §13.
"""

from caunoi.channels.zalo.emulator.config import EmulatorConfig, ZnsTemplate
from caunoi.channels.zalo.emulator.oauth import code_challenge
from caunoi.channels.zalo.emulator.server import ZaloEmulator
from caunoi.channels.zalo.emulator.webhooks import signature

__all__ = ["EmulatorConfig", "ZaloEmulator", "ZnsTemplate", "code_challenge", "signature"]
