"""The one cattrs converter that turns Spotify JSON into the attrs models, and back.

Built once at import on ``cattrs.preconf.orjson.make_converter`` with ``detailed_validation=False`` (the fast path).
Two module-level instances: :data:`CONVERTER` ignores unknown keys (production: Spotify adds keys without notice) and
:data:`STRICT_CONVERTER` forbids them (fixture tests: drift must show). When structuring fails, :func:`structure`
re-runs the same data through a detailed-validation twin only to explain the failure, and raises
:class:`~spotify_async.errors.ModelError` naming the JSON path (``$.items[2].track.popularity``).

What is tuned here, and why (``python -m benchmarks.structuring`` measures it):

* Every model's structuring function comes from :mod:`._gen`, a code generator registered as the cattrs hook
  factory for attrs classes: JSON scalars are read inline (no hook call per field), leaf models are built inline in
  their parent, instances are made without the keyword ``__init__`` call. This cut structuring time by two to four
  times against ``make_dict_structure_fn`` with pass-through hooks.
* Lists of JSON scalars are handed through as orjson built them; the strict converter checks every element. The
  market lists (``available_markets``: up to 185 codes on every track and album, nearly always the same few lists)
  are ``tuple[str, ...]`` fields instead, shared between objects (see :mod:`._shared`): a kept playlist entry costs
  about 3 KiB instead of 26 KiB. :func:`loads` (and the client) find those arrays in the body's bytes and decode each
  distinct one once, so orjson never builds the strings a shared tuple replaces: the 100-item playlist page decodes
  and structures in less time than ``orjson.loads`` alone takes to decode it.
* The track-episode-chapter union dispatches on ``type`` with one dict lookup; anything unknown (or an episode in
  track shape, December 2024) becomes :class:`UnknownItem` holding the raw dict instead of failing the page.
* Renamed keys (playlist ``tracks``/``items``, entry ``track``/``item``, the singular ``restriction`` on episodes and
  chapters) are handled by picking one of two generated functions (one reading the renamed key) with a single ``in``
  test: no dict copies, and when both keys are present only the canonical one is structured. The strict converter
  accepts both keys.
* A simplified object that arrives in full (a show with ``episodes``, an audiobook with ``chapters``, a track with
  ``album``) becomes the full subclass, found by one ``in`` test.
* ``actions`` accepts both ``{"disallows": {...}}`` (what Spotify sends) and the spec's flat object.
* Recommendation seeds' camelCase keys are renamed both ways.
* A saved episode Spotify can no longer resolve (every field ``null``) becomes ``episode=None``.

Lenient versus strict: the lenient converter trusts orjson's scalar types (a string where an int belongs passes
through) and reads ``null`` as the default for fields whose default is not ``None``; it still fails on a missing
required key, a wrong container, or a bad ``type`` literal. The strict converter checks every value and key.
"""

from __future__ import annotations

import gc
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar, Union, overload

import attrs
import cattrs
import orjson
from cattrs.errors import ForbiddenExtraKeysError
from cattrs.gen import make_dict_unstructure_fn, override
from cattrs.preconf.orjson import make_converter as _make_orjson_converter

from ..errors import ModelError
from ._gen import (
    InvalidValue,
    gen_structure_fn,
    is_model,
    is_model_list,
    is_scalar_list,
    list_hook_factory,
    model_hook_factory,
    strict_scalar_list_hook,
)
from ._shared import SharedArrays, decode_shared, restore_arrays
from .audiobooks import Audiobook, Chapter, SimplifiedAudiobook, SimplifiedChapter
from .browse import RecommendationSeed
from .common import UnknownItem
from .library import SavedEpisode
from .music import SimplifiedTrack, Track
from .playable import PlayableItem
from .player import Disallows
from .playlists import Playlist, PlaylistTrack, SimplifiedPlaylist
from .podcasts import Episode, Show, SimplifiedEpisode, SimplifiedShow

__all__ = ["CONVERTER", "STRICT_CONVERTER", "loads", "make_converter", "structure", "unstructure"]

T = TypeVar("T")

HookFactory = Callable[[Any, cattrs.Converter], Callable[[Any, Any], Any]]

# Model classes whose canonical attribute may arrive under an older key: {class: (attribute, old key)}.
_ALIASES: dict[type[Any], tuple[str, str]] = {
    Playlist: ("items", "tracks"),
    SimplifiedPlaylist: ("items", "tracks"),
    PlaylistTrack: ("item", "track"),
    Episode: ("restrictions", "restriction"),
    SimplifiedEpisode: ("restrictions", "restriction"),
    Chapter: ("restrictions", "restriction"),
    SimplifiedChapter: ("restrictions", "restriction"),
}

# Simplified classes that may arrive as their full subclass, recognised by one key: (base, full, key).
_UPGRADES: tuple[tuple[type[Any], type[Any], str], ...] = (
    (SimplifiedTrack, Track, "album"),
    (SimplifiedShow, Show, "episodes"),
    (SimplifiedAudiobook, Audiobook, "chapters"),
)

_SEED_RENAMES = {
    "initial_pool_size": "initialPoolSize",
    "after_filtering_size": "afterFilteringSize",
    "after_relinking_size": "afterRelinkingSize",
}

_PLAYABLE_MEMBERS = frozenset(typing.get_args(PlayableItem))


def _overrides(mapping: dict[str, Any]) -> dict[str, Any]:
    # cattrs types its **kwargs overrides loosely next to its keyword flags; a plain dict[str, Any] keeps mypy calm.
    return mapping


def _passthrough_list(value: Any, _: Any) -> Any:
    # orjson gives lists of exact scalars already; checking the container is enough.
    if value.__class__ is not list:
        raise InvalidValue(f"expected a list, got {type(value).__name__}")
    return value


def _passthrough_dict(value: Any, _: Any) -> Any:
    if value.__class__ is not dict:
        raise InvalidValue(f"expected an object, got {type(value).__name__}")
    return value


def _is_exactly(cls: Any) -> Callable[[Any], bool]:
    return lambda t: t is cls


def _is_playable(tp: Any) -> bool:
    return frozenset(typing.get_args(tp)) == _PLAYABLE_MEMBERS and typing.get_origin(tp) in (Union, types.UnionType)


def _is_husk(data: dict[str, Any]) -> bool:
    # What Spotify sends for an item it can no longer resolve: every field null, id and name included.
    return data.get("id") is None and data.get("name") is None


def _alias_factory(attribute: str, old_key: str, *, strict: bool, detailed: bool) -> HookFactory:
    """Playlist ``tracks``/``items`` and friends: two generated functions, picked by one ``in`` test.

    When both keys are present only the canonical one is structured (the other is ignored, not parsed twice); the
    strict converter accepts both.
    """

    def factory(cls: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
        new_fn = gen_structure_fn(cls, conv, strict=strict, detailed=detailed, extra_allowed=frozenset({old_key}))
        old_fn = gen_structure_fn(
            cls,
            conv,
            strict=strict,
            detailed=detailed,
            renames={attribute: old_key},
            extra_allowed=frozenset({attribute}),
        )

        def structure_aliased(data: Any, _: Any) -> Any:
            return new_fn(data, cls) if attribute in data else old_fn(data, cls)

        return structure_aliased

    return factory


#: simplified classes the spec wraps in a saved-item object that the live API leaves out: (class, wrapper key). Both
#: arrive at ``GET /me/audiobooks``: the spec's ``{"added_at", "audiobook"}`` and, live, the plain audiobook.
_WRAPPED: dict[type[Any], str] = {SimplifiedAudiobook: "audiobook"}


def _upgrade_factory(full: type[Any], key: str, *, strict: bool, detailed: bool) -> HookFactory:
    """Structure a simplified class as its full subclass when the body carries the full one's ``key``.

    Spotify sometimes embeds the full object where the spec promises the simplified one (a show with its episodes in
    ``GET /shows?ids=``, an audiobook with chapters inside a chapter, a track with its album). The attribute stays
    typed as the simplified class; the subclass keeps the extra data instead of failing strict mode or dropping it.
    A placeholder (``null``, or a page whose ``href`` is ``null``, as in a 2023 chapter's audiobook) is ignored, even
    by the strict converter.
    """

    def factory(base: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
        base_fn = gen_structure_fn(base, conv, strict=strict, detailed=detailed, extra_allowed=frozenset({key}))
        full_fn = conv.get_structure_hook(full)
        wrapper = _WRAPPED.get(base)

        def structure_upgrading(data: Any, _: Any) -> Any:
            if wrapper is not None and data.__class__ is dict and wrapper in data and "name" not in data:
                # the spec's saved-item wrapper around the object (its added_at is not kept)
                data = data[wrapper]
                if data is None:
                    return None
            value = data.get(key) if data.__class__ is dict else None
            if value.__class__ is dict and value.get("href", "") is not None:
                return full_fn(data, full)
            return base_fn(data, base)

        return structure_upgrading

    return factory


def _playable_factory(tp: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    track_fn = conv.get_structure_hook(Track)
    episode_fn = conv.get_structure_hook(Episode)
    chapter_fn = conv.get_structure_hook(Chapter)

    def structure_playable(data: Any, _: Any) -> Any:
        if data.__class__ is not dict:
            raise InvalidValue(f"expected an object for a track, episode or chapter, got {type(data).__name__}")
        kind = data.get("type")
        if kind == "track":
            return track_fn(data, Track)
        if kind == "episode":
            # the spec calls chapters "episode" (live says "chapter"): a chapter is recognised by its own keys
            if "chapter_number" in data or "audiobook" in data:
                return chapter_fn(data, Chapter)
            # Spotify has served episodes in track shape (album, artists, `track: true`), and husks of episodes it
            # can no longer resolve (everything null): neither is an Episode.
            if "album" in data or _is_husk(data):
                return UnknownItem(raw=restore_arrays(data))
            return episode_fn(data, Episode)
        if kind == "chapter":
            return chapter_fn(data, Chapter)
        return UnknownItem(raw=restore_arrays(data))

    return structure_playable


def _disallows_factory(*, strict: bool, detailed: bool) -> HookFactory:
    def factory(cls: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
        inner = gen_structure_fn(Disallows, conv, strict=strict, detailed=detailed)

        def structure_disallows(data: Any, _: Any) -> Any:
            if data.__class__ is dict and "disallows" in data:
                # Spotify's real shape is {"disallows": {...}}; the spec (and old recordings) have the flat object.
                if strict and len(data) != 1:
                    raise ForbiddenExtraKeysError("", Disallows, set(data) - {"disallows"})
                data = data["disallows"]
            return inner(data, Disallows)

        return structure_disallows

    return factory


def _saved_episode_factory(*, strict: bool, detailed: bool) -> HookFactory:
    def factory(cls: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
        episode_fn = conv.get_structure_hook(Episode)

        def structure_episode(data: Any, _: Any) -> Any:
            if data is None or (data.__class__ is dict and _is_husk(data)):
                return None
            return episode_fn(data, Episode)

        return gen_structure_fn(
            SavedEpisode, conv, strict=strict, detailed=detailed, field_hooks={"episode": structure_episode}
        )

    return factory


def _seed_factory(*, strict: bool, detailed: bool) -> HookFactory:
    def factory(cls: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
        return gen_structure_fn(RecommendationSeed, conv, strict=strict, detailed=detailed, renames=_SEED_RENAMES)

    return factory


def _polymorphic_factory(full: type[Any]) -> Callable[[Any, cattrs.Converter], Callable[[Any], Any]]:
    # A simplified-typed attribute may hold the full subclass (see _upgrade_factory): unstructure by runtime class.
    def factory(base: Any, conv: cattrs.Converter) -> Callable[[Any], Any]:
        base_fn = make_dict_unstructure_fn(base, conv)
        full_fn = conv.get_unstructure_hook(full)

        def unstructure_polymorphic(obj: Any) -> Any:
            return full_fn(obj) if obj.__class__ is full else base_fn(obj)

        return unstructure_polymorphic

    return factory


def _configure(conv: cattrs.Converter, *, strict: bool, detailed: bool) -> None:
    # Later registrations win in cattrs, so the generic factories go first and the exact-class hooks after them.
    # Every hook below is a factory: it runs on first use, when all registrations are in place.
    conv.register_structure_hook_factory(is_model, model_hook_factory(strict=strict, detailed=detailed))
    conv.register_structure_hook_factory(is_model_list, list_hook_factory(detailed=detailed))
    if strict:
        conv.register_structure_hook_factory(is_scalar_list, strict_scalar_list_hook)
    else:
        conv.register_structure_hook_func(is_scalar_list, _passthrough_list)
    # Raw JSON objects (`fields=` projections have no model): handed through, only the container is checked.
    conv.register_structure_hook_func(lambda tp: tp == dict[str, Any], _passthrough_dict)

    def exact(cls: Any, factory: HookFactory) -> None:
        # An identity predicate: `register_structure_hook(cls, ...)` goes through singledispatch and would also catch
        # every subclass (Track is a SimplifiedTrack, Show a SimplifiedShow...).
        conv.register_structure_hook_factory(_is_exactly(cls), factory)

    exact(UnknownItem, lambda tp, conv: lambda data, _: UnknownItem(raw=restore_arrays(dict(data))))
    conv.register_unstructure_hook_func(_is_exactly(UnknownItem), lambda item: item.raw)

    for cls, (attribute, old_key) in _ALIASES.items():
        exact(cls, _alias_factory(attribute, old_key, strict=strict, detailed=detailed))
    for base, full, key in _UPGRADES:
        exact(base, _upgrade_factory(full, key, strict=strict, detailed=detailed))
        conv.register_unstructure_hook_factory(_is_exactly(base), _polymorphic_factory(full))
    exact(Disallows, _disallows_factory(strict=strict, detailed=detailed))
    exact(SavedEpisode, _saved_episode_factory(strict=strict, detailed=detailed))
    exact(RecommendationSeed, _seed_factory(strict=strict, detailed=detailed))
    conv.register_unstructure_hook_factory(
        _is_exactly(RecommendationSeed),
        lambda tp, conv: make_dict_unstructure_fn(
            RecommendationSeed,
            conv,
            **_overrides({name: override(rename=key) for name, key in _SEED_RENAMES.items()}),
        ),
    )
    conv.register_structure_hook_factory(_is_playable, _playable_factory)


def make_converter(*, strict: bool = False, detailed: bool = False) -> cattrs.Converter:
    """Build a converter for the models.

    ``strict`` forbids keys the models do not know (for tests); ``detailed`` collects every error with its path (slow,
    used only to explain a failure).
    """
    conv = _make_orjson_converter(detailed_validation=detailed, forbid_extra_keys=strict)
    _configure(conv, strict=strict, detailed=detailed)
    return conv


#: bodies at least this large are decoded and structured by :func:`loads` with the garbage collector paused
GC_PAUSE_BYTES = 64 * 1024

CONVERTER = make_converter()
STRICT_CONVERTER = make_converter(strict=True)
# Built lazily: only needed to explain a failure.
_explainers: dict[bool, cattrs.Converter] = {}


def _format_problem(exc: BaseException, tp: Any) -> str:
    # Our checks already say what was expected and what came (never the value itself, except a `type` literal).
    if isinstance(exc, InvalidValue):
        return str(exc)
    return cattrs.v.format_exception(exc, tp)


def _explain(data: Any, cls: Any, strict: bool, original: BaseException) -> ModelError:
    explainer = _explainers.get(strict)
    if explainer is None:
        explainer = _explainers[strict] = make_converter(strict=strict, detailed=True)
    name = _type_name(cls)
    try:
        explainer.structure(data, cls)
    except Exception as exc:
        problems = cattrs.transform_error(exc, path="$", format_exception=_format_problem)
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        return ModelError(f"cannot structure {name}: {shown}{more}")
    # The detailed twin accepted what the fast path refused: report the fast path's own error.
    return ModelError(f"cannot structure {name}: {_format_problem(original, None)} @ $")


def _type_name(tp: Any) -> str:
    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if args and origin is not None:
        inner = ", ".join(_type_name(a) for a in args)
        if origin in (Union, types.UnionType):
            return " | ".join(_type_name(a) for a in args)
        return f"{getattr(origin, '__name__', repr(origin))}[{inner}]"
    if tp is type(None):
        return "None"
    return getattr(tp, "__name__", None) or repr(tp)


@overload
def structure(data: Any, cls: type[T], *, strict: bool = False) -> T: ...
@overload
def structure(data: Any, cls: Any, *, strict: bool = False) -> Any: ...
def structure(data: Any, cls: Any, *, strict: bool = False) -> Any:
    """Structure decoded JSON into ``cls``; raise :class:`ModelError` naming the JSON path when it does not fit."""
    conv = STRICT_CONVERTER if strict else CONVERTER
    try:
        return conv.structure(data, cls)
    except Exception as exc:
        raise _explain(data, cls, strict, exc) from exc


@overload
def loads(body: bytes, cls: type[T], *, strict: bool = False) -> T: ...
@overload
def loads(body: bytes, cls: Any, *, strict: bool = False) -> Any: ...
def loads(body: bytes, cls: Any, *, strict: bool = False) -> Any:
    """Decode a response body with orjson and structure it into ``cls``.

    Bodies of :data:`GC_PAUSE_BYTES` and more are decoded and structured with the cyclic garbage collector paused, as
    the client does with every response: a 100-item page allocates tens of thousands of containers at once, and the
    collector would traverse them several times although decoded JSON and the models hold no cycles. It is switched
    back on right after, and only if it was on.
    """
    pause = len(body) >= GC_PAUSE_BYTES and gc.isenabled()
    if pause:
        gc.disable()
    try:
        try:
            data, arrays = decode_models(body, cls)
        except orjson.JSONDecodeError as exc:
            name = _type_name(cls)
            raise ModelError(f"cannot structure {name}: the body is not JSON ({exc})") from exc
        if arrays is None:
            return structure(data, cls, strict=strict)
        with arrays:
            return structure(data, cls, strict=strict)
    finally:
        if pause:
            gc.enable()


_SHARES: dict[Any, bool] = {}


def shares_arrays(cls: Any) -> bool:
    """Whether structuring into ``cls`` resolves every placeholder of :func:`._shared.decode_shared`: ``cls`` is a
    model, or a list, tuple, union or generic page of models. Not for ``Any`` or plain JSON containers, whose callers
    get the JSON itself."""
    try:
        known = _SHARES.get(cls)
    except TypeError:
        return False
    if known is None:
        known = _SHARES[cls] = _models_only(cls)
    return known


def _models_only(tp: Any) -> bool:
    if tp is type(None):
        return True
    if isinstance(tp, type) and attrs.has(tp):
        return True
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType, list, tuple) or (isinstance(origin, type) and attrs.has(origin)):
        return bool(args) and all(a is Ellipsis or _models_only(a) for a in args)
    return False


def decode_models(body: bytes, cls: Any) -> tuple[Any, SharedArrays | None]:
    """Decode a body that is to be structured into ``cls``: with its market arrays shared before decoding when
    ``cls`` is made of models (structure the document with the returned table active), otherwise plain
    ``orjson.loads`` and ``None``. Raises ``orjson.JSONDecodeError`` when the body is not JSON."""
    if shares_arrays(cls):
        return decode_shared(body)
    return orjson.loads(body), None


def unstructure(obj: Any) -> Any:
    """Turn a model back into JSON-ready Python data (canonical key names: ``items``, ``item``, ``restrictions``)."""
    return CONVERTER.unstructure(obj)
