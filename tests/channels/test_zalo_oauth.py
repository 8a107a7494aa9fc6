"""OAuth v4 + PKCE against the real emulator: consent, exchange, rotation, and every way it fails."""

from __future__ import annotations

import datetime as dt
import socket
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from caunoi.channels.base import ErrorClass
from caunoi.channels.zalo import oauth
from caunoi.channels.zalo.client import ZaloClient
from caunoi.channels.zalo.emulator import code_challenge as emulator_challenge
from tests.channels.zalo_support import FakeClock, running_emulator

CALLBACK = "https://caunoi.example/channels/zalo/callback"
NOW = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def emulator(clock):
    with running_emulator(clock, registered_redirect_uri=CALLBACK) as emulator:
        yield emulator


@pytest.fixture
def http():
    with httpx.Client(timeout=5) as http:
        yield http


def consent(http, emulator, challenge: str, state: str) -> dict[str, str]:
    """The OA admin opens our link and presses "Cho phép"; returns the callback's query."""
    link = oauth.authorization_url(emulator.config.app_id, CALLBACK, challenge, state, base_url=emulator.url)
    page = http.get(link)
    assert page.status_code == 200 and "Cho phép" in page.text
    allowed = http.post(f"{emulator.url}{oauth.PERMISSION_PATH}", data=dict(parse_qsl(urlsplit(link).query)))
    assert allowed.status_code == 302
    return dict(parse_qsl(urlsplit(allowed.headers["location"]).query))


def connect(http, emulator, **options) -> oauth.TokenSet:
    verifier, state = oauth.new_code_verifier(), oauth.new_state()
    callback = oauth.parse_callback(
        consent(http, emulator, oauth.code_challenge(verifier), state), expected_state=state
    )
    return oauth.exchange_code(
        app_id=emulator.config.app_id,
        secret_key=emulator.config.app_secret,
        code=callback.code,
        code_verifier=verifier,
        base_url=emulator.url,
        http=http,
        **options,
    )


def test_pkce_verifiers_have_43_to_128_safe_characters_and_an_s256_challenge():
    verifier = oauth.new_code_verifier()
    assert len(verifier) == 43 and len(oauth.new_code_verifier(128)) == 128
    assert oauth.new_code_verifier() != verifier
    assert oauth.code_challenge(verifier) == emulator_challenge(verifier)
    # RFC 7636 appendix B
    assert (
        oauth.code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    for length in (42, 129):
        with pytest.raises(ValueError, match="43 to 128"):
            oauth.new_code_verifier(length)
    with pytest.raises(ValueError):
        oauth.code_challenge("short")
    with pytest.raises(ValueError):
        oauth.code_challenge("é" * 43)


def test_the_consent_link_carries_the_app_callback_challenge_and_state():
    link = oauth.authorization_url("123", CALLBACK, "chal", "st-1", base_url="http://zalo.test/")
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://zalo.test/v4/oa/permission"
    assert dict(parse_qsl(parts.query)) == {
        "app_id": "123",
        "redirect_uri": CALLBACK,
        "code_challenge": "chal",
        "state": "st-1",
    }
    console_challenge = oauth.authorization_url("123", CALLBACK, "", "st-1")
    assert console_challenge.startswith("https://oauth.zaloapp.com/v4/oa/permission?")
    assert "code_challenge" not in console_challenge


def test_the_callback_must_carry_our_state_and_a_code():
    query = {"code": "c0de", "oa_id": "9", "state": "ours"}
    callback = oauth.parse_callback(query, expected_state="ours")
    assert (callback.code, callback.oa_id) == ("c0de", "9")
    assert "c0de" not in repr(callback)
    for bad, expected in [
        ({**query, "state": "theirs"}, "ours"),
        ({**query, "state": "đ"}, "ours"),
        ({"oa_id": "9", "state": "s"}, "s"),
        (query, ""),
    ]:
        with pytest.raises(oauth.OAuthError) as caught:
            oauth.parse_callback(bad, expected_state=expected)
        assert caught.value.error_class is ErrorClass.REAUTH


def test_the_pkce_flow_gives_a_token_pair_that_opens_the_oa_api(emulator, http):
    tokens = connect(http, emulator, now=NOW)
    assert tokens.access_expires_at == NOW + dt.timedelta(seconds=90_000)  # from the string "90000"
    assert tokens.refresh_expires_at == NOW + dt.timedelta(days=90)
    assert tokens.access_token not in repr(tokens) and tokens.refresh_token not in repr(tokens)
    with ZaloClient(tokens.access_token, base_url=emulator.url) as client:
        assert client.oa_profile().oa_id == emulator.config.oa_id


def test_the_refresh_token_lifetime_is_configurable(emulator, http):
    tokens = connect(http, emulator, now=NOW, refresh_ttl=dt.timedelta(days=30))
    assert tokens.refresh_expires_at == NOW + dt.timedelta(days=30)


def test_a_wrong_verifier_is_refused_with_the_oauth_code(emulator, http):
    state = oauth.new_state()
    callback = consent(http, emulator, oauth.code_challenge(oauth.new_code_verifier()), state)
    with pytest.raises(oauth.OAuthError) as caught:
        oauth.exchange_code(
            app_id=emulator.config.app_id,
            secret_key=emulator.config.app_secret,
            code=callback["code"],
            code_verifier=oauth.new_code_verifier(),
            base_url=emulator.url,
            http=http,
        )
    assert caught.value.code == -14005
    assert caught.value.name == "Invalid code"
    assert "code_verifier" in caught.value.reason
    assert caught.value.error_class is ErrorClass.REAUTH


def test_a_wrong_secret_key_is_refused(emulator, http):
    with pytest.raises(oauth.OAuthError) as caught:
        oauth.refresh(
            app_id=emulator.config.app_id,
            secret_key="not-the-secret",
            refresh_token="x",
            base_url=emulator.url,
            http=http,
        )
    assert caught.value.code == -14004


def test_a_refresh_rotates_the_pair_and_the_spent_token_needs_reconsent(emulator, http, clock):
    first = connect(http, emulator)
    clock.advance(20 * 3600)
    later = NOW + dt.timedelta(hours=20)
    second = oauth.refresh(
        app_id=emulator.config.app_id,
        secret_key=emulator.config.app_secret,
        refresh_token=first.refresh_token,
        base_url=emulator.url,
        http=http,
        now=later,
    )
    assert second.access_token != first.access_token and second.refresh_token != first.refresh_token
    assert second.access_expires_at == later + dt.timedelta(seconds=90_000)
    with pytest.raises(oauth.OAuthError) as caught:
        oauth.refresh(
            app_id=emulator.config.app_id,
            secret_key=emulator.config.app_secret,
            refresh_token=first.refresh_token,
            base_url=emulator.url,
            http=http,
        )
    assert caught.value.code == -14014
    assert caught.value.error_class is ErrorClass.REAUTH
    with ZaloClient(second.access_token, base_url=emulator.url) as client:
        assert client.oa_profile().name


def test_an_expired_access_token_is_reauth_and_a_refresh_resumes_sending(emulator, http, clock):
    tokens = connect(http, emulator)
    user = httpx.post(f"{emulator.url}/_admin/followers", json={"last_interaction_hours_ago": 1}).json()[
        "user_id"
    ]
    clock.advance(90_001)
    with ZaloClient(tokens.access_token, base_url=emulator.url) as client:
        expired = client.send_text(user, "Xin chào")
        assert expired.error is not None
        assert (expired.error.error_class, expired.error.code) == (ErrorClass.REAUTH, "-220")
        fresh = oauth.refresh(
            app_id=emulator.config.app_id,
            secret_key=emulator.config.app_secret,
            refresh_token=tokens.refresh_token,
            base_url=emulator.url,
            http=http,
        )
        client.access_token = fresh.access_token
        assert client.send_text(user, "Xin chào").ok


def test_refresh_is_due_hours_before_expiry():
    tokens = oauth.TokenSet("a", "r", NOW + dt.timedelta(hours=25), NOW + dt.timedelta(days=90))
    assert not tokens.refresh_due(NOW + dt.timedelta(hours=19))
    assert tokens.refresh_due(NOW + dt.timedelta(hours=20))
    assert tokens.refresh_due(NOW + dt.timedelta(hours=2), margin=dt.timedelta(hours=24))


def test_no_answer_or_a_non_200_answer_is_transient():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(oauth.OAuthError) as caught:
        oauth.refresh(app_id="1", secret_key="s", refresh_token="r", base_url=closed, timeout=1)
    assert caught.value.code is None
    assert caught.value.error_class is ErrorClass.TRANSIENT


def test_a_proxy_error_page_is_transient(emulator, http):
    httpx.post(f"{emulator.url}/_admin/faults", json={"error_rate_5xx": 1.0})
    with pytest.raises(oauth.OAuthError) as caught:
        oauth.refresh(
            app_id=emulator.config.app_id,
            secret_key=emulator.config.app_secret,
            refresh_token="r",
            base_url=emulator.url,
            http=http,
        )
    assert (caught.value.name, caught.value.error_class) == ("http_502", ErrorClass.TRANSIENT)


def token_endpoint(seen: list[httpx.Request], response: httpx.Response) -> httpx.Client:
    """Answers the emulator cannot give (the shapes that burned other integrations): the outside edge."""

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return response

    return httpx.Client(transport=httpx.MockTransport(answer))


@pytest.mark.parametrize(
    ("response", "name", "error_class"),
    [
        (
            httpx.Response(200, json={"access_token": "a", "expires_in": "90000"}),
            "no_tokens",
            ErrorClass.REAUTH,
        ),
        (httpx.Response(200, json={"error": "oops"}), "bad_answer", ErrorClass.TRANSIENT),
        (httpx.Response(200, text="<html>maintenance</html>"), "bad_answer", ErrorClass.TRANSIENT),
        (
            httpx.Response(200, json={"error": -32, "error_name": "Rate limit"}),
            "Rate limit",
            ErrorClass.RATE_LIMITED,
        ),
    ],
)
def test_an_answer_without_both_tokens_is_never_taken_for_tokens(response, name, error_class):
    seen: list[httpx.Request] = []
    with token_endpoint(seen, response) as http, pytest.raises(oauth.OAuthError) as caught:
        oauth.refresh(
            app_id="1", secret_key="s3cret", refresh_token="r", base_url="http://zalo.test", http=http
        )
    assert (caught.value.name, caught.value.error_class) == (name, error_class)
    request = seen[0]
    assert request.url == "http://zalo.test/v4/oa/access_token"
    assert request.headers["secret_key"] == "s3cret"  # in the header, never in the form
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(request.content.decode())) == {
        "refresh_token": "r",
        "app_id": "1",
        "grant_type": "refresh_token",
    }


def test_a_pair_without_a_usable_lifetime_is_kept_and_refreshed_early():
    body = {"access_token": "a", "refresh_token": "r", "expires_in": "soon"}
    with token_endpoint([], httpx.Response(200, json=body)) as http:
        tokens = oauth.refresh(
            app_id="1", secret_key="s", refresh_token="old", base_url="http://zalo.test", http=http, now=NOW
        )
    assert tokens.access_expires_at == NOW + dt.timedelta(hours=1)
