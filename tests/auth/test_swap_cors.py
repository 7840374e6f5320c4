"""CORS on the Token Swap server: an explicit allow-list of browser origins (``make_app(allowed_origins=...)``,
``swap-server --allow-origin``). A listed origin gets ``Access-Control-Allow-Origin`` on every answer, errors included,
and its preflight answered; any other origin gets no CORS header and its preflight refused; no list is the server of
before. Against FakeSpotify's accounts service, and against small accounts services in the test that misbehave (401s,
dropped connections, their own CORS headers). Also the origins' validation, the command line, and no secret in any
header or log."""

from __future__ import annotations

import argparse
import asyncio
import base64
import logging
import os
import re
import socket
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from spotify_async import InvalidInput, TokenSwap
from spotify_async import swap as swap_module
from spotify_async.auth.sealing import new_key
from spotify_async.swap import PREFLIGHT_MAX_AGE, check_origin, make_app
from spotify_async.testing import FakeSpotify

from .support import click, serving

REDIRECT = "http://127.0.0.1:8888/callback"
APP = "https://app.example"
EXTENSION = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
TIMEOUT = aiohttp.ClientTimeout(total=20)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def cors_headers(resp: aiohttp.ClientResponse) -> dict[str, str]:
    return {k.lower(): v for k, v in resp.headers.items() if k.lower().startswith("access-control-")}


def varies_on_origin(resp: aiohttp.ClientResponse) -> bool:
    return any("origin" in {v.strip().lower() for v in value.split(",")} for value in resp.headers.getall("Vary", []))


async def a_code(base: str, fake: FakeSpotify) -> str:
    """An authorization code for REDIRECT, as the browser's callback receives it."""
    flow = TokenSwap(
        f"{base}/swap",
        f"{base}/refresh",
        client_id=fake.client_id,
        redirect_uri=REDIRECT,
        accounts_base=fake.accounts_base,
    )
    callback = await click(flow.authorize_url())
    return dict(p.split("=", 1) for p in callback.split("?", 1)[1].split("&"))["code"]


async def test_a_listed_origin_reads_the_swap_and_the_refresh(
    fake_spotify: FakeSpotify, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_spotify
    caplog.set_level(logging.DEBUG)
    key = new_key()
    app = make_app(
        fake.client_id,
        fake.client_secret,
        REDIRECT,
        accounts_base=fake.accounts_base,
        key=key,
        allowed_origins=["HTTPS://App.Example:443", EXTENSION],  # normalised as browsers send the Origin header
    )
    seen: list[str] = []  # every header value the server sent
    async with serving(app) as base, aiohttp.ClientSession(timeout=TIMEOUT) as browser:
        for origin in (APP, EXTENSION):
            code = await a_code(base, fake)
            async with browser.post(f"{base}/swap", data={"code": code}, headers={"Origin": origin}) as resp:
                assert resp.status == 200
                assert cors_headers(resp) == {"access-control-allow-origin": origin}  # no Allow-Credentials
                assert varies_on_origin(resp)
                assert resp.headers["Cache-Control"] == "no-store"
                token = await resp.json()
                seen += resp.headers.values()
            async with browser.post(
                f"{base}/refresh", data={"refresh_token": token["refresh_token"]}, headers={"Origin": origin}
            ) as resp:
                assert resp.status == 200
                assert cors_headers(resp) == {"access-control-allow-origin": origin}
                assert varies_on_origin(resp)
                refreshed = await resp.json()
                seen += resp.headers.values()
            assert refreshed["access_token"] != token["access_token"]
            # nothing secret in a header, or in the log
            secrets = [fake.client_secret, code, token["access_token"], token["refresh_token"]]
            secrets += [refreshed["access_token"], base64.urlsafe_b64encode(key).decode().rstrip("=")]
            secrets += list(fake.accounts.refresh)
            for secret in secrets:
                assert all(secret not in value for value in seen)
                assert secret not in caplog.text


async def test_a_listed_origin_reads_the_errors_too(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    app = make_app(
        fake.client_id, fake.client_secret, REDIRECT, accounts_base=fake.accounts_base, allowed_origins=[APP]
    )
    wrong = make_app(
        fake.client_id, "not-the-secret", REDIRECT, accounts_base=fake.accounts_base, allowed_origins=[APP]
    )
    origin = {"Origin": APP}
    async with serving(app) as base, serving(wrong) as wrong_base, aiohttp.ClientSession(timeout=TIMEOUT) as browser:
        answers = [
            (browser.post(f"{base}/swap", data={}, headers=origin), 400, "invalid_request"),
            (browser.post(f"{base}/swap", json={"code": "x"}, headers=origin), 400, "invalid_request"),
            (browser.post(f"{base}/refresh", data={"refresh_token": "forged"}, headers=origin), 400, "invalid_grant"),
            (browser.post(f"{base}/swap", data={"code": "not-a-code"}, headers=origin), 400, "invalid_grant"),
            (browser.post(f"{wrong_base}/swap", data={"code": "x"}, headers=origin), 400, "invalid_client"),
        ]
        for request, status, error in answers:
            async with request as resp:
                assert (resp.status, (await resp.json())["error"]) == (status, error)
                assert cors_headers(resp) == {"access-control-allow-origin": APP}
                assert varies_on_origin(resp)
        async with browser.get(f"{base}/swap", headers=origin) as resp:  # aiohttp's own 405 as well
            assert resp.status == 405
            assert cors_headers(resp) == {"access-control-allow-origin": APP}


def accounts_service(handler: Handler) -> web.Application:
    app = web.Application()
    app.router.add_post("/api/token", handler)
    return app


async def says_401(request: web.Request) -> web.StreamResponse:
    body = {"error": "invalid_client", "error_description": "Invalid client secret"}
    return web.json_response(body, status=401, headers={"Access-Control-Allow-Origin": "*", "Vary": "Accept"})


async def drops(request: web.Request) -> web.StreamResponse:
    assert request.transport is not None
    request.transport.close()
    return web.Response()


async def its_own_cors(request: web.Request) -> web.StreamResponse:
    token = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt-1"}
    headers = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true", "Vary": "Accept"}
    return web.json_response(token, headers=headers)


@pytest.mark.parametrize(
    ("accounts", "status", "error"),
    [(says_401, 401, "invalid_client"), (drops, 502, "server_error"), (its_own_cors, 200, None)],
    ids=["401", "dropped-connection", "upstream-cors-headers"],
)
async def test_against_accounts_services_that_misbehave(accounts: Handler, status: int, error: str | None) -> None:
    async with serving(accounts_service(accounts)) as upstream:
        app = make_app("cid", "secret", REDIRECT, accounts_base=upstream, key=new_key(), allowed_origins=[APP])
        async with serving(app) as base, aiohttp.ClientSession(timeout=TIMEOUT) as browser:
            started = time.monotonic()
            async with browser.post(f"{base}/swap", data={"code": "c"}, headers={"Origin": APP}) as resp:
                body = await resp.json()
            assert time.monotonic() - started < 30  # the accounts service's answer, or its failure, bounded
            assert resp.status == status
            assert body.get("error") == error
            # only this server's own CORS answer: never the upstream's wildcard or credentials
            assert cors_headers(resp) == {"access-control-allow-origin": APP}
            assert resp.headers.getall("Access-Control-Allow-Origin") == [APP]
            assert varies_on_origin(resp)
            if status == 200:
                assert body["refresh_token"] != "rt-1"  # sealed, as ever


async def test_preflights_of_listed_origins_are_answered_and_others_refused(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    app = make_app(
        fake.client_id,
        fake.client_secret,
        REDIRECT,
        accounts_base=fake.accounts_base,
        allowed_origins=[APP, "http://localhost:3000"],
    )
    ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    async with serving(app) as base, aiohttp.ClientSession(timeout=TIMEOUT) as browser:
        for path in ("/swap", "/refresh"):
            for origin in (APP, "http://localhost:3000"):
                async with browser.options(f"{base}{path}", headers={"Origin": origin, **ask}) as resp:
                    assert resp.status == 204
                    assert cors_headers(resp) == {
                        "access-control-allow-origin": origin,
                        "access-control-allow-methods": "POST",
                        "access-control-allow-headers": "Content-Type",
                        "access-control-max-age": str(PREFLIGHT_MAX_AGE),
                    }
                    assert varies_on_origin(resp)
                    assert await resp.read() == b""
            refused = [
                "https://app.example:8443",  # another port
                "http://app.example",  # another scheme
                "https://localhost:3000",
                "http://localhost:3001",
                "https://evil.app.example",
                "https://app.example.evil",
                "https://APP.example",  # not how a browser serialises it: compared exactly
                "null",  # a sandboxed frame or a file: page
                None,  # no Origin at all
            ]
            for bad in refused:
                headers = dict(ask) if bad is None else {"Origin": bad, **ask}
                async with browser.options(f"{base}{path}", headers=headers) as resp:
                    assert resp.status == 403, bad
                    assert await resp.json() == {
                        "error": "invalid_request",
                        "error_description": "this origin may not call the token swap server",
                    }
                    assert cors_headers(resp) == {}, bad
        # an unlisted origin's POST is answered (CORS only tells the browser who may read it), but without CORS headers
        async with browser.post(f"{base}/swap", data={}, headers={"Origin": "https://app.example:8443"}) as resp:
            assert resp.status == 400
            assert cors_headers(resp) == {}
        async with browser.post(f"{base}/swap", data={}) as resp:  # no Origin: a server-side client
            assert resp.status == 400
            assert cors_headers(resp) == {}


async def test_without_a_list_the_server_is_as_before(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    app = make_app(fake.client_id, fake.client_secret, REDIRECT, accounts_base=fake.accounts_base)
    ask = {"Origin": APP, "Access-Control-Request-Method": "POST"}
    async with serving(app) as base, aiohttp.ClientSession(timeout=TIMEOUT) as browser:
        async with browser.options(f"{base}/swap", headers=ask) as resp:
            assert resp.status == 405  # aiohttp's answer: no OPTIONS route
            assert resp.headers["Allow"] == "POST"
            assert cors_headers(resp) == {}
        code = await a_code(base, fake)
        async with browser.post(f"{base}/swap", data={"code": code}, headers={"Origin": APP}) as resp:
            assert resp.status == 200
            assert cors_headers(resp) == {}
            assert "Vary" not in resp.headers


async def test_mounted_in_another_app(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    outer = web.Application()
    swap = make_app(
        fake.client_id, fake.client_secret, REDIRECT, accounts_base=fake.accounts_base, allowed_origins=[APP]
    )
    outer.add_subapp("/spotify/", swap)
    ask = {"Origin": APP, "Access-Control-Request-Method": "POST"}
    async with serving(outer) as base, aiohttp.ClientSession(timeout=TIMEOUT) as browser:
        async with browser.options(f"{base}/spotify/refresh", headers=ask) as resp:
            assert resp.status == 204
            assert resp.headers["Access-Control-Allow-Origin"] == APP
        async with browser.post(f"{base}/spotify/refresh", data={}, headers={"Origin": APP}) as resp:
            assert resp.status == 400
            assert resp.headers["Access-Control-Allow-Origin"] == APP


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://App.Example", "https://app.example"),
        ("HTTPS://app.example:443", "https://app.example"),
        ("https://app.example:8443", "https://app.example:8443"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
        ("https://203.0.113.7", "https://203.0.113.7"),
        ("https://[2001:DB8:0::1]:444", "https://[2001:db8::1]:444"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://LOCALHOST", "http://localhost"),
        ("http://127.0.0.1:80", "http://127.0.0.1"),
        ("http://[::1]:5173", "http://[::1]:5173"),
        ("chrome-extension://ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP", EXTENSION),
        (
            "moz-extension://0F8FAD5B-D9CB-469F-A165-70867728950E",
            "moz-extension://0f8fad5b-d9cb-469f-a165-70867728950e",
        ),
    ],
)
def test_origins_are_normalised_as_browsers_send_them(given: str, expected: str) -> None:
    assert check_origin(given) == expected


@pytest.mark.parametrize(
    ("origin", "message"),
    [
        ("*", "no wildcards"),
        ("https://*.app.example", "no wildcards"),
        ("", "non-empty"),
        ("app.example", "expected scheme://host"),
        ("https://", "expected scheme://host"),
        ("null", "expected scheme://host"),
        ("ftp://app.example", "the scheme must be https"),
        ("ws://localhost", "the scheme must be https"),
        ("http://app.example", "http:// is allowed only for localhost"),
        ("http://192.168.1.2:8000", "http:// is allowed only for localhost"),
        ("https://app.example/", "no path"),
        ("https://app.example/login", "no path"),
        ("https://app.example?x=1", "no query"),
        ("https://app.example#top", "no fragment"),
        ("https://user@app.example", "no user info"),
        ("https://app.example:", "the port must be"),
        ("https://app.example:0", "the port must be"),
        ("https://app.example:65536", "the port must be"),
        ("https://app.example:http", "the port must be"),
        ("https://app.example:1:2", "expected host or host:port"),
        ("https://[::1", "expected host or host:port"),
        ("https://[not-v6]", "not an IPv6 address"),
        ("https://[fe80::1%25eth0]", "not an IPv6 address"),
        ("https://app..example", "not a host name"),
        ("https://-app.example", "not a host name"),
        ("https://app_1.example", "not a host name"),
        ("https://bücher.example", "ASCII (xn--) form"),
        (" https://app.example", "no spaces"),
        ("https://app.example\r\nX-Evil: 1", "no spaces"),
        ("https://app.example\x7f", "no spaces or control characters"),
        ("chrome-extension://short", "32 letters a-p"),
        ("chrome-extension://abcdefghijklmnopabcdefghijklmnoz", "32 letters a-p"),
        ("moz-extension://not-a-uuid", "a UUID"),
        ("moz-extension://0f8fad5b-d9cb-469f-a165-70867728950e:1", "a UUID"),
    ],
)
def test_bad_origins_are_refused_before_the_server_starts(origin: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)) as info:
        make_app("cid", "secret", REDIRECT, key=new_key(), allowed_origins=["https://fine.example", origin])
    if origin.strip():
        assert repr(origin) in str(info.value)  # the error names the bad value


def test_one_string_is_not_a_list_of_origins() -> None:
    with pytest.raises(InvalidInput, match="not one string"):
        make_app("cid", "secret", REDIRECT, key=new_key(), allowed_origins=APP)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_command_line_option(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SPOTIFY_CLIENT_SECRET=fake.client_secret, SPOTIFY_SWAP_KEY="A" * 43)
    env["SPOTIFY_SWAP_ALLOWED_ORIGINS"] = "https://ignored.example"  # the option, when given, wins
    args = ["--port", str(port), "--client-id", fake.client_id, "--redirect-uri", REDIRECT]
    args += [
        "--accounts-base",
        fake.accounts_base,
        "--allow-origin",
        "https://App.Example",
        "--allow-origin",
        EXTENSION,
    ]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "spotify_async", "swap-server", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        assert b"listening on " + base.encode() in line
        assert f"browser origins allowed: {EXTENSION}, {APP}".encode() in line
        ask = {"Access-Control-Request-Method": "POST"}
        async with aiohttp.ClientSession(timeout=TIMEOUT) as browser:
            for origin, status in ((APP, 204), (EXTENSION, 204), ("https://ignored.example", 403)):
                async with browser.options(f"{base}/swap", headers={"Origin": origin, **ask}) as resp:
                    assert resp.status == status
                    assert resp.headers.get("Access-Control-Allow-Origin") == (origin if status == 204 else None)
    finally:
        process.terminate()
        _, err = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0
    assert fake.client_secret.encode() not in err


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    swap_module.configure(parser)
    return parser.parse_args(["--client-id", "cid", "--redirect-uri", REDIRECT, *argv])


def test_the_command_takes_origins_from_the_environment_and_checks_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made: list[object] = []
    real_make_app = swap_module.make_app

    def recording_make_app(*args: object, **kwargs: object) -> web.Application:
        made.append(kwargs["allowed_origins"])
        return real_make_app(*args, **kwargs)  # type: ignore[arg-type]

    async def no_serving(app: web.Application, host: str, port: int, stop: asyncio.Event) -> None:
        return None

    monkeypatch.setattr(swap_module, "make_app", recording_make_app)
    monkeypatch.setattr(swap_module, "_serve", no_serving)
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", "s3cret-value")
    monkeypatch.setenv("SPOTIFY_SWAP_KEY", "A" * 43)
    monkeypatch.setenv("SPOTIFY_SWAP_ALLOWED_ORIGINS", f" {APP}, http://localhost:3000 ,")
    assert swap_module.run(_parse()) == 0
    assert made[-1] == [APP, "http://localhost:3000"]
    assert swap_module.run(_parse("--allow-origin", EXTENSION)) == 0
    assert made[-1] == [EXTENSION]
    monkeypatch.delenv("SPOTIFY_SWAP_ALLOWED_ORIGINS")
    assert swap_module.run(_parse()) == 0
    assert made[-1] == []
    # a bad origin: exit status 2 and a message naming it, before anything listens
    capsys.readouterr()
    assert swap_module.run(_parse("--allow-origin", "https://app.example/")) == 2
    err = capsys.readouterr().err
    assert "swap-server: allowed origin 'https://app.example/': an origin has no path" in err
    assert "s3cret-value" not in err
    monkeypatch.setenv("SPOTIFY_SWAP_ALLOWED_ORIGINS", "*")
    assert swap_module.run(_parse()) == 2
    assert "no wildcards" in capsys.readouterr().err
