"""Markets: ``sp.markets``: the countries where Spotify is available."""

from __future__ import annotations

from ..http import routes
from ..http.call import Call
from ..http.response import Request
from ._base import EndpointGroup

__all__ = ["MarketsEndpoints"]


class MarketsEndpoints(EndpointGroup):
    """Spotify's markets."""

    __slots__ = ()

    def available(self) -> Call[list[str]]:
        """``GET /markets``: every market's ISO 3166-1 alpha-2 code. No scope; extended mode only."""
        return Call(self._client, Request(routes.GET_AVAILABLE_MARKETS.compile()), list[str])
