"""The ``Literal`` types of FakeSpotify's options, and the one check that refuses a bad value at run time.

Each option's choices are written once, as a ``Literal``: type checkers read it, and :func:`check_choice` reads the same
``Literal`` (through :func:`typing.get_args`) to refuse anything else with
:class:`~spotify_async.errors.InvalidInput` naming the option, the choices and what it got (code that is not type
checked, a command line, a marker's keyword arguments, a control request from another process).
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias, get_args

from ..errors import InvalidInput

__all__ = ["ErrorShape", "FakeMode", "FaultKind", "PlaylistShape", "RefreshRotation", "check_choice", "choices"]

#: the app's quota mode: ``"development"`` loses the operations Spotify withdrew from development-mode apps
FakeMode: TypeAlias = Literal["extended", "development"]
#: what a refresh answers: no new refresh token, a new one each time (the old still works), or single-use ones
RefreshRotation: TypeAlias = Literal["none", "rotate", "single-use"]
#: how a playlist names its entries: ``items``/``item`` beside ``tracks``/``track`` (2026 extended mode), only the
#: new names (development mode) or only the old ones (before 2026)
PlaylistShape: TypeAlias = Literal["both", "new", "old"]
#: the kinds of :meth:`FakeSpotify.inject` (its docstring says what each does)
FaultKind: TypeAlias = Literal[
    "status",
    "reset",
    "stall",
    "malformed",
    "error_shape",
    "not_modified",
    "total",
    "empty_page",
    "next_null",
    "null_entry",
    "cursor_repeat",
    "next_drops_params",
    "spec_shape",
]
#: the bodies of an ``error_shape`` fault
ErrorShape: TypeAlias = Literal["legacy", "problem"]


def choices(literal: Any) -> tuple[Any, ...]:
    """The values of a ``Literal`` type, in the order written."""
    return tuple(get_args(literal))


def check_choice(name: str, value: object, literal: Any) -> None:
    """Refuse ``value`` with :class:`InvalidInput` unless it is one of the ``Literal``'s values."""
    allowed = get_args(literal)
    if value.__class__ is not str or value not in allowed:
        listed = ", ".join(repr(a) for a in allowed)
        raise InvalidInput(f"{name} must be one of {listed}; got {value!r}")
