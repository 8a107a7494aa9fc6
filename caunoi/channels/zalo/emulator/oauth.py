"""Zalo's OAuth v4 for Official Accounts (research §2): consent page, code exchange with PKCE, rotation.

The challenge is S256 without a method parameter: base64url-nopad(SHA-256(verifier)). A code works once
and for 10 minutes; a refresh token works once, and the pair it returns replaces it at once. Errors
come back with HTTP 200 in the OAuth shape (``error_name``, ``error_reason``…), not the API envelope.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
from urllib.parse import urlencode, urlsplit

from caunoi.channels.zalo.emulator.codes import OAuthError
from caunoi.channels.zalo.emulator.state import AuthCode, EmulatorState
from caunoi.channels.zalo.emulator.wire import Call, Reply, html_reply, json_reply, redirect

PERMISSION_PATH = "/v4/oa/permission"
EXCHANGE_PATH = "/v4/oa/access_token"


def code_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def _check_consent_request(state: EmulatorState, params: dict[str, str]) -> None:
    config = state.config
    if params.get("app_id") != config.app_id:
        raise OAuthError(-14002)
    redirect_uri = params.get("redirect_uri", "")
    if urlsplit(redirect_uri).scheme not in ("http", "https"):
        raise OAuthError(-14003)
    if config.registered_redirect_uri and redirect_uri != config.registered_redirect_uri:
        raise OAuthError(-14003)


def permission_page(state: EmulatorState, call: Call) -> Reply:
    """The page the OA admin sees: "Cho phép <app> truy cập OA?" and one button."""
    params = dict(call.query)
    try:
        _check_consent_request(state, params)
    except OAuthError as exc:
        return html_reply(_page("Không thể cấp quyền", f"<p>Lỗi {exc.code}: {html.escape(exc.name)}</p>"))
    config = state.config
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params.get(name, ""))}">'
        for name in ("app_id", "redirect_uri", "code_challenge", "state")
    )
    body = (
        f"<h1>Cho phép {html.escape(config.app_name)} truy cập OA?</h1>"
        f"<p>Ứng dụng <b>{html.escape(config.app_name)}</b> (app_id {config.app_id}) muốn được quản lý "
        f"Official Account <b>{html.escape(config.oa_name)}</b>: gửi tin nhắn, quản lý người quan tâm, "
        "nhận sự kiện webhook.</p>"
        f'<form method="post" action="{PERMISSION_PATH}">{hidden}'
        '<button type="submit" name="allow" value="1">Cho phép</button></form>'
    )
    return html_reply(_page("Cấp quyền cho ứng dụng", body))


def permission_allow(state: EmulatorState, call: Call) -> Reply:
    """The admin pressed "Cho phép": back to the callback with code, oa_id, state and the challenge."""
    params = call.form()
    try:
        _check_consent_request(state, params)
    except OAuthError as exc:
        return html_reply(_page("Không thể cấp quyền", f"<p>Lỗi {exc.code}: {html.escape(exc.name)}</p>"))
    challenge = params.get("code_challenge") or state.config.console_code_challenge
    code = secrets.token_urlsafe(48)
    with state.lock:
        state.codes[code] = AuthCode(challenge=challenge, expires_at=state.clock() + state.config.code_ttl_s)
    answer = {"code": code, "oa_id": state.config.oa_id}
    if params.get("state"):
        answer["state"] = params["state"]
    if challenge:
        answer["code_challenge"] = challenge
    target = params["redirect_uri"]
    return redirect(target + ("&" if "?" in target else "?") + urlencode(answer))


def access_token(state: EmulatorState, call: Call) -> Reply:
    try:
        return json_reply(_exchange(state, call))
    except OAuthError as exc:
        return json_reply(exc.body())


def _exchange(state: EmulatorState, call: Call) -> dict[str, str]:
    config = state.config
    form = call.form()
    if form.get("app_id") != config.app_id:
        raise OAuthError(-14002)
    if call.header("secret_key") != config.app_secret:
        raise OAuthError(-14004)
    grant = form.get("grant_type", "")
    with state.lock:
        now = state.clock()
        if grant == "authorization_code":
            code = state.codes.pop(form.get("code", ""), None)  # single use, even when it then fails
            if code is None or code.expires_at <= now:
                raise OAuthError(-14005)
            if code.challenge and code_challenge(form.get("code_verifier", "")) != code.challenge:
                raise OAuthError(-14005, "code_verifier does not match code_challenge")
            return state.issue_tokens()
        if grant == "refresh_token":
            expires_at = state.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if expires_at is None or expires_at <= now:
                raise OAuthError(-14014)
            return state.issue_tokens()
    raise OAuthError(-14018)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · Zalo (giả lập)</title>"
        "<style>body{font-family:sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}"
        "button{background:#0068ff;color:#fff;border:0;border-radius:6px;padding:.7rem 2rem;font-size:1rem}"
        "</style></head><body>"
        f"{body}<p><small>Máy chủ Zalo giả lập của Cầu Nối — không phải Zalo thật.</small></p></body></html>"
    )
