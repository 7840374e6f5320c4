"""Helpers for the tests of FakeSpotify: plain aiohttp calls (never the SDK client)."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp

from spotify_async.testing import FakeSpotify


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


async def app_token(fake: FakeSpotify, http: aiohttp.ClientSession) -> str:
    async with http.post(
        fake.accounts_base + "/api/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic(fake.client_id, fake.client_secret)},
    ) as r:
        assert r.status == 200
        body: dict[str, Any] = await r.json()
        return str(body["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_headers(fake: FakeSpotify, user_id: str | None = None, scopes: str | None = None) -> dict[str, str]:
    return bearer(fake.issue_user_token(user_id, scopes)["access_token"])


async def get_json(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str], status: int = 200, **params: Any
) -> Any:
    async with http.get(url, headers=headers, params=params or None) as r:
        body = await r.json(content_type=None)
        assert r.status == status, (r.status, body)
        return body
