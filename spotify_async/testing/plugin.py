"""pytest plugin (registered as a ``pytest11`` entry point): the ``fake_spotify`` fixture, a fresh
:class:`~spotify_async.testing.FakeSpotify` on 127.0.0.1 for each test.

Customise it per test with the ``fake_spotify`` marker, whose keyword arguments go to the constructor::

    @pytest.mark.fake_spotify(seed=3, rate_limit=(10, 1.0))
    async def test_something(fake_spotify): ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest

if TYPE_CHECKING:
    from .fake import FakeSpotify

_F = TypeVar("_F", bound=Callable[..., Any])


def _pick_fixture_decorator() -> Callable[[_F], _F]:
    try:  # strict-mode users need pytest-asyncio's decorator; auto mode accepts either
        import pytest_asyncio

        deco: Any = pytest_asyncio.fixture
    except ImportError:  # pragma: no cover - the plugin must load even where pytest-asyncio is absent
        deco = pytest.fixture
    return cast("Callable[[_F], _F]", deco)


_async_fixture = _pick_fixture_decorator()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fake_spotify(**options): keyword arguments for the fake_spotify fixture's FakeSpotify"
    )


@_async_fixture
async def fake_spotify(request: pytest.FixtureRequest) -> AsyncIterator[FakeSpotify]:
    """A running FakeSpotify for one test; closed afterwards."""
    from .fake import FakeSpotify

    marker = request.node.get_closest_marker("fake_spotify")
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    async with FakeSpotify(**options) as fake:
        yield fake
