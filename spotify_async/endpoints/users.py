"""Users: ``sp.users``."""

from __future__ import annotations

from ._base import EndpointGroup

__all__ = ["UsersEndpoints"]


class UsersEndpoints(EndpointGroup):
    """Users operations."""

    __slots__ = ()
