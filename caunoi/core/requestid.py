"""The id of the request (or task) being served, so audit rows and logs can be joined."""

from __future__ import annotations

import contextvars
import uuid

_current: contextvars.ContextVar[str] = contextvars.ContextVar("caunoi_request_id", default="")


def new_request_id() -> str:
    return uuid.uuid4().hex


def set_request_id(value: str) -> contextvars.Token[str]:
    return _current.set(value)


def reset_request_id(token: contextvars.Token[str]) -> None:
    _current.reset(token)


def current_request_id() -> str:
    return _current.get()
