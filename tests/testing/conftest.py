"""Fixtures for the tests of FakeSpotify itself: a running fake and a plain aiohttp session (not the SDK)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from spotify_async.testing import FakeSpotify


@pytest.fixture
async def fake() -> AsyncIterator[FakeSpotify]:
    async with FakeSpotify() as f:
        yield f


@pytest.fixture
async def dev_fake() -> AsyncIterator[FakeSpotify]:
    async with FakeSpotify(mode="development") as f:
        yield f


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s
