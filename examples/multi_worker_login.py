"""A web backend with two worker processes sharing one Redis: a login started on one worker completes on the other.

Behind a load balancer, the worker that sends a browser to Spotify (``/login``) is often not the one that receives the
callback (``/callback``), and the one serving ``/me`` later is any of them. Each worker here is its own process with
its own memory; all they share is Redis:

* ``RedisStateStore``: the pending login (its ``state``), so the callback is accepted wherever it lands, once;
* ``RedisTokenStore`` and ``Spotify(..., redis=url)``: each user's token (refreshed once for all workers, rotated
  refresh tokens stored before use), the app's token, the rate budget and the 429 gate;
* a cookie signed with a key every worker holds (``COOKIE_KEY``), naming the Spotify user.

Run it::

    python examples/multi_worker_login.py               # FakeSpotify + a throw-away redis-server + two workers,
                                                        # then a scripted browser logs in across them
    python examples/multi_worker_login.py --redis redis://127.0.0.1:6379/0

The scripted browser opens ``/login`` on worker 1; the redirect URI points at worker 2 (as a balancer might route
it), which completes the login; ``/me`` is then served by worker 1 from the token worker 2 stored; replaying the
callback is refused by both. It prints one JSON line with what happened and exits 0 when all of that held.

Each worker is this script run as ``worker`` (``--port``, ``--redis``, ``--client-id``, ``--redirect-uri``, bases),
with ``SPOTIFY_CLIENT_SECRET`` and ``COOKIE_KEY`` in the environment, never on the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import AsyncExitStack, ExitStack
from typing import Any

import aiohttp
from aiohttp import web

from spotify_async import (
    AuthError,
    AuthorizationCode,
    ClientCredentials,
    InvalidInput,
    ReauthorizationRequired,
    Scope,
    Spotify,
)
from spotify_async.distributed import RedisStateStore, RedisTokenStore

COOKIE = "session"


# ------------------------------------------------------------------------------------------------ one worker


def sign(key: bytes, user_id: str) -> str:
    return user_id + "." + hmac.new(key, user_id.encode(), hashlib.sha256).hexdigest()


def verify(key: bytes, cookie: str) -> str | None:
    user_id, _, _ = cookie.rpartition(".")
    return user_id if user_id and hmac.compare_digest(sign(key, user_id), cookie) else None


class Worker:
    def __init__(self, name: str, app_sp: Spotify, login: AuthorizationCode, cookie_key: bytes) -> None:
        self.name = name
        self.app_sp = app_sp
        self.login = login
        self.cookie_key = cookie_key

    async def handle_login(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(await self.login.login_url())  # the state goes to Redis: any worker can take it

    async def handle_callback(self, request: web.Request) -> web.StreamResponse:
        try:
            token = await self.login.exchange_callback(dict(request.query))
        except (InvalidInput, AuthError) as exc:  # forged, expired or replayed state; declined; a used code
            return web.Response(status=400, text=f"{self.name}: login failed: {exc}")
        me = await self.app_sp.for_user(token).users.me()
        await self.login.for_user(me.id).set_token(token)  # into Redis, under the user's id, for every worker
        response = web.HTTPFound("/me")
        response.set_cookie(COOKIE, sign(self.cookie_key, me.id), httponly=True, samesite="Lax")
        raise response

    async def handle_me(self, request: web.Request) -> web.StreamResponse:
        user_id = verify(self.cookie_key, request.cookies.get(COOKIE, ""))
        if user_id is None:
            raise web.HTTPFound("/login")
        # a user client whose token lives in Redis (app made with redis=: shared and refreshed once for all)
        client = self.app_sp.for_user(self.login.for_user(user_id))
        try:
            me = await client.users.me()
        except ReauthorizationRequired:
            raise web.HTTPFound("/login") from None
        return web.json_response({"worker": self.name, "user": me.id, "display_name": me.display_name})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/login", self.handle_login)
        app.router.add_get("/callback", self.handle_callback)
        app.router.add_get("/me", self.handle_me)
        return app


async def run_worker(args: argparse.Namespace) -> int:
    secret = os.environ["SPOTIFY_CLIENT_SECRET"]
    cookie_key = bytes.fromhex(os.environ["COOKIE_KEY"])
    async with AsyncExitStack() as stack:
        app_sp = await stack.enter_async_context(
            Spotify(
                ClientCredentials(args.client_id, secret),
                api_base=args.api_base,
                accounts_base=args.accounts_base,
                redis=args.redis,
            )
        )
        tokens = RedisTokenStore(args.redis, client_id=args.client_id)
        states = RedisStateStore(args.redis, client_id=args.client_id)
        stack.push_async_callback(tokens.aclose)
        stack.push_async_callback(states.aclose)
        login = AuthorizationCode(
            args.client_id,
            secret,
            args.redirect_uri,
            scopes=(Scope.USER_READ_PRIVATE,),
            store=tokens,
            state_store=states,
            accounts_base=args.accounts_base,
        )
        runner = web.AppRunner(Worker(args.name, app_sp, login, cookie_key).app(), access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        await web.TCPSite(runner, "127.0.0.1", args.port).start()
        print(f"{args.name} ready on port {args.port}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
    return 0


# ------------------------------------------------------------------------------------------------ the demo


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(stack: ExitStack) -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("--redis auto needs redis-server on PATH (or pass --redis redis://...)")
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="multi-worker-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack.callback(process.wait, 5)
    stack.callback(process.terminate)
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return f"redis://127.0.0.1:{port}/0"
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("redis-server did not start") from None
            time.sleep(0.05)


async def start_worker(name: str, port: int, env: dict[str, str], flags: list[str]) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "worker", "--name", name, "--port", str(port), *flags,
        env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    if b"ready" not in line:
        raise SystemExit(f"{name} did not start")
    return process


async def demo(redis_url: str) -> dict[str, Any]:
    from spotify_async.testing import FakeSpotify

    async with AsyncExitStack() as stack:
        fake = await stack.enter_async_context(FakeSpotify())
        ports = [free_port(), free_port()]
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        redirect = f"{bases[1]}/callback"  # the balancer sends callbacks to worker 2
        env = dict(os.environ, SPOTIFY_CLIENT_SECRET=fake.client_secret, COOKIE_KEY=secrets.token_hex(32))
        flags = ["--redis", redis_url, "--client-id", fake.client_id, "--redirect-uri", redirect]
        flags += ["--api-base", fake.api_base, "--accounts-base", fake.accounts_base]
        workers = [await start_worker(f"worker{i + 1}", port, env, flags) for i, port in enumerate(ports)]
        for process in workers:
            stack.push_async_callback(process.wait)
            stack.callback(process.terminate)
        jar = aiohttp.CookieJar(unsafe=True)  # unsafe: cookies for a bare IP address
        async with aiohttp.ClientSession(cookie_jar=jar) as browser:
            # 1. worker 1 starts the login and sends the browser to Spotify, which approves at once
            async with browser.get(f"{bases[0]}/login", allow_redirects=False) as resp:
                authorize = resp.headers["Location"]
            async with browser.get(authorize, allow_redirects=False) as resp:
                callback = resp.headers["Location"]
            # 2. the callback reaches worker 2, which completes it and sets the session cookie
            async with browser.get(callback, allow_redirects=False) as resp:
                completed_on = resp.status
            # 3. worker 1 serves /me with the token worker 2 stored
            async with browser.get(f"{bases[0]}/me") as resp:
                me = await resp.json()
            # 4. a replayed callback is refused by both workers
            replays = []
            for base in bases:
                replay = base + callback[len(bases[1]) :]
                async with aiohttp.ClientSession() as other, other.get(replay, allow_redirects=False) as resp:
                    replays.append(resp.status)
        return {
            "login_started_on": "worker1",
            "callback_status_on_worker2": completed_on,
            "me": me,
            "expected_user": fake.login_user,
            "replay_statuses": replays,
            "token_requests": fake.stats.token_requests,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    worker = sub.add_parser("worker", help="run one worker (the demo starts two)")
    worker.add_argument("--name", default="worker", help="name shown in answers (default: %(default)s)")
    worker.add_argument("--port", type=int, required=True, help="port to listen on, on 127.0.0.1")
    worker.add_argument("--redis", required=True, help="redis:// URL shared by all workers")
    worker.add_argument("--client-id", required=True, help="the app's client id")
    worker.add_argument("--redirect-uri", required=True, help="the registered redirect URI (the balancer's)")
    worker.add_argument("--api-base", default="https://api.spotify.com/v1", help="Web API base (default: %(default)s)")
    worker.add_argument(
        "--accounts-base", default="https://accounts.spotify.com", help="accounts service (default: %(default)s)"
    )
    parser.add_argument("--redis", default="auto", help="redis:// URL, or 'auto' for a throw-away redis-server")
    args = parser.parse_args(argv)
    if args.command == "worker":
        return asyncio.run(run_worker(args))
    with ExitStack() as stack:
        url = start_redis(stack) if args.redis == "auto" else args.redis
        result = asyncio.run(demo(url))
    print(json.dumps(result))
    ok = (
        result["callback_status_on_worker2"] == 302
        and result["me"]["worker"] == "worker1"
        and result["me"]["user"] == result["expected_user"]
        and result["replay_statuses"] == [400, 400]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
