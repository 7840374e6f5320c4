"""Entry points of the worker processes the distributed tests start (multiprocessing, spawn): importable by name."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

from spotify_async import ClientCredentials, Config, RateBudget, Spotify
from spotify_async.distributed import connect


async def _refresh_many(job: dict[str, Any]) -> dict[str, Any]:
    """Wait for a start instant, then ask for the token from many coroutines of several sessions at once."""
    async with connect(job["redis"], client_id=job["client_id"], namespace=job["namespace"]) as co:
        sessions = [
            Spotify(
                co.auth(ClientCredentials(job["client_id"], job["client_secret"]), lock_ttl=job["lock_ttl"]),
                api_base=job["api_base"],
                accounts_base=job["accounts_base"],
                config=Config(budget=RateBudget()),
            )
            for _ in range(job["sessions"])
        ]
        try:
            delay = job["start_at"] - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tokens = await asyncio.gather(*(sp.tokens.get() for sp in sessions for _ in range(job["per_session"])))
        finally:
            for sp in sessions:
                await sp.close()
        return {
            "distinct_tokens": len({t.access_token for t in tokens}),
            "token_requests": sum(sp.auth.token_requests for sp in sessions),  # type: ignore[attr-defined]
            "fingerprint": hashlib.sha256(tokens[0].access_token.encode()).hexdigest()[:16],
        }


def refresh_many(job: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(_refresh_many(job))


async def _hold_refresh(job: dict[str, Any]) -> None:
    """Take the refresh lock and start a token request that the fake stalls: the test kills us meanwhile."""
    async with connect(job["redis"], client_id=job["client_id"], namespace=job["namespace"]) as co:
        auth = co.auth(ClientCredentials(job["client_id"], job["client_secret"]), lock_ttl=job["lock_ttl"])
        async with Spotify(auth, api_base=job["api_base"], accounts_base=job["accounts_base"]) as sp:
            await sp.tokens.get()


def hold_refresh(job: dict[str, Any]) -> None:
    asyncio.run(_hold_refresh(job))


async def _user_refresh_many(job: dict[str, Any]) -> dict[str, Any]:
    """One user's token, stale in Redis, asked for by many coroutines of several sessions at once (a user flow)."""
    from spotify_async import AuthorizationCode, ReauthorizationRequired

    async with connect(job["redis"], client_id=job["client_id"], namespace=job["namespace"]) as co:
        login = AuthorizationCode(
            job["client_id"], job["client_secret"], "https://app.example/callback", store=co.store
        )
        sessions = [
            Spotify(
                co.auth(login.for_user(job["user_key"]), lock_ttl=job["lock_ttl"]),
                api_base=job["api_base"],
                accounts_base=job["accounts_base"],
                config=Config(budget=RateBudget()),
            )
            for _ in range(job["sessions"])
        ]
        try:
            delay = job["start_at"] - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            outcomes = await asyncio.gather(
                *(sp.users.me() for sp in sessions for _ in range(job["per_session"])), return_exceptions=True
            )
            refused = sum(isinstance(o, ReauthorizationRequired) for o in outcomes)
            others = [type(o).__name__ for o in outcomes if isinstance(o, BaseException) and refused == 0]
            tokens = {sp.tokens.token.access_token for sp in sessions if sp.tokens.token is not None}
        finally:
            for sp in sessions:
                await sp.close()
        return {
            "ok": sum(not isinstance(o, BaseException) for o in outcomes),
            "refused": refused,
            "other_errors": others,
            "distinct_tokens": len(tokens),
            "token_requests": sum(sp.auth.token_requests for sp in sessions),  # type: ignore[attr-defined]
            "fingerprint": hashlib.sha256(min(tokens).encode()).hexdigest()[:16] if tokens else "",
        }


def user_refresh_many(job: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(_user_refresh_many(job))
