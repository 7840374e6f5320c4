"""Test-session set-up shared by every test: aioresponses compatibility and common fixtures."""

from __future__ import annotations

import inspect
import types
from typing import Any

import aioresponses.core as _aioresponses_core
from aiohttp import ClientResponse


class _CompatClientResponse(ClientResponse):
    """aioresponses 0.7.9 builds ClientResponse without ``stream_writer``, which aiohttp 3.14 requires."""

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        if "stream_writer" not in kwargs:
            kwargs["stream_writer"] = types.SimpleNamespace(output_size=0)
        super().__init__(method, url, **kwargs)


if "stream_writer" in inspect.signature(ClientResponse.__init__).parameters:
    _aioresponses_core.ClientResponse = _CompatClientResponse  # type: ignore[misc]


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
