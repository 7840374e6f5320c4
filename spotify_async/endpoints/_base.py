"""Shared plumbing for endpoint groups: argument checks, chunking, ordered concurrent fan-out.

Endpoint methods stay three to six lines: validate arguments (raising
:class:`~spotify_async.errors.InvalidInput` before anything is sent), compile a route, and return a
:class:`~spotify_async.http.call.Call` or :class:`~spotify_async.http.call.Paged` naming the model, or a
:class:`~spotify_async.http.call.Batch` when the method sends several requests. Per-operation facts (page and batch
maxima, where ids go, the answer's envelope) are read from the route (:mod:`spotify_async.http.routes`), never
written here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .. import ids
from ..errors import InvalidInput
from ..http.call import Batch, Call, gather_ordered, none_if_missing
from ..http.response import Request
from ..http.routes import Route

if TYPE_CHECKING:
    from ..session import Spotify

__all__ = [
    "EndpointGroup",
    "batch_max",
    "check_limit",
    "check_market",
    "check_max_items",
    "check_offset",
    "chunked",
    "flatten",
    "gather_ordered",
    "get_several",
    "id_list",
    "ids_request",
    "none_if_missing",
    "query",
]

T = TypeVar("T")


class EndpointGroup:
    """Base of ``sp.albums``, ``sp.tracks``...: holds the client it sends through."""

    __slots__ = ("_client",)

    def __init__(self, client: Spotify) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def query(**values: Any) -> dict[str, str]:
    """Query parameters without the ``None`` ones; booleans as ``true``/``false``, sequences comma-joined."""
    out: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, (list, tuple, set, frozenset)):
            out[name] = ",".join(str(v) for v in value)
        else:
            out[name] = str(value)
    return out


def check_limit(limit: int | None, maximum: int | None, *, default: int | None = None, name: str = "limit") -> int:
    """Return ``limit`` (or ``default``, or ``maximum``) after checking 1 <= limit <= maximum.

    ``maximum`` is the route's ``page_limit`` (the spec's figure, checked by a test); a route without one is a bug
    in the route table, reported as such rather than sent unbounded.
    """
    if maximum is None:
        raise TypeError("this route has no page_limit: add the spec's maximum to its Route")
    if limit is None:
        return default if default is not None else maximum
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise InvalidInput(f"{name} must be an integer, got {type(limit).__name__}")
    if not 1 <= limit <= maximum:
        raise InvalidInput(f"{name} must be between 1 and {maximum} for this endpoint, got {limit}")
    return limit


_MARKET = re.compile(r"[A-Z]{2}\Z")


def check_market(market: str | None) -> str | None:
    """``None``, ``"from_token"`` (the user's own country), or an ISO 3166-1 alpha-2 code (upper-cased)."""
    if market is None or market == "from_token":
        return market
    if isinstance(market, str) and _MARKET.match(market.upper()):
        return market.upper()
    raise InvalidInput(f"market must be an ISO 3166-1 alpha-2 country code (e.g. 'SE') or 'from_token', got {market!r}")


def check_offset(offset: int) -> int:
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidInput(f"offset must be a non-negative integer, got {offset!r}")
    return offset


def check_max_items(max_items: int | None) -> int | None:
    if max_items is None:
        return None
    if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1:
        raise InvalidInput(f"max_items must be a positive integer or None, got {max_items!r}")
    return max_items


def id_list(values: Iterable[str], kind: str, *, arg: str | None = None) -> list[str]:
    """Validate every id (ids, URIs or URLs of ``kind``) up front, so a bad one fails before any request; ``arg``
    (default ``<kind>_ids``) names the argument in the error."""
    return ids.to_ids(values, kind, arg=arg or f"{kind}_ids")


def chunked(values: Sequence[T], size: int) -> list[Sequence[T]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def batch_max(route: Route) -> int:
    """The route's ``batch_max`` (the spec's id-list maximum, checked by a test)."""
    if route.batch_max is None:
        raise TypeError(f"{route.operation_id} has no batch_max: add the spec's maximum to its Route")
    return route.batch_max


def ids_request(route: Route, values: Sequence[str], params: Mapping[str, str] | None = None, **path: str) -> Request:
    """A request of ``route`` carrying ``values`` where the route says its ids go (``Route.ids_in``, under
    ``Route.ids_param``): comma-joined in the query, or a JSON array in the body; ``path`` fills the path template."""
    compiled = route.compile(**path)
    name = route.ids_param
    if name is None or route.ids_in not in ("query", "body"):
        raise TypeError(f"{route.operation_id} takes no id list in its query or body: check its Route")
    if route.ids_in == "body":
        return Request(compiled, dict(params) if params else None, json={name: list(values)})
    return Request(compiled, {**(params or {}), name: ",".join(values)})


def get_several(
    group: EndpointGroup,
    values: Iterable[str],
    *,
    kind: str,
    single: Route,
    batch: Route,
    model: Any,
    params: dict[str, str] | None = None,
    single_model: Any = None,
) -> Batch[list[Any]]:
    """Fetch any number of items: ``None`` kept for unknown ids, results in input order; every id is checked now,
    before anything is sent.

    Extended mode sends the batch endpoint in chunks of its ``batch_max``, concurrently (each answer's list is under
    the route's ``envelope``). Development mode has no batch endpoints any more (Spotify removed them in February
    2026), so it sends one single-item GET per id, concurrently, under the same scheduler (the concurrency cap and
    rate budget still apply). ``single_model`` is the model of the single-item answer when it differs from the
    batch's (``GET /shows/{id}`` is a full show, ``GET /shows`` simplified).
    """
    client = group._client
    wanted = id_list(values, kind)
    if client.mode == "development":
        singles: list[Call[Any]] = [
            Call(client, Request(single.compile(id=i), params), single_model or model) for i in wanted
        ]
        return Batch.concurrent(singles, list, none_if_missing=True)
    calls: list[Call[list[Any]]] = [
        Call(client, ids_request(batch, chunk, params), list[model | None])
        for chunk in chunked(wanted, batch_max(batch))
    ]
    return Batch.concurrent(calls, flatten)


def flatten(chunks: list[list[T]]) -> list[T]:
    """The items of chunked answers, in order."""
    return [item for chunk in chunks for item in chunk]
