"""The fake accounts service: every grant, Spotify's error bodies, PKCE, refresh rotation and expiry."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from fakehelpers import basic, bearer, get_json

from spotify_async.testing import FakeSpotify

REDIRECT = "http://127.0.0.1:8765/callback"


async def token_call(
    fake: FakeSpotify, http: aiohttp.ClientSession, data: dict[str, str], auth: str | None = None
) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": auth} if auth else {}
    async with http.post(fake.accounts_base + "/api/token", data=data, headers=headers) as r:
        return r.status, await r.json()


async def authorize(fake: FakeSpotify, http: aiohttp.ClientSession, **extra: str) -> dict[str, list[str]]:
    params = {"client_id": fake.client_id, "response_type": "code", "redirect_uri": REDIRECT, "state": "xyz"}
    params.update(extra)
    async with http.get(fake.accounts_base + "/authorize", params=params, allow_redirects=False) as r:
        assert r.status == 302, await r.text()
        location = r.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(location).query)


async def test_client_credentials_token(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    status, body = await token_call(
        fake, http, {"grant_type": "client_credentials"}, basic(fake.client_id, fake.client_secret)
    )
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert "refresh_token" not in body
    assert fake.stats.token_requests == 1
    await get_json(http, f"{fake.api_base}/albums/{fake.catalog.albums[0]}", bearer(str(body["access_token"])))


async def test_client_credentials_in_body(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    status, body = await token_call(
        fake,
        http,
        {"grant_type": "client_credentials", "client_id": fake.client_id, "client_secret": fake.client_secret},
    )
    assert status == 200
    assert "access_token" in body


@pytest.mark.parametrize(
    ("data", "auth", "error", "description"),
    [
        ({"grant_type": "client_credentials"}, "WRONG", "invalid_client", "Invalid client secret"),
        ({"grant_type": "client_credentials"}, "UNKNOWN", "invalid_client", "Invalid client"),
        ({"grant_type": "client_credentials"}, None, "invalid_client", "Invalid client"),
        ({}, "OK", "unsupported_grant_type", "grant_type parameter is missing"),
        ({"grant_type": "password"}, "OK", "unsupported_grant_type", None),
        ({"grant_type": "refresh_token", "refresh_token": "nope"}, "OK", "invalid_grant", "Invalid refresh token"),
        (
            {"grant_type": "authorization_code", "code": "nope", "redirect_uri": REDIRECT},
            "OK",
            "invalid_grant",
            "Invalid authorization code",
        ),
    ],
)
async def test_token_errors(
    fake: FakeSpotify,
    http: aiohttp.ClientSession,
    data: dict[str, str],
    auth: str | None,
    error: str,
    description: str | None,
) -> None:
    header = {
        "OK": basic(fake.client_id, fake.client_secret),
        "WRONG": basic(fake.client_id, "0" * 32),
        "UNKNOWN": basic("f" * 32, fake.client_secret),
        None: None,
    }[auth]
    status, body = await token_call(fake, http, data, header)
    assert status == 400
    assert body["error"] == error
    if description is not None:
        assert body["error_description"] == description


async def test_authorization_code_flow(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    user = fake.catalog.users[3]
    fake.login_user = user
    qs = await authorize(fake, http, scope="user-read-private user-library-read")
    assert qs["state"] == ["xyz"]
    code = qs["code"][0]
    auth = basic(fake.client_id, fake.client_secret)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    status, body = await token_call(fake, http, data, auth)
    assert status == 200, body
    assert set(str(body["scope"]).split()) == {"user-read-private", "user-library-read"}
    me = await get_json(http, fake.api_base + "/me", bearer(str(body["access_token"])))
    assert me["id"] == user
    # a code is single-use
    status, body = await token_call(fake, http, data, auth)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_authorization_code_redirect_mismatch(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    code = (await authorize(fake, http))["code"][0]
    status, body = await token_call(
        fake,
        http,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:1/other"},
        basic(fake.client_id, fake.client_secret),
    )
    assert (status, body["error"], body["error_description"]) == (400, "invalid_grant", "Invalid redirect URI")


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)[:96]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


async def test_pkce_flow_and_wrong_verifier(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    verifier, challenge = pkce_pair()
    code = (await authorize(fake, http, code_challenge=challenge, code_challenge_method="S256"))["code"][0]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": fake.client_id}
    status, body = await token_call(fake, http, {**data, "code_verifier": pkce_pair()[0]})
    assert (status, body["error"]) == (400, "invalid_grant")
    assert body["error_description"] == "code_verifier was incorrect"
    status, body = await token_call(fake, http, {**data, "code_verifier": verifier})
    assert status == 200, body
    assert body["refresh_token"]
    # PKCE refresh: client_id, no secret
    status, body2 = await token_call(
        fake,
        http,
        {"grant_type": "refresh_token", "refresh_token": str(body["refresh_token"]), "client_id": fake.client_id},
    )
    assert status == 200
    assert body2["access_token"] != body["access_token"]


async def test_authorize_rejections(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    base = {"client_id": fake.client_id, "response_type": "code"}
    for params, text in (
        ({**base, "redirect_uri": "http://localhost:8000/cb"}, "INVALID_CLIENT: Insecure redirect URI"),
        ({**base, "client_id": "0" * 32, "redirect_uri": REDIRECT}, "INVALID_CLIENT: Invalid client"),
    ):
        async with http.get(fake.accounts_base + "/authorize", params=params, allow_redirects=False) as r:
            assert r.status == 400
            assert await r.text() == text
    assert (await authorize(fake, http, scope="not-a-scope"))["error"] == ["invalid_scope"]
    fake.authorize_approves = False
    assert (await authorize(fake, http))["error"] == ["access_denied"]


@pytest.mark.parametrize("rotation", ["none", "rotate", "single-use"])
async def test_refresh_rotation(rotation: str, http: aiohttp.ClientSession) -> None:
    async with FakeSpotify(refresh_rotation=rotation) as fake:
        first = fake.issue_user_token()
        auth = basic(fake.client_id, fake.client_secret)
        refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
        status, body = await token_call(fake, http, refresh, auth)
        assert status == 200
        if rotation == "none":
            assert "refresh_token" not in body
        else:
            assert body["refresh_token"] not in (None, first["refresh_token"])
        status, again = await token_call(fake, http, refresh, auth)
        if rotation == "single-use":
            # replaying a spent token revokes the family: the newest token dies too
            assert (status, again["error"]) == (400, "invalid_grant")
            status, newest = await token_call(
                fake, http, {"grant_type": "refresh_token", "refresh_token": str(body["refresh_token"])}, auth
            )
            assert (status, newest["error"]) == (400, "invalid_grant")
        else:
            assert status == 200


async def test_refresh_token_expiry(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    tok = fake.issue_user_token()
    fake.expire_refresh_tokens()
    status, body = await token_call(
        fake,
        http,
        {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]},
        basic(fake.client_id, fake.client_secret),
    )
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_short_lived_tokens_expire(http: aiohttp.ClientSession) -> None:
    async with FakeSpotify(token_expires_in=0.3) as fake:
        headers = bearer(fake.issue_user_token()["access_token"])
        url = f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}"
        await get_json(http, url, headers)
        await asyncio.sleep(0.35)
        body = await get_json(http, url, headers, status=401)
        assert body == {"error": {"status": 401, "message": "The access token expired"}}
