"""The Zalo emulator as a client sees it: a real HTTP server on port 0, spoken to with httpx.

Webhooks go to a small receiving server started in the test. Time-dependent rules (code TTL, token
expiry, the 48 h / 7 d windows, upload expiry) use an injected clock; webhook delays use a large time
factor so the whole retry schedule runs in well under two seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import unicodedata
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from caunoi.channels.zalo.emulator import EmulatorConfig, ZaloEmulator
from caunoi.channels.zalo.emulator.driver import DEFAULT_KINDS
from caunoi.channels.zalo.emulator.media import tiny_png
from caunoi.channels.zalo.emulator.population import province_places
from caunoi.channels.zalo.emulator.texts import TOPICS, citizen_message
from caunoi.core.text import strip_diacritics

CALLBACK = "https://caunoi.example/channels/zalo/callback"
HOUR = 3600
DAY = 24 * HOUR


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def start_emulator(clock):
    """Start emulators with chosen settings; every one is stopped after the test."""
    started = []

    def start(**settings) -> ZaloEmulator:
        settings.setdefault("followers", 30)
        settings.setdefault("seed", 7)
        settings.setdefault("time_factor", 10_000)
        emulator = ZaloEmulator(EmulatorConfig(**settings), clock=clock).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator(start_emulator):
    return start_emulator()


@pytest.fixture
def client(emulator):
    with httpx.Client(base_url=emulator.url, timeout=5) as http:
        yield http


def admin_token(http: httpx.Client) -> str:
    return http.post("/_admin/tokens").json()["access_token"]


@pytest.fixture
def token(client):
    return admin_token(client)


def add_follower(http: httpx.Client, hours_ago: float | None, **extra) -> str:
    response = http.post("/_admin/followers", json={"last_interaction_hours_ago": hours_ago, **extra})
    assert response.status_code == 200
    return response.json()["user_id"]


def cs(http: httpx.Client, token: str, user_id: str, message: dict) -> dict:
    response = http.post(
        "/v3.0/oa/message/cs",
        json={"recipient": {"user_id": user_id}, "message": message},
        headers={"access_token": token},
    )
    assert response.status_code == 200  # Zalo answers application errors with HTTP 200
    return response.json()


def get(http: httpx.Client, token: str, path: str, data: dict | None = None) -> httpx.Response:
    params = {"data": json.dumps(data)} if data is not None else None
    return http.get(path, params=params, headers={"access_token": token})


# Webhook receiver -----------------------------------------------------------------------------------


class Receiver:
    """A stand-in for our webhook endpoint: records every request and answers ``status``."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.cond = threading.Condition()
        self.url = ""

    def record(self, headers: dict[str, str], body: bytes) -> int:
        with self.cond:
            self.requests.append((headers, body))
            self.cond.notify_all()
            return self.status

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self.requests) >= count, timeout)

    def events(self) -> list[dict]:
        with self.cond:
            return [json.loads(body) for _, body in self.requests]

    def named(self, name: str) -> list[dict]:
        return [e for e in self.events() if e["event_name"] == name]


@pytest.fixture
def receiver():
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = receiver.record({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/zalo"
    yield receiver
    server.shutdown()
    server.server_close()


def documented_mac(raw_body: bytes, header: str, signer_id: str, secret: str) -> bool:
    """The verification of research §9.3, written independently of the emulator's code."""
    timestamp = str(json.loads(raw_body)["timestamp"])
    mac = header[4:] if header.lower().startswith("mac=") else header
    want = hashlib.sha256((signer_id + raw_body.decode("utf-8") + timestamp + secret).encode()).hexdigest()
    return hmac.compare_digest(want, mac.strip().lower())


# OAuth v4 + PKCE ------------------------------------------------------------------------------------


def pkce_pair() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def consent(http: httpx.Client, emulator: ZaloEmulator, challenge: str, state: str = "s-42") -> dict:
    """Open the consent page, press "Cho phép", return the callback's query parameters."""
    params = {
        "app_id": emulator.config.app_id,
        "redirect_uri": CALLBACK,
        "code_challenge": challenge,
        "state": state,
    }
    page = http.get("/v4/oa/permission", params=params)
    assert page.status_code == 200
    assert "Cho phép Cầu Nối truy cập OA?" in page.text
    allowed = http.post("/v4/oa/permission", data={**params, "allow": "1"})
    assert allowed.status_code == 302
    location = allowed.headers["location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(http: httpx.Client, emulator: ZaloEmulator, secret: str | None = None, **form) -> dict:
    response = http.post(
        "/v4/oa/access_token",
        data={"app_id": emulator.config.app_id, **form},
        headers={"secret_key": secret or emulator.config.app_secret},
    )
    assert response.status_code == 200
    return response.json()


def test_it_runs_the_oauth_pkce_flow_and_the_token_opens_the_oa_api(emulator, client):
    verifier, challenge = pkce_pair()
    callback = consent(client, emulator, challenge)
    assert callback["oa_id"] == emulator.config.oa_id
    assert callback["state"] == "s-42"
    assert callback["code_challenge"] == challenge

    tokens = exchange(
        client, emulator, code=callback["code"], grant_type="authorization_code", code_verifier=verifier
    )
    assert set(tokens) == {"access_token", "refresh_token", "expires_in"}
    assert tokens["expires_in"] == "90000"  # a string, as Zalo sends it

    oa = get(client, tokens["access_token"], "/v2.0/oa/getoa").json()
    assert oa["error"] == 0 and oa["message"] == "Success"
    assert oa["data"]["oaid"] == emulator.config.oa_id
    assert oa["data"]["num_follower"] == 30


def test_a_wrong_verifier_is_refused_in_the_oauth_error_shape(emulator, client):
    _, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    callback = consent(client, emulator, challenge)
    answer = exchange(
        client, emulator, code=callback["code"], grant_type="authorization_code", code_verifier=other_verifier
    )
    assert answer["error"] == -14005
    assert {"error_name", "error_reason", "error_description", "ref_doc"} <= set(answer)
    assert "access_token" not in answer


def test_a_code_works_once_and_for_ten_minutes(emulator, client, clock):
    verifier, challenge = pkce_pair()
    code = consent(client, emulator, challenge)["code"]
    first = exchange(client, emulator, code=code, grant_type="authorization_code", code_verifier=verifier)
    again = exchange(client, emulator, code=code, grant_type="authorization_code", code_verifier=verifier)
    assert "access_token" in first
    assert again["error"] == -14005

    late = consent(client, emulator, challenge)["code"]
    clock.advance(601)
    expired = exchange(client, emulator, code=late, grant_type="authorization_code", code_verifier=verifier)
    assert expired["error"] == -14005


def test_oauth_checks_the_secret_key_the_grant_type_and_the_registered_callback(start_emulator):
    emulator = start_emulator(registered_redirect_uri=CALLBACK)
    with httpx.Client(base_url=emulator.url) as http:
        assert exchange(http, emulator, secret="wrong", grant_type="refresh_token")["error"] == -14004
        assert exchange(http, emulator, grant_type="password")["error"] == -14018
        page = http.get(
            "/v4/oa/permission",
            params={
                "app_id": emulator.config.app_id,
                "redirect_uri": "https://evil.example/cb",
                "state": "x",
            },
        )
        assert "-14003" in page.text
        unknown_app = http.get("/v4/oa/permission", params={"app_id": "1", "redirect_uri": CALLBACK})
        assert "-14002" in unknown_app.text


def test_a_refresh_token_rotates_and_the_old_one_is_refused_at_once(emulator, client):
    verifier, challenge = pkce_pair()
    code = consent(client, emulator, challenge)["code"]
    first = exchange(client, emulator, code=code, grant_type="authorization_code", code_verifier=verifier)

    second = exchange(client, emulator, refresh_token=first["refresh_token"], grant_type="refresh_token")
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    reused = exchange(client, emulator, refresh_token=first["refresh_token"], grant_type="refresh_token")
    assert reused["error"] == -14014
    assert reused["error_name"]
    third = exchange(client, emulator, refresh_token=second["refresh_token"], grant_type="refresh_token")
    assert "access_token" in third


def test_an_expired_token_answers_220_and_an_unknown_one_216(emulator, client, clock):
    token = admin_token(client)
    assert get(client, token, "/v2.0/oa/getoa").json()["error"] == 0
    assert get(client, "not-a-token", "/v2.0/oa/getoa").json() == {
        "error": -216,
        "message": "Access token is invalid",
    }
    clock.advance(90_001)
    expired = get(client, token, "/v2.0/oa/getoa")
    assert expired.status_code == 200
    assert expired.json() == {"error": -220, "message": "access_token is expired or removed"}
    zns = client.post("/message/template", json={}, headers={"access_token": token}).json()
    assert zns["error"] == -124


def test_the_admin_switch_expires_every_token_now_and_refresh_recovers(emulator, client):
    verifier, challenge = pkce_pair()
    code = consent(client, emulator, challenge)["code"]
    tokens = exchange(client, emulator, code=code, grant_type="authorization_code", code_verifier=verifier)
    client.post("/_admin/faults", json={"expire_tokens": True})
    assert get(client, tokens["access_token"], "/v2.0/oa/getoa").json()["error"] == -220

    fresh = exchange(client, emulator, refresh_token=tokens["refresh_token"], grant_type="refresh_token")
    assert get(client, fresh["access_token"], "/v2.0/oa/getoa").json()["error"] == 0


# Rate limit -----------------------------------------------------------------------------------------


def test_calls_beyond_the_per_minute_limit_answer_32_until_the_next_minute(start_emulator, clock):
    clock.now = (int(clock.now) // 60) * 60 + 1.0  # the start of a minute window
    emulator = start_emulator(rate_limit_per_minute=3)
    with httpx.Client(base_url=emulator.url) as http:
        token = admin_token(http)
        answers = [get(http, token, "/v2.0/oa/getoa") for _ in range(4)]
        assert [a.json()["error"] for a in answers] == [0, 0, 0, -32]
        assert [a.headers["X-RateLimit-Remain"] for a in answers] == ["2", "1", "0", "0"]
        assert all(a.headers["X-RateLimit-Limit"] == "3" for a in answers)
        assert answers[3].json()["message"] == "Your application reached limit call api"
        # ZNS phone sends are outside the limit
        assert client_zns(http, token, phone="84912345678")["error"] == 0

        clock.advance(60)
        assert get(http, token, "/v2.0/oa/getoa").json()["error"] == 0


# Consultation messages ------------------------------------------------------------------------------


def test_cs_is_free_within_48_hours_billed_to_7_days_and_refused_after(client, token):
    fresh = add_follower(client, hours_ago=3)
    paid = add_follower(client, hours_ago=50)
    stale = add_follower(client, hours_ago=8 * 24)

    free = cs(client, token, fresh, {"text": "Xin chào"})
    assert free["error"] == 0
    assert free["data"]["quota"]["quota_type"] == "reply"
    assert re.fullmatch(r"[0-9a-f]{20}", free["data"]["message_id"])
    assert free["data"]["user_id"] == fresh
    assert free["data"]["sent_time"].isdigit()

    billed = cs(client, token, paid, {"text": "Xin chào"})
    assert billed["error"] == 0
    assert "quota" not in billed["data"]

    refused = cs(client, token, stale, {"text": "Xin chào"})
    assert refused == {"error": -230, "message": "User has not interacted with the OA in the past 7 days"}

    log = client.get("/_admin/messages").json()
    assert log["total"] == 2
    assert [m["billed"] for m in log["messages"]] == [False, True]

    def quota(user):
        answer = client.post(
            "/v3.0/oa/quota/message", json={"user_id": user}, headers={"access_token": token}
        )
        return answer.json()["data"]

    assert quota(fresh)["cs_reply"] == {"remain": "8", "total": "8"}
    assert quota(paid)["cs_reply"]["remain"] == "0"
    assert quota(paid)["last_interaction"].isdigit()


def test_the_retired_v2_message_api_answers_240(client, token):
    answer = client.post("/v2.0/oa/message", json={}, headers={"access_token": token}).json()
    assert answer == {
        "error": -240,
        "message": "MessageV2 API has been shut down, please switch to MessageV3",
    }


def test_an_unknown_user_gets_230_or_213_as_configured(start_emulator):
    for setting in (-230, -213):
        emulator = start_emulator(unknown_user_error=setting)
        with httpx.Client(base_url=emulator.url) as http:
            assert cs(http, admin_token(http), "123456789012345678", {"text": "a"})["error"] == setting


def test_the_old_cap_of_free_replies_can_be_switched_on(start_emulator):
    emulator = start_emulator(cs_free_replies_per_window=2)
    with httpx.Client(base_url=emulator.url) as http:
        token = admin_token(http)
        user = add_follower(http, hours_ago=1)
        quotas = [cs(http, token, user, {"text": f"{n}"})["data"].get("quota") for n in range(3)]
        assert [q and q["remain"] for q in quotas] == ["1", "0", None]


def test_text_is_limited_to_2000_characters_counted_in_nfc(client, token):
    user = add_follower(client, hours_ago=1)
    assert cs(client, token, user, {"text": "a" * 2000})["error"] == 0
    assert cs(client, token, user, {"text": "a" * 2001}) == {"error": -201, "message": "text is invalid!"}
    decomposed = unicodedata.normalize("NFD", "ệ" * 1000)
    assert len(decomposed) > 2000
    assert cs(client, token, user, {"text": decomposed})["error"] == 0


def test_list_and_request_user_info_templates_are_validated(client, token):
    user = add_follower(client, hours_ago=1)
    element = {"title": "Lịch tiếp dân", "subtitle": "Thứ Năm hằng tuần", "image_url": "https://x/a.png"}
    button = {"title": "Xem", "type": "oa.open.url", "payload": {"url": "https://x"}}

    def template(kind, elements, **more):
        payload = {"template_type": kind, "elements": elements, **more}
        return {"attachment": {"type": "template", "payload": payload}}

    assert cs(client, token, user, template("list", [element], buttons=[button]))["error"] == 0
    assert cs(client, token, user, template("list", [element] * 6))["error"] == -201
    assert cs(client, token, user, template("list", [{"title": "x" * 101, "subtitle": "s"}]))["error"] == -201
    bad_button = {**button, "type": "oa.open.everything"}
    assert cs(client, token, user, template("list", [element], buttons=[bad_button]))["error"] == -201
    ask = template("request_user_info", [{"title": "Cầu Nối", "subtitle": "Xin thông tin liên hệ"}])
    assert cs(client, token, user, ask)["error"] == 0
    assert cs(client, token, user, template("request_user_info", [element, element]))["error"] == -201
    assert cs(client, token, user, template("carousel", [element])) == {
        "error": -233,
        "message": "message type is invalid or not support",
    }


# Users and tags -------------------------------------------------------------------------------------


def test_getlist_enforces_count_and_offset_and_pages_every_follower_once(client, token):
    assert get(client, token, "/v3.0/oa/user/getlist", {"offset": 0, "count": 51}).json()["error"] == -210
    assert get(client, token, "/v3.0/oa/user/getlist", {"offset": 9952, "count": 10}).json()["error"] == -210
    far = get(client, token, "/v3.0/oa/user/getlist", {"offset": 9951, "count": 50}).json()
    assert far["error"] == 0 and far["data"]["users"] == []

    seen = []
    for offset in range(0, 30, 7):
        page = get(client, token, "/v3.0/oa/user/getlist", {"offset": offset, "count": 7}).json()["data"]
        assert page["total"] == 30
        seen += [u["user_id"] for u in page["users"]]
    assert len(seen) == len(set(seen)) == 30
    assert all(isinstance(u, str) and u.isdigit() for u in seen)


def test_getlist_filters_by_tag_and_last_interaction(client, token):
    # Interacting just now: an hour ago is "yesterday" between midnight and 1 a.m. in Vietnam.
    recent = add_follower(client, hours_ago=0)
    client.post(
        "/v2.0/oa/tag/tagfollower",
        json={"user_id": int(recent), "tag_name": "xa-00694"},
        headers={"access_token": token},
    )
    tagged = get(client, token, "/v3.0/oa/user/getlist", {"offset": 0, "count": 50, "tag_name": "xa-00694"})
    assert [u["user_id"] for u in tagged.json()["data"]["users"]] == [recent]
    today = get(
        client, token, "/v3.0/oa/user/getlist", {"offset": 0, "count": 50, "last_interaction_period": "TODAY"}
    ).json()["data"]
    assert recent in [u["user_id"] for u in today["users"]]
    bad = get(
        client, token, "/v3.0/oa/user/getlist", {"offset": 0, "count": 5, "last_interaction_period": "L99"}
    )
    assert bad.json()["error"] == -201


def test_user_detail_has_the_documented_fields(client, token):
    user = add_follower(client, hours_ago=2)
    detail = get(client, token, "/v3.0/oa/user/detail", {"user_id": user}).json()
    assert detail["error"] == 0
    data = detail["data"]
    assert {
        "user_id",
        "user_id_by_app",
        "user_external_id",
        "display_name",
        "user_alias",
        "is_sensitive",
        "user_last_interaction_date",
        "user_is_follower",
        "avatar",
        "avatars",
        "dynamic_param",
        "tags_and_notes_info",
    } <= set(data)
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", data["user_last_interaction_date"])
    assert data["user_id_by_app"] != data["user_id"]
    assert set(data["avatars"]) == {"120", "240"}
    missing = get(client, token, "/v3.0/oa/user/detail", {"user_id": "42"}).json()
    assert missing == {"error": -213, "message": "User has not followed OA"}


def test_tagging_creates_tags_and_untagging_removes_them(client, token):
    user = add_follower(client, hours_ago=1)
    headers = {"access_token": token}
    assert client.post(
        "/v2.0/oa/tag/tagfollower", json={"user_id": user, "tag_name": "ngap-lut"}, headers=headers
    ).json() == {"error": 0, "message": "Success"}
    client.post("/v2.0/oa/tag/tagfollower", json={"user_id": user, "tag_name": "tay"}, headers=headers)
    assert get(client, token, "/v2.0/oa/tag/gettagsofoa").json()["data"] == ["ngap-lut", "tay"]
    client.post("/v2.0/oa/tag/rmfollowerfromtag", json={"user_id": user, "tag_name": "tay"}, headers=headers)
    detail = get(client, token, "/v3.0/oa/user/detail", {"user_id": user}).json()["data"]
    assert detail["tags_and_notes_info"]["tag_names"] == ["ngap-lut"]
    client.post("/v2.0/oa/tag/rmtag", json={"tag_name": "ngap-lut"}, headers=headers)
    assert get(client, token, "/v2.0/oa/tag/gettagsofoa").json()["data"] == ["tay"]


# Uploads --------------------------------------------------------------------------------------------


def upload(http, token, kind, name, content):
    files = {"file": (name, io.BytesIO(content), "application/octet-stream")}
    return http.post(f"/v2.0/oa/upload/{kind}", files=files, headers={"access_token": token}).json()


def test_uploads_check_type_and_size_and_their_ids_expire_after_7_days(client, token, clock):
    png = tiny_png()
    image = upload(client, token, "image", "a.png", png)
    assert image["error"] == 0 and image["data"]["attachment_id"]
    assert upload(client, token, "image", "big.png", png + b"\0" * (1024 * 1024))["error"] == -210
    assert upload(client, token, "image", "a.png", b"GIF89a....")["error"] == -201
    document = upload(client, token, "file", "don.pdf", b"%PDF-1.4 ...")
    assert document["error"] == 0 and document["data"]["token"]
    assert upload(client, token, "file", "virus.exe", b"MZ")["error"] == -201
    assert upload(client, token, "file", "big.pdf", b"%PDF" + b"\0" * (5 * 1024 * 1024))["error"] == -210

    user = add_follower(client, hours_ago=1)
    media = {
        "template_type": "media",
        "elements": [{"media_type": "image", "attachment_id": image["data"]["attachment_id"]}],
    }
    with_image = {"text": "Ảnh", "attachment": {"type": "template", "payload": media}}
    with_file = {"attachment": {"type": "file", "payload": {"token": document["data"]["token"]}}}
    assert cs(client, token, user, with_image)["error"] == 0
    assert cs(client, token, user, with_file)["error"] == 0
    assert (
        cs(client, token, user, {"attachment": {"type": "file", "payload": {"token": "nope"}}})["error"]
        == -201
    )

    clock.advance(8 * DAY)
    add_follower(client, hours_ago=1, user_id=user)
    token = admin_token(client)  # the first one expired on the way
    assert cs(client, token, user, with_image) == {"error": -100, "message": "attachment_id was expired"}


# ZNS ------------------------------------------------------------------------------------------------


def client_zns(http, token, **body):
    payload = {
        "phone": "84912345678",
        "template_id": "410001",
        "template_data": {"citizen_name": "Lò Thị Hoa", "date": "12/06/2026", "place": "UBND xã"},
        **body,
    }
    return http.post("/message/template", json=payload, headers={"access_token": token}).json()


def test_zns_checks_phone_template_and_parameters(client, token):
    sent = client_zns(client, token, tracking_id="delivery-1")
    assert sent["error"] == 0
    assert sent["data"]["quota"] == {"dailyQuota": "500", "remainingQuota": "499"}
    assert sent["data"]["msg_id"] and sent["data"]["sending_mode"] == "1"

    assert client_zns(client, token, phone="0912345678")["error"] == -108
    assert client_zns(client, token, phone="84123")["error"] == -108
    assert client_zns(client, token, template_id="999")["error"] == -109
    missing = client_zns(client, token, template_data={"citizen_name": "Hoa", "date": "12/06/2026"})
    assert missing["error"] == -1122 and "place" in missing["message"]
    too_long = client_zns(client, token, template_data={"citizen_name": "x" * 31, "date": "d", "place": "p"})
    assert too_long["error"] == -1121
    assert client_zns(client, token, mode="development")["error"] == -127


def test_zns_daily_quota_runs_out_with_144(client, token):
    client.post("/_admin/faults", json={"zns_quota": 1})
    assert client_zns(client, token)["data"]["quota"]["remainingQuota"] == "0"
    assert client_zns(client, token)["error"] == -144
    assert (
        client.get("/message/quota", headers={"access_token": token}).json()["data"]["remainingQuota"] == "0"
    )


def test_zns_delivery_webhook_carries_the_tracking_id(start_emulator, receiver):
    emulator = start_emulator(webhook_url=receiver.url, zns_admin_phones=("84900000001",))
    with httpx.Client(base_url=emulator.url) as http:
        token = admin_token(http)
        sent = client_zns(http, token, phone="84900000001", tracking_id="delivery-77", mode="development")
    assert sent["error"] == 0
    assert receiver.wait_for(1)
    headers, _ = receiver.requests[0]
    event = receiver.events()[0]
    assert event["event_name"] == "user_received_message"
    assert event["recipient"] == {"id": "84900000001"}
    assert event["message"]["tracking_id"] == "delivery-77"
    assert event["message"]["msg_id"] == sent["data"]["msg_id"]
    assert event["message"]["delivery_time"].isdigit()
    assert headers["x-zevent-server"] == "ZNS"


def test_a_template_by_user_id_needs_a_template_that_allows_it(client, token):
    user = add_follower(client, hours_ago=30 * 24)  # no CS window needed
    body = {
        "template_id": "410002",
        "template_data": {
            "citizen_name": "Hoa",
            "petition_code": "KN-1",
            "status": "Đã giải quyết",
            "lookup_url": "https://x",
        },
    }
    headers = {"access_token": token}
    sent = client.post("/v3.0/oa/message/template", json={"user_id": user, **body}, headers=headers).json()
    assert sent["error"] == 0 and sent["data"]["message_id"]
    other_shape = {"recipient": {"user_id": user}, **body}
    assert client.post("/v3.0/oa/message/template", json=other_shape, headers=headers).json()["error"] == 0
    otp = {"user_id": user, "template_id": "410004", "template_data": {"otp": "123456"}}
    assert client.post("/v3.0/oa/message/template", json=otp, headers=headers).json()["error"] == -249


# Webhooks -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signed_with", "prefix"),
    [("oa_secret_key", "app_id"), ("app_secret", "app_id"), ("oa_secret_key", "oa_id")],
)
def test_webhooks_carry_the_documented_signature(start_emulator, receiver, signed_with, prefix):
    emulator = start_emulator(
        webhook_url=receiver.url, webhook_signed_with=signed_with, signature_prefix=prefix
    )
    secret = emulator.config.oa_secret_key if signed_with == "oa_secret_key" else emulator.config.app_secret
    signer = emulator.config.app_id if prefix == "app_id" else emulator.config.oa_id
    with httpx.Client(base_url=emulator.url) as http:
        sent = http.post("/_admin/events", json={"event": "user_send_text", "text": "Đường sạt lở rồi"})
    assert sent.status_code == 200
    assert receiver.wait_for(1)
    headers, raw = receiver.requests[0]
    event = json.loads(raw)
    assert headers["x-zevent-signature"].startswith("mac=")
    assert documented_mac(raw, headers["x-zevent-signature"], signer, secret)
    assert not documented_mac(raw, headers["x-zevent-signature"], signer, "another secret")
    assert event["event_name"] == "user_send_text"
    assert event["app_id"] == emulator.config.app_id
    assert event["recipient"] == {"id": emulator.config.oa_id}
    assert event["message"]["text"] == "Đường sạt lở rồi"
    assert event["message"]["msg_id"]
    assert event["timestamp"].isdigit() and len(event["timestamp"]) == 13
    assert "num_retry" not in headers


def test_failed_deliveries_are_retried_with_num_retry_then_the_subscription_is_cancelled(
    start_emulator, receiver
):
    receiver.status = 500
    emulator = start_emulator(webhook_url=receiver.url)
    with httpx.Client(base_url=emulator.url) as http:
        http.post("/_admin/events", json={"event": "follow"})
        assert receiver.wait_for(6)
        assert emulator.state.webhooks.wait_idle(5)
        retries = [headers.get("num_retry") for headers, _ in receiver.requests]
        assert retries == [None, "1", "2", "3", "4", "5"]
        assert len({body for _, body in receiver.requests}) == 1  # the very same bytes each time
        webhook = http.get("/_admin/state").json()["webhook"]
        assert webhook["enabled"] is False

        http.post("/_admin/events", json={"event": "user_send_text"})
        emulator.state.webhooks.wait_idle(5)
        assert len(receiver.requests) == 6  # nothing more while cancelled

        receiver.status = 200
        http.post("/_admin/webhook", json={"enabled": True})
        http.post("/_admin/events", json={"event": "user_send_text"})
        assert receiver.wait_for(7)


def test_after_an_oa_send_the_phone_reports_echo_delivery_and_seen(start_emulator, receiver):
    emulator = start_emulator(webhook_url=receiver.url, seen_share=1.0)
    with httpx.Client(base_url=emulator.url) as http:
        token = admin_token(http)
        user = add_follower(http, hours_ago=1)
        sent = cs(http, token, user, {"text": "Xã đã nhận phản ánh của bạn."})
    msg_id = sent["data"]["message_id"]
    assert receiver.wait_for(3)
    assert emulator.state.webhooks.wait_idle(5)
    echo, received, seen = (
        receiver.named(n) for n in ("oa_send_text", "user_received_message", "user_seen_message")
    )
    assert echo[0]["sender"] == {"id": emulator.config.oa_id} and echo[0]["recipient"] == {"id": user}
    assert echo[0]["message"] == {"msg_id": msg_id, "text": "Xã đã nhận phản ánh của bạn."}
    assert received[0]["message"] == {"msg_id": msg_id}
    assert seen[0]["message"] == {"msg_ids": [msg_id]}
    assert int(seen[0]["timestamp"]) >= int(received[0]["timestamp"])


def test_a_request_for_user_info_is_answered_by_user_submit_info(start_emulator, receiver):
    emulator = start_emulator(webhook_url=receiver.url, submit_info_share=1.0, seen_share=0.0)
    with httpx.Client(base_url=emulator.url) as http:
        token = admin_token(http)
        user = add_follower(http, hours_ago=1)
        ask = {
            "template_type": "request_user_info",
            "elements": [{"title": "Cầu Nối", "subtitle": "Xin SĐT"}],
        }
        assert cs(http, token, user, {"attachment": {"type": "template", "payload": ask}})["error"] == 0
        assert receiver.wait_for(2)
        emulator.state.webhooks.wait_idle(5)
        info = receiver.named("user_submit_info")[0]["info"]
        assert re.fullmatch(r"84\d{9}", info["phone"])
        assert {"user_city", "user_ward", "user_address"} == set(info["full_address"])
        detail = get(http, token, "/v3.0/oa/user/detail", {"user_id": user}).json()["data"]
        assert detail["shared_info"]["phone"] == info["phone"]


# Faults ---------------------------------------------------------------------------------------------


def test_faults_switch_on_and_off_at_run_time(start_emulator):
    emulator = start_emulator(timeout_hold_s=0.3)
    with httpx.Client(base_url=emulator.url, timeout=2) as http:
        token = admin_token(http)
        assert http.post("/_admin/faults", json={"error_rate_5xx": 1.0}).status_code == 200
        assert get(http, token, "/v2.0/oa/getoa").status_code == 502
        assert http.get("/_admin/state").status_code == 200  # the admin surface is never faulted

        http.post("/_admin/faults", json={"reset": True, "timeout_rate": 1.0})
        with pytest.raises(httpx.HTTPError):
            get(http, token, "/v2.0/oa/getoa")

        http.post("/_admin/faults", json={"reset": True, "latency_ms": 200})
        started = time.monotonic()
        assert get(http, token, "/v2.0/oa/getoa").json()["error"] == 0
        assert time.monotonic() - started >= 0.19

        http.post("/_admin/faults", json={"reset": True, "rate_limit": True})
        assert get(http, token, "/v2.0/oa/getoa").json()["error"] == -32

        state = http.post("/_admin/faults", json={"reset": True}).json()
        assert state["faults"] == {
            "latency_ms": 0,
            "error_rate_5xx": 0.0,
            "timeout_rate": 0.0,
            "rate_limit": False,
        }
        assert get(http, token, "/v2.0/oa/getoa").json()["error"] == 0
        assert http.post("/_admin/faults", json={"disk_full": True}).status_code == 400
        assert http.post("/_admin/faults", json={"error_rate_5xx": 2}).status_code == 400


# Message log ----------------------------------------------------------------------------------------


def test_the_message_log_counts_per_recipient_and_tracking_id_and_resets(client, token):
    first, second = add_follower(client, hours_ago=1), add_follower(client, hours_ago=1)
    for _ in range(3):
        cs(client, token, first, {"text": "a"})
    cs(client, token, second, {"text": "b"})
    client_zns(client, token, tracking_id="d-1")
    client_zns(client, token, tracking_id="d-1")  # a duplicate the log must expose

    log = client.get("/_admin/messages").json()
    assert log["total"] == 6
    assert log["per_recipient"] == {first: 3, second: 1, "84912345678": 2}
    assert log["per_tracking_id"] == {"d-1": 2}
    assert Counter(m["channel"] for m in log["messages"]) == {"cs": 4, "zns": 2}
    only_second = client.get("/_admin/messages", params={"recipient": second}).json()["messages"]
    assert [m["text"] for m in only_second] == ["b"]

    assert client.delete("/_admin/messages").json() == {"total": 0}
    assert client.get("/_admin/messages").json()["per_recipient"] == {}


# Population and driver ------------------------------------------------------------------------------


def test_the_population_is_deterministic_and_lives_in_the_province(start_emulator, clock):
    a, b = start_emulator(seed=3, followers=40), start_emulator(seed=3, followers=40)
    c = start_emulator(seed=4, followers=40)
    people = [list(e.state.followers.values()) for e in (a, b, c)]
    assert [p.display_name for p in people[0]] == [p.display_name for p in people[1]]
    assert [p.display_name for p in people[0]] != [p.display_name for p in people[2]]
    communes = {place.commune_code for place in province_places("08")}
    assert all(p.place is not None and p.place.commune_code in communes for p in people[0])
    assert {p.language for p in people[0]} <= {"vi", "tay", "hmn", "dao", "nut"}
    assert all(clock.now - 10 * DAY <= (p.last_interaction or 0) <= clock.now for p in people[0])
    assert all(p.user_id.isdigit() and int(p.user_id) > 2**53 for p in people[0])


def test_citizen_messages_cover_the_topics_with_and_without_diacritics():
    rng = random.Random(11)
    samples = [citizen_message(rng, place="Thôn Nà Mạ", commune="Xã Minh Quang") for _ in range(600)]
    assert {topic for topic, _ in samples} == set(TOPICS)
    texts = [text for _, text in samples]
    assert any(text == strip_diacritics(text) for text in texts)  # typed without diacritics
    assert any(re.search(r"\b(ko|dc)\b", text) for text in texts)  # teencode
    assert any("ạ" in text or "ệ" in text for text in texts)
    assert any("cứu với" in text.lower() or "khẩn cấp" in text.lower() for text in texts)


def test_the_driver_emits_the_requested_events_all_signed(start_emulator, receiver):
    emulator = start_emulator(webhook_url=receiver.url, followers=50)
    report = emulator.drive(events=60, rate_per_second=0)
    assert sum(report.emitted.values()) == 60
    assert set(report.emitted) <= set(DEFAULT_KINDS)
    assert receiver.wait_for(60)
    emulator.state.webhooks.wait_idle(5)
    assert len(receiver.requests) == 60
    config = emulator.config
    assert all(
        documented_mac(raw, headers["x-zevent-signature"], config.app_id, config.oa_secret_key)
        for headers, raw in receiver.requests
    )
    names = Counter(e["event_name"] for e in receiver.events())
    assert names == report.emitted
    texts = [e["message"]["text"] for e in receiver.events() if e["event_name"] == "user_send_text"]
    assert texts and all(texts)


def test_the_admin_drive_honours_rate_and_kinds(start_emulator, receiver):
    emulator = start_emulator(webhook_url=receiver.url)
    with httpx.Client(base_url=emulator.url, timeout=10) as http:
        kinds = {"user_send_text": 3, "follow": 1, "unfollow": 1}
        report = http.post(
            "/_admin/drive", json={"events": 20, "rate_per_second": 200, "kinds": kinds, "wait": True}
        ).json()
        assert report["emitted"] == 20 and not report["running"]
        assert set(report["by_kind"]) <= set(kinds)
        assert receiver.wait_for(20)
        started = http.post("/_admin/drive", json={"events": 5, "rate_per_second": 100})
        assert started.status_code == 202
        assert receiver.wait_for(25)
        assert http.post("/_admin/drive", json={"events": 5, "kinds": {"user_dance": 1}}).status_code == 400


def test_a_burst_is_about_one_topic_from_people_of_one_commune(start_emulator, receiver):
    emulator = start_emulator(webhook_url=receiver.url, followers=200)
    residents = {
        p.user_id: p.place.commune_code for p in emulator.state.followers.values() if p.place is not None
    }
    commune = Counter(residents.values()).most_common(1)[0][0]
    with httpx.Client(base_url=emulator.url, timeout=10) as http:
        burst = {"topic": "electricity_water", "commune_code": commune, "kinds": {"user_send_text": 1}}
        report = http.post("/_admin/drive", json={"events": 15, "rate_per_second": 0, "wait": True, **burst})
        assert report.json()["topics"] == {"electricity_water": 15}
        assert receiver.wait_for(15)
        senders = {e["sender"]["id"] for e in receiver.events()}
        assert {residents[s] for s in senders} == {commune}
        unknown = http.post("/_admin/drive", json={"events": 1, "topic": "weather"})
        assert unknown.status_code == 400 and "electricity_water" in unknown.text
        nowhere = http.post("/_admin/drive", json={"events": 1, "commune_code": "99999"})
        assert nowhere.status_code == 400 and "99999" in nowhere.text


def test_follow_and_unfollow_events_change_who_follows(start_emulator, receiver):
    emulator = start_emulator(webhook_url=receiver.url)
    with httpx.Client(base_url=emulator.url) as http:
        token = admin_token(http)
        user = add_follower(http, hours_ago=100)
        http.post("/_admin/events", json={"event": "unfollow", "user_id": user})
        assert (
            get(http, token, "/v3.0/oa/user/detail", {"user_id": user}).json()["data"]["user_is_follower"]
            is False
        )
        assert http.post("/_admin/events", json={"event": "unfollow", "user_id": user}).status_code == 409
        follow = http.post("/_admin/events", json={"event": "follow", "user_id": user}).json()["event"]
        assert follow["follower"] == {"id": user} and follow["oa_id"] == emulator.config.oa_id
        # following counts as an interaction: the free window is open again
        assert (
            cs(http, token, user, {"text": "Cảm ơn bạn đã quan tâm"})["data"]["quota"]["quota_type"]
            == "reply"
        )


# HTTP -----------------------------------------------------------------------------------------------


def test_one_keep_alive_connection_carries_many_calls(client, token):
    user = add_follower(client, hours_ago=1)
    for _ in range(20):
        response = client.post(
            "/v3.0/oa/message/cs",
            json={"recipient": {"user_id": user}, "message": {"text": "ổn"}},
            headers={"access_token": token},
        )
        assert response.http_version == "HTTP/1.1"
        assert response.json()["error"] == 0
    http = client.get("/_admin/state").json()["http"]
    assert http == {"connections_opened": 1, "connections_open": 1}
    assert client.get("/nowhere").status_code == 404
    assert client.get("/v3.0/oa/message/cs").status_code == 405


def test_the_cli_runs_the_emulator_until_interrupted(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    caunoi = str(Path(sys.executable).with_name("caunoi"))
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    process = subprocess.Popen(
        [caunoi, "zalo-emulator", "--port", str(port), "--followers", "12", "--seed", "5"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in first_line
        state = httpx.get(f"http://127.0.0.1:{port}/_admin/state", timeout=5).json()
        assert state["followers"]["known"] == 12
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "stopped" in out
