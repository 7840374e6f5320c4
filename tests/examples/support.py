"""Shared by the example tests: load an example file as a module, and a small misbehaving Spotify.

:class:`RudeSpotify` answers the way real servers sometimes do, which FakeSpotify (an emulator of the documented
behaviour) does not: 429s answered at once while successes are slow, ``Retry-After`` with stray whitespace or a
fraction, ``null`` entries and wrong ``total``s in pages, connections dropped mid-request, odd content types.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType, TracebackType

import orjson
from aiohttp import web

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

Behaviour = Callable[[web.Request], Awaitable[web.StreamResponse]]


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def track_json(n: int) -> dict[str, object]:
    return {"name": f"Song {n}", "id": f"{n:022d}", "album": {"name": f"Album {n}"}, "artists": [{"name": "Someone"}]}


def search_json(items: list[object], total: int) -> dict[str, object]:
    page = {"href": "x", "items": items, "limit": len(items), "offset": 0, "total": total, "next": None}
    return {"tracks": page}


class RudeSpotify:
    """A tiny Web API and accounts service on 127.0.0.1. ``behaviour`` answers ``GET /v1/...``; ``hits`` counts
    those requests."""

    def __init__(self) -> None:
        self.behaviour: Behaviour = self.slow_success
        self.hits = 0
        self._runner: web.AppRunner | None = None
        self.api_base = self.accounts_base = ""
        self.client_id, self.client_secret = "rude-app", "rude-secret"

    async def __aenter__(self) -> RudeSpotify:
        app = web.Application()
        app.router.add_post("/api/token", self._token)
        app.router.add_route("*", "/v1/{tail:.*}", self._api)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.accounts_base = f"http://127.0.0.1:{port}"
        self.api_base = f"{self.accounts_base}/v1"
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _token(self, request: web.Request) -> web.Response:
        body = {"access_token": "app-token", "token_type": "Bearer", "expires_in": 3600}
        return web.Response(body=orjson.dumps(body), content_type="application/json")

    async def _api(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        return await self.behaviour(request)

    # ---- behaviours ---------------------------------------------------------------------------------------------

    @staticmethod
    async def slow_success(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.2)
        # a wrong total, and JSON labelled as text
        return web.Response(body=orjson.dumps(search_json([track_json(1)], total=1000)), content_type="text/plain")

    @staticmethod
    def fast_429(retry_after: str) -> Behaviour:
        async def answer(request: web.Request) -> web.StreamResponse:
            return web.Response(status=429, headers={"Retry-After": retry_after}, text="Too many requests")

        return answer

    @staticmethod
    async def null_entries(request: web.Request) -> web.StreamResponse:
        body = search_json([track_json(1), None, track_json(2)], total=2)
        return web.Response(body=orjson.dumps(body), content_type="application/json")

    @staticmethod
    async def drop(request: web.Request) -> web.StreamResponse:
        transport = request.transport
        assert transport is not None
        transport.abort()  # the connection dies without an answer
        return web.Response()


class Said:
    """One thing the bot said: the text, whether only the asker sees it, and when (seconds after the command)."""

    def __init__(self, kind: str, text: str | None, ephemeral: bool, at: float) -> None:
        self.kind, self.text, self.ephemeral, self.at = kind, text or "", ephemeral, at

    def __repr__(self) -> str:
        return f"Said({self.kind!r}, {self.text!r}, ephemeral={self.ephemeral}, at={self.at:.3f})"


class StandInInteraction:
    """What the bot's commands use of ``discord.Interaction``, with Discord's rules: one initial response (a message
    or a deferral), follow-ups only after it. Records what was said, and when, in :attr:`said`."""

    def __init__(self, client: object, user_id: int) -> None:
        self.client = client
        self.user = _User(user_id)
        self.said: list[Said] = []
        self.started = time.monotonic()
        self.response = _Response(self)
        self.followup = _Followup(self)

    def record(self, kind: str, text: str | None, ephemeral: bool) -> None:
        self.said.append(Said(kind, text, ephemeral, time.monotonic() - self.started))

    @property
    def reply(self) -> Said:
        """The one message the user ends up seeing."""
        messages = [s for s in self.said if s.kind != "defer"]
        assert len(messages) == 1, self.said
        return messages[0]


class _User:
    def __init__(self, user_id: int) -> None:
        self.id = user_id


class _Response:
    def __init__(self, interaction: StandInInteraction) -> None:
        self._interaction = interaction
        self._done = False

    def is_done(self) -> bool:
        return self._done

    def _respond(self) -> None:
        if self._done:
            raise RuntimeError("InteractionResponded: this interaction has already been responded to")
        self._done = True

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        self._respond()
        self._interaction.record("defer", None, ephemeral)

    async def send_message(self, content: str | None = None, *, ephemeral: bool = False, **_: object) -> None:
        self._respond()
        self._interaction.record("message", content, ephemeral)


class _Followup:
    def __init__(self, interaction: StandInInteraction) -> None:
        self._interaction = interaction

    async def send(self, content: str | None = None, *, ephemeral: bool = False, **_: object) -> None:
        if not self._interaction.response.is_done():
            raise RuntimeError("404 Unknown Webhook: a follow-up needs a response first")
        self._interaction.record("followup", content, ephemeral)
