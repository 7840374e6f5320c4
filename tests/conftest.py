"""Test-session set-up shared by every test: aioresponses compatibility and common fixtures."""

from __future__ import annotations

import asyncio
import inspect
import types
from typing import Any

import aioresponses.core as _aioresponses_core
import pytest
from aiohttp import ClientResponse

from .resources import EAGER_TASKS


class _CompatClientResponse(ClientResponse):
    """aioresponses 0.7.9 builds ClientResponse without ``stream_writer``, which aiohttp 3.14 requires."""

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        if "stream_writer" not in kwargs:
            kwargs["stream_writer"] = types.SimpleNamespace(output_size=0)
        super().__init__(method, url, **kwargs)


if "stream_writer" in inspect.signature(ClientResponse.__init__).parameters:
    _aioresponses_core.ClientResponse = _CompatClientResponse  # type: ignore[misc]


if EAGER_TASKS:
    if not hasattr(asyncio, "eager_task_factory"):
        raise pytest.UsageError("SPOTIFY_ASYNC_EAGER_TASKS=1 needs Python 3.12 or newer (asyncio.eager_task_factory)")

    @pytest.fixture(autouse=True)
    async def _eager_task_factory() -> None:
        """Every test's loop starts its tasks eagerly, as asyncio's docs suggest for speed (3.12+)."""
        asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined,unused-ignore]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say which outside resources were missing: the tests that need them skipped (or failed, under CI)."""
    from .resources import find_openapi, find_shared_fixtures, in_ci

    absent = [
        name
        for name, found in (
            ("openapi.yml (set SPOTIFY_OPENAPI)", find_openapi()),
            ("recorded responses (set SPOTIFY_FIXTURES)", find_shared_fixtures()),
        )
        if found is None
    ]
    if absent:
        outcome = "failed (CI=true)" if in_ci() else "skipped"
        terminalreporter.write_sep("-", "outside resources")
        terminalreporter.write_line(
            f"not found: {'; '.join(absent)}. Tests that need them {outcome}; "
            "they live in shared/ beside the repository (see README, 'Set-up on a fresh machine')."
        )
