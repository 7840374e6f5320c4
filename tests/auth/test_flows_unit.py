"""User flows without a server: PKCE verifier and challenge, authorize URLs, redirect URI rules, state checks, scopes,
and what each flow puts on the wire (aioresponses)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aioresponses import aioresponses

from spotify_async import (
    PKCE,
    AuthorizationCode,
    InvalidInput,
    MemoryTokenStore,
    Scope,
    StateMismatch,
    Token,
)
from spotify_async.auth.accounts import AccountsClient
from spotify_async.auth.scopes import ALL_SCOPES, normalize_scopes
from spotify_async.auth.user import check_redirect_uri, code_challenge, generate_code_verifier
from spotify_async.config import Config

ACCOUNTS = "https://accounts.example"
REDIRECT = "http://127.0.0.1:8888/callback"


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_rfc7636_appendix_b_pair() -> None:
    assert (
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_generated_verifiers_are_fresh_and_well_formed() -> None:
    seen = {generate_code_verifier() for _ in range(50)}
    assert len(seen) == 50
    for length in (43, 64, 128):
        assert re.fullmatch(rf"[A-Za-z0-9\-._~]{{{length}}}", generate_code_verifier(length))
    for bad in (42, 129):
        with pytest.raises(InvalidInput):
            generate_code_verifier(bad)


def test_pkce_authorize_url_carries_a_fresh_s256_challenge_and_state() -> None:
    flow = PKCE("cid", REDIRECT, scopes=[Scope.USER_READ_PRIVATE, "user-top-read"], accounts_base=ACCOUNTS)
    first, second = query(flow.authorize_url()), query(flow.authorize_url(show_dialog=True))
    assert first["client_id"] == "cid"
    assert first["response_type"] == "code"
    assert first["redirect_uri"] == REDIRECT
    assert first["scope"] == "user-read-private user-top-read"
    assert first["code_challenge_method"] == "S256"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", first["code_challenge"])
    assert first["code_challenge"] != second["code_challenge"]
    assert first["state"] != second["state"]
    assert len(first["state"]) >= 20
    assert "show_dialog" not in first
    assert second["show_dialog"] == "true"
    assert flow.authorize_url().startswith(ACCOUNTS + "/authorize?")


def test_confidential_authorize_url_has_no_challenge_and_keeps_a_given_state() -> None:
    flow = AuthorizationCode("cid", "secret", "https://app.example/cb", accounts_base=ACCOUNTS)
    params = query(flow.authorize_url(state="my-state"))
    assert params["state"] == "my-state"
    assert "code_challenge" not in params
    assert "scope" not in params


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example/callback",
        "http://127.0.0.1:8888/callback",
        "http://[::1]:9000/cb",
        "http://127.0.0.1/cb",
    ],
)
def test_redirect_uris_spotify_accepts(uri: str) -> None:
    assert check_redirect_uri(uri) == uri


def test_localhost_redirect_is_refused_with_the_fix_in_the_message() -> None:
    for uri in ("http://localhost:8888/callback", "https://localhost/cb"):
        with pytest.raises(InvalidInput) as info:
            PKCE("cid", uri)
        message = str(info.value)
        assert "localhost" in message
        assert "http://127.0.0.1:PORT" in message
        assert "dashboard" in message


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("http://app.example/cb", "must use HTTPS"),
        ("ftp://app.example/cb", "https://"),
        ("https://app.example/cb#frag", "fragment"),
        ("http://127.0.0.1:notaport/cb", "not a valid URL"),
        ("", "non-empty"),
    ],
)
def test_other_bad_redirect_uris(uri: str, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        check_redirect_uri(uri)


def test_scopes_are_checked_and_normalised() -> None:
    assert len(ALL_SCOPES) == 19
    assert normalize_scopes("user-read-private, user-top-read") == {"user-read-private", "user-top-read"}
    assert normalize_scopes([Scope.STREAMING]) == {"streaming"}
    assert str(Scope.STREAMING) == "streaming"
    assert f"{Scope.STREAMING}" == "streaming"
    with pytest.raises(InvalidInput, match="user-read-privat"):
        PKCE("cid", REDIRECT, scopes="user-read-privat")


async def test_state_mismatch_missing_and_reuse_are_refused_before_any_request() -> None:
    flow = PKCE("cid", REDIRECT, accounts_base=ACCOUNTS)
    state = query(flow.authorize_url())["state"]
    with aioresponses() as mocked:  # nothing may be sent: any request would fail with a connection error
        with pytest.raises(StateMismatch, match="does not match a login this flow started"):
            await flow.exchange("code", state="forged")
        with pytest.raises(StateMismatch, match="no state"):
            await flow.exchange_callback({"code": "code"})
        assert not mocked.requests
        mocked.post(ACCOUNTS + "/api/token", payload={"access_token": "at", "expires_in": 3600})
        await flow.exchange("code", state=state)
        with pytest.raises(StateMismatch):  # a state is good for one exchange only
            await flow.exchange("code", state=state)
        assert len(mocked.requests) == 1


async def test_login_state_expires() -> None:
    flow = PKCE("cid", REDIRECT, accounts_base=ACCOUNTS)
    flow.login_lifetime = 0.0
    state = query(flow.authorize_url())["state"]
    with pytest.raises(StateMismatch, match="older than"):
        await flow.exchange("code", state=state)


def _sent(mocked: aioresponses) -> tuple[dict[str, str], dict[str, str]]:
    ((_, calls),) = mocked.requests.items()
    kwargs = calls[0].kwargs
    return kwargs["headers"], kwargs["data"]


async def test_confidential_exchange_and_refresh_send_basic_and_no_secret_in_the_form() -> None:
    flow = AuthorizationCode("cid", "s3cret", "https://app.example/cb", accounts_base=ACCOUNTS)
    state = query(flow.authorize_url())["state"]
    async with aiohttp.ClientSession() as http:
        accounts = AccountsClient(http, ACCOUNTS, Config())
        with aioresponses() as mocked:
            mocked.post(ACCOUNTS + "/api/token", payload={"access_token": "a1", "refresh_token": "r1"})
            await flow.exchange("the-code", state=state, session=http)
            headers, form = _sent(mocked)
        assert headers["Authorization"] == "Basic Y2lkOnMzY3JldA=="  # base64("cid:s3cret")
        assert form == {
            "grant_type": "authorization_code",
            "code": "the-code",
            "redirect_uri": "https://app.example/cb",
        }
        with aioresponses() as mocked:
            mocked.post(ACCOUNTS + "/api/token", payload={"access_token": "a2", "expires_in": 3600})
            token = await flow.obtain(accounts, flow.token)
            headers, form = _sent(mocked)
    assert headers["Authorization"].startswith("Basic ")
    assert form == {"grant_type": "refresh_token", "refresh_token": "r1"}
    assert token.access_token == "a2"
    assert token.refresh_token == "r1"


async def test_pkce_exchange_sends_the_verifier_and_refresh_sends_client_id_without_secret() -> None:
    flow = PKCE("cid", REDIRECT, accounts_base=ACCOUNTS)
    params = query(flow.authorize_url())
    async with aiohttp.ClientSession() as http:
        accounts = AccountsClient(http, ACCOUNTS, Config())
        with aioresponses() as mocked:
            mocked.post(ACCOUNTS + "/api/token", payload={"access_token": "a1", "refresh_token": "r1"})
            await flow.exchange("the-code", state=params["state"], session=http)
            headers, form = _sent(mocked)
        assert "Authorization" not in headers
        assert form["client_id"] == "cid"
        assert "client_secret" not in form
        assert code_challenge(form["code_verifier"]) == params["code_challenge"]
        with aioresponses() as mocked:
            mocked.post(ACCOUNTS + "/api/token", payload={"access_token": "a2", "refresh_token": "r2"})
            token = await flow.obtain(accounts, flow.token)
            headers, form = _sent(mocked)
    assert "Authorization" not in headers
    assert form == {"grant_type": "refresh_token", "refresh_token": "r1", "client_id": "cid"}
    assert token.refresh_token == "r2"


async def test_access_denied_callback_is_a_clear_auth_error_and_ends_the_login() -> None:
    from spotify_async import AuthError

    flow = PKCE("cid", REDIRECT, accounts_base=ACCOUNTS)
    state = query(flow.authorize_url())["state"]
    with pytest.raises(AuthError, match="declined") as info:
        await flow.exchange_callback(f"{REDIRECT}?error=access_denied&state={state}")
    assert info.value.error == "access_denied"
    with pytest.raises(StateMismatch):
        await flow.exchange("code", state=state)


def test_reprs_hide_secrets_and_for_user_copies_the_app_side_only() -> None:
    token = Token("access-abc", refresh_token="refresh-xyz", scopes="user-read-private")
    store = MemoryTokenStore()
    login = AuthorizationCode("cid", "s3cret", "https://app.example/cb", store=store, scopes="user-top-read")
    user = login.for_user("alice", token)
    assert user.user_key == "alice"
    assert user.token is token
    assert user.store is store
    assert user.scopes == {"user-top-read"}
    assert login.token is None
    assert login.user_key is None
    text = repr(user) + repr(login)
    for secret in ("s3cret", "access-abc", "refresh-xyz"):
        assert secret not in text
    with pytest.raises(InvalidInput):
        login.for_user("")
    with pytest.raises(InvalidInput, match="PKCE"):
        AuthorizationCode("cid", "", "https://app.example/cb")
