"""OAuth v4 for Official Accounts (research §2): PKCE, the consent link, code exchange and refresh.

Plain values in and out, so the view that connects an OA and the task that refreshes tokens keep
the storage and the locking. Two traps shape this module: the token endpoint reports errors with
HTTP 200 in its own shape (an answer is a success only when it carries both tokens — one integration
stored ``undefined`` as its token), and a refresh token works once, so the caller must hold a per-OA
lock around ``refresh`` and persist the new pair before anything else uses it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from caunoi.channels.base import ErrorClass
from caunoi.channels.zalo.errors import ZaloApi, classify
from caunoi.channels.zalo.events import as_int

OAUTH_BASE_URL = "https://oauth.zaloapp.com"
PERMISSION_PATH = "/v4/oa/permission"
TOKEN_PATH = "/v4/oa/access_token"  # noqa: S105 - a path, not a password
REFRESH_TOKEN_TTL = dt.timedelta(days=90)  # "3 months" (§2.3); Zalo does not send it
REFRESH_MARGIN = dt.timedelta(hours=5)  # refresh at about 20 h of the 25 h (§2.3)
FALLBACK_EXPIRES_IN_S = 3600  # the old 1 h lifetime, when an answer lacks a usable expires_in
DEFAULT_TIMEOUT_S = 10.0

_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # RFC 7636 §4.1


class OAuthError(Exception):
    """The token endpoint refused (``code`` is Zalo's -140xx), or never answered properly (``code`` None).

    After a transport error during ``refresh`` Zalo may already have spent the refresh token: retry
    once with the same token; a -14014 then means a person must connect the OA again.
    """

    def __init__(
        self, code: int | None, name: str, reason: str = "", *, error_class: ErrorClass | None = None
    ) -> None:
        self.code = code
        self.name = name
        self.reason = reason
        if error_class is None:
            error_class = classify(code, api=ZaloApi.OAUTH).error_class if code else ErrorClass.TRANSIENT
        self.error_class = error_class
        super().__init__(f"{code if code is not None else name}: {reason or name}")


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: dt.datetime
    refresh_expires_at: dt.datetime

    def refresh_due(self, now: dt.datetime, *, margin: dt.timedelta = REFRESH_MARGIN) -> bool:
        """Refresh well before expiry: a 24 h cron against a 25 h token leaves one hour (§12.1)."""
        return now >= self.access_expires_at - margin


@dataclass(frozen=True)
class AuthorizationCallback:
    code: str = field(repr=False)
    oa_id: str


def new_code_verifier(length: int = 43) -> str:
    """A fresh PKCE verifier; 43 characters is what Zalo's own SDKs make (32 random bytes)."""
    if not 43 <= length <= 128:
        raise ValueError("a PKCE code_verifier has 43 to 128 characters")
    return secrets.token_urlsafe(96)[:length]


def code_challenge(verifier: str) -> str:
    """S256, implied by Zalo (no method parameter): base64url-nopad of the raw SHA-256 digest."""
    if not _VERIFIER.match(verifier):
        raise ValueError("a PKCE code_verifier has 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    return secrets.token_urlsafe(24)


def authorization_url(
    app_id: str, redirect_uri: str, code_challenge: str, state: str, base_url: str = OAUTH_BASE_URL
) -> str:
    """The consent link for the OA admin. An empty challenge leaves Zalo to use the one saved in the
    App console (§2.2); ``redirect_uri`` must match the registered callback byte for byte."""
    params = {
        "app_id": app_id,
        "redirect_uri": redirect_uri,
        "code_challenge": code_challenge,
        "state": state,
    }
    query = urlencode({name: value for name, value in params.items() if value})
    return f"{base_url.rstrip('/')}{PERMISSION_PATH}?{query}"


def parse_callback(query: Mapping[str, str], *, expected_state: str) -> AuthorizationCallback:
    """Check the redirect back from Zalo (``?code=…&oa_id=…&state=…``) before spending its code."""
    given = query.get("state", "").encode("utf-8", "replace")
    if not expected_state or not hmac.compare_digest(given, expected_state.encode()):
        raise OAuthError(
            None, "state_mismatch", "the callback's state is not ours", error_class=ErrorClass.REAUTH
        )
    code, oa_id = query.get("code", ""), query.get("oa_id", "")
    if not code or not oa_id:
        raise OAuthError(None, "no_code", "the callback has no code or oa_id", error_class=ErrorClass.REAUTH)
    return AuthorizationCallback(code=code, oa_id=oa_id)


def exchange_code(
    *,
    app_id: str,
    secret_key: str,
    code: str,
    code_verifier: str,
    base_url: str = OAUTH_BASE_URL,
    http: httpx.Client | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    now: dt.datetime | None = None,
    refresh_ttl: dt.timedelta = REFRESH_TOKEN_TTL,
) -> TokenSet:
    """The code from the callback (single use, 10 minutes) for the OA's first token pair."""
    form = {
        "code": code,
        "app_id": app_id,
        "grant_type": "authorization_code",
        "code_verifier": code_verifier,
    }
    return _token_request(form, secret_key, base_url, http, timeout, now, refresh_ttl)


def refresh(
    *,
    app_id: str,
    secret_key: str,
    refresh_token: str,
    base_url: str = OAUTH_BASE_URL,
    http: httpx.Client | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    now: dt.datetime | None = None,
    refresh_ttl: dt.timedelta = REFRESH_TOKEN_TTL,
) -> TokenSet:
    """A new pair for the refresh token, which Zalo invalidates at once: persist the result first."""
    form = {"refresh_token": refresh_token, "app_id": app_id, "grant_type": "refresh_token"}
    return _token_request(form, secret_key, base_url, http, timeout, now, refresh_ttl)


def _token_request(
    form: dict[str, str],
    secret_key: str,
    base_url: str,
    http: httpx.Client | None,
    timeout: float,
    now: dt.datetime | None,
    refresh_ttl: dt.timedelta,
) -> TokenSet:
    url = base_url.rstrip("/") + TOKEN_PATH
    headers = {"secret_key": secret_key}  # the App secret travels in this header, not in the form
    try:
        if http is None:
            with httpx.Client(timeout=timeout) as own:
                response = own.post(url, data=form, headers=headers)
        else:
            response = http.post(url, data=form, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise OAuthError(None, "transport", f"{type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise OAuthError(None, f"http_{response.status_code}", "the token endpoint did not answer 200")
    body = _json_object(response)
    code = as_int(body.get("error", 0))
    if code is None:
        raise OAuthError(None, "bad_answer", f"unexpected error field {body.get('error')!r}")
    if code:
        reason = body.get("error_reason") or body.get("error_description") or body.get("message") or ""
        raise OAuthError(code, str(body.get("error_name") or ""), str(reason))
    access, refresh_token = body.get("access_token"), body.get("refresh_token")
    if not isinstance(access, str) or not access or not isinstance(refresh_token, str) or not refresh_token:
        raise OAuthError(
            None, "no_tokens", "the answer lacks a token: connect the OA again", error_class=ErrorClass.REAUTH
        )
    issued = now or dt.datetime.now(dt.UTC)
    return TokenSet(
        access_token=access,
        refresh_token=refresh_token,
        access_expires_at=issued + dt.timedelta(seconds=_expires_in(body.get("expires_in"))),
        refresh_expires_at=issued + refresh_ttl,
    )


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise OAuthError(None, "bad_answer", "the token endpoint did not answer a JSON object")
    return body


def _expires_in(value: Any) -> int:
    """Zalo sends ``"90000"`` as a string. A pair that arrived is kept even without a usable lifetime:
    the refresh token it replaced is already spent, so a short assumed life (refresh soon) beats losing it."""
    seconds = as_int(value)
    return seconds if seconds is not None and seconds > 0 else FALLBACK_EXPIRES_IN_S
