"""The Token Swap example pair against FakeSpotify: the server script (secret and key from the environment) and the
client script (no secret) in their own processes; the client logs in, calls the API, and refreshes through the
server."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import socket
import sys
from pathlib import Path

import aiohttp

from spotify_async.testing import FakeSpotify

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_swap_server_and_client_examples(fake_spotify: FakeSpotify, tmp_path: Path) -> None:
    fake = fake_spotify
    redirect = f"http://127.0.0.1:{_free_port()}/callback"
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    env = dict(os.environ, SPOTIFY_CLIENT_SECRET=fake.client_secret, SPOTIFY_SWAP_KEY=key)
    server = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / "token_swap_server.py"),
        "--client-id", fake.client_id, "--redirect-uri", redirect, "--accounts-base", fake.accounts_base,
        "--port", "0", "--allow-origin", "https://app.example",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        line = (await asyncio.wait_for(server.stdout.readline(), 30)).decode()
        assert "/spotify/swap" in line, line
        swap_base = line.split(" at ", 1)[1].split("/spotify/swap", 1)[0] + "/spotify"
        # the allowed browser origin may call it from a page; another may not
        timeout = aiohttp.ClientTimeout(total=20)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            preflight = {"Access-Control-Request-Method": "POST"}
            async with http.options(f"{swap_base}/swap", headers={"Origin": "https://app.example", **preflight}) as r:
                assert r.status == 204
                assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
            async with http.options(f"{swap_base}/swap", headers={"Origin": "https://evil.example", **preflight}) as r:
                assert r.status == 403
                assert "Access-Control-Allow-Origin" not in r.headers
        client_env = {k: v for k, v in os.environ.items() if k not in ("SPOTIFY_CLIENT_SECRET", "SPOTIFY_SWAP_KEY")}
        token_file = tmp_path / "tokens.json"
        client = await asyncio.create_subprocess_exec(
            sys.executable, str(EXAMPLES / "token_swap_client.py"),
            "--swap-base", swap_base, "--client-id", fake.client_id, "--redirect-uri", redirect,
            "--accounts-base", fake.accounts_base, "--api-base", fake.api_base,
            "--auto-approve", "--timeout", "30", "--store", str(token_file),
            env=client_env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(client.communicate(), 60)
        assert client.returncode == 0, err.decode(errors="replace")[-2000:]
        result = json.loads(out.decode().strip().splitlines()[-1])
        assert result == {
            "user": fake.login_user,
            "same_user_after_refresh": True,
            "refreshed": True,
            "refresh_seconds": result["refresh_seconds"],
            "stored": True,
        }
        # the client's token file holds the server's sealed refresh token, never Spotify's
        stored = json.loads(token_file.read_text())["tokens"]["default"]
        assert stored["refresh_token"] not in fake.accounts.refresh
        assert fake.client_secret not in token_file.read_text()
    finally:
        server.terminate()
        _, server_err = await asyncio.wait_for(server.communicate(), 10)
    assert server.returncode == 0
    assert fake.client_secret.encode() not in server_err


async def test_the_swap_server_example_refuses_a_wildcard_origin_before_it_listens() -> None:
    env = dict(os.environ, SPOTIFY_CLIENT_SECRET="a-secret-value")
    server = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / "token_swap_server.py"),
        "--client-id", "abc", "--redirect-uri", "http://127.0.0.1:8888/callback", "--port", "0",
        "--allow-origin", "*",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(server.communicate(), 30)
    assert server.returncode == 2
    assert b"origin" in err
    assert b"Traceback" not in err
    assert b"a-secret-value" not in err + out
