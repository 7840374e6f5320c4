"""The one cattrs converter that turns Spotify JSON into the attrs models, and back.

Built once at import on ``cattrs.preconf.orjson.make_converter`` with ``detailed_validation=False`` (the fast path).
Two module-level instances: :data:`CONVERTER` ignores unknown keys (production: Spotify adds keys without notice) and
:data:`STRICT_CONVERTER` forbids them (fixture tests: drift must show). When structuring fails, :func:`structure`
re-runs the same data through a detailed-validation twin only to explain the failure, and raises
:class:`~spotify_async.errors.ModelError` naming the JSON path (``$.items[2].track.popularity``).

What is tuned here, and why:

* Hooks that hand JSON values through without a Python call per element: ``list[str]`` (``available_markets`` has
  up to 185 entries per track and album), ``list[str | None]``, ``list[float]`` (audio analysis), ``dict[str, Any]``.
  They check only the container class; orjson already produced the right scalars.
* The track-episode-chapter union dispatches on ``type`` with one dict lookup; anything unknown (or an episode in
  track shape, December 2024) becomes :class:`UnknownItem` holding the raw dict instead of failing the page.
* Renamed keys (playlist ``tracks``/``items``, entry ``track``/``item``, the singular ``restriction`` on episodes and
  chapters) are handled by picking one of two generated structuring functions (``make_dict_structure_fn`` with a
  rename override) by a single ``in`` test: no dict copies, and when both keys are present only the canonical one is
  structured. The strict converter accepts both keys.
* A simplified object that arrives in full (a show with ``episodes``, an audiobook with ``chapters``, a track with
  ``album``) becomes the full subclass, found by one ``in`` test.
* ``actions`` accepts both ``{"disallows": {...}}`` (what Spotify sends) and the spec's flat object.
* Recommendation seeds' camelCase keys are renamed both ways.
* A saved episode Spotify can no longer resolve (every field ``null``) becomes ``episode=None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

import attrs
import cattrs
import orjson
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.orjson import make_converter as _make_orjson_converter

from ..errors import ModelError
from .audio import Segment
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

# Lists of JSON scalars handed through as orjson built them (ints are valid floats for type checkers).
_PASSTHROUGH_LISTS = frozenset({list[str], list[str | None], list[float], list[int], list[bool]})

_SEED_RENAMES = {
    "initial_pool_size": "initialPoolSize",
    "after_filtering_size": "afterFilteringSize",
    "after_relinking_size": "afterRelinkingSize",
}


def _overrides(mapping: dict[str, Any]) -> dict[str, Any]:
    # cattrs types its **kwargs overrides loosely next to its keyword flags; a plain dict[str, Any] keeps mypy calm.
    return mapping


def _passthrough_list(value: Any, _: Any) -> Any:
    # orjson gives lists of exact scalars already; checking the container is enough.
    if value.__class__ is not list:
        raise TypeError(f"expected a JSON array, got {type(value).__name__}")
    return value


def _passthrough_dict(value: Any, _: Any) -> Any:
    if value.__class__ is not dict:
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _forbid_extra(data: dict[str, Any], allowed: frozenset[str], cls: type[Any]) -> None:
    extra = data.keys() - allowed
    if extra:
        raise ForbiddenExtraKeysError("", cls, set(extra))


def _make_alias_hook(
    conv: cattrs.Converter, cls: type[Any], attribute: str, old_key: str, strict: bool
) -> Callable[[Any, Any], Any]:
    detailed = conv.detailed_validation
    new_fn = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=False, _cattrs_detailed_validation=detailed)
    old_fn = make_dict_structure_fn(
        cls,
        conv,
        _cattrs_forbid_extra_keys=False,
        _cattrs_detailed_validation=detailed,
        **_overrides({attribute: override(rename=old_key)}),
    )
    allowed = frozenset({a.name for a in attrs.fields(cls)} | {old_key})

    if strict:

        def strict_hook(data: Any, _: Any) -> Any:
            if data.__class__ is not dict:
                raise TypeError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")
            _forbid_extra(data, allowed, cls)
            return new_fn(data, cls) if attribute in data else old_fn(data, cls)

        return strict_hook

    def hook(data: Any, _: Any) -> Any:
        # One `in` test picks the function; when both keys are present only the canonical one is structured.
        return new_fn(data, cls) if attribute in data else old_fn(data, cls)

    return hook


def _make_playable_hook(conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    track_fn = conv.get_structure_hook(Track)
    episode_fn = conv.get_structure_hook(Episode)
    chapter_fn = conv.get_structure_hook(Chapter)

    def structure_playable(data: Any, _: Any) -> Any:
        if data.__class__ is not dict:
            raise TypeError(f"expected a JSON object for a track, episode or chapter, got {type(data).__name__}")
        kind = data.get("type")
        if kind == "track":
            return track_fn(data, Track)
        if kind == "episode":
            # Spotify has served episodes in track shape (album, artists, `track: true`), and husks of episodes it
            # can no longer resolve (everything null): neither is an Episode.
            if "album" in data or _is_husk(data):
                return UnknownItem(raw=data)
            return episode_fn(data, Episode)
        if kind == "chapter":
            return chapter_fn(data, Chapter)
        return UnknownItem(raw=data)

    return structure_playable


def _make_optional(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def structure_optional(data: Any, cls: Any) -> Any:
        return None if data is None else fn(data, cls)

    return structure_optional


def _make_disallows_hook(conv: cattrs.Converter, strict: bool) -> Callable[[Any, Any], Any]:
    inner = make_dict_structure_fn(Disallows, conv, _cattrs_detailed_validation=conv.detailed_validation)

    def structure_disallows(data: Any, _: Any) -> Any:
        if data.__class__ is dict and "disallows" in data:
            # Spotify's real shape is {"disallows": {...}}; the spec (and old recordings) have the flat object.
            if strict and len(data) != 1:
                _forbid_extra(data, frozenset({"disallows"}), Disallows)
            data = data["disallows"]
        return inner(data, Disallows)

    return structure_disallows


def _is_husk(data: dict[str, Any]) -> bool:
    # What Spotify sends for an item it can no longer resolve: every field null, id and name included.
    return data.get("id") is None and data.get("name") is None


def _make_saved_episode_hook(conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    episode_fn = conv.get_structure_hook(Episode)

    def structure_episode(data: Any, _: Any) -> Any:
        if data is None or (data.__class__ is dict and _is_husk(data)):
            return None
        return episode_fn(data, Episode)

    return make_dict_structure_fn(
        SavedEpisode,
        conv,
        _cattrs_detailed_validation=conv.detailed_validation,
        episode=override(struct_hook=structure_episode),
    )


def _make_upgrade_hook(
    conv: cattrs.Converter, base: type[Any], full: type[Any], key: str, strict: bool
) -> Callable[[Any, Any], Any]:
    """Structure ``base`` as its subclass ``full`` when the body carries ``full``'s extra ``key`` with a real value.

    Spotify sometimes embeds the full object where the spec promises the simplified one (a show with its episodes in
    ``GET /shows?ids=``, an audiobook with chapters inside a chapter, a track with its album). The attribute stays
    typed as ``base``; the subclass keeps the extra data instead of failing strict mode or dropping it. A placeholder
    (``null``, or a page whose ``href`` is ``null``, as in a 2023 chapter's audiobook) is ignored, even by the strict
    converter.
    """
    base_fn = make_dict_structure_fn(
        base, conv, _cattrs_forbid_extra_keys=False, _cattrs_detailed_validation=conv.detailed_validation
    )
    full_fn = conv.get_structure_hook(full)
    allowed = frozenset({a.name for a in attrs.fields(base)} | {key})

    def structure_upgrading(data: Any, _: Any) -> Any:
        if data.__class__ is not dict:
            raise TypeError(f"expected a JSON object for {base.__name__}, got {type(data).__name__}")
        value = data.get(key)
        if value.__class__ is dict and value.get("href", "") is not None:
            return full_fn(data, full)
        if strict:
            _forbid_extra(data, allowed, base)
        return base_fn(data, base)

    return structure_upgrading


def _make_polymorphic_unstructure(conv: cattrs.Converter, base: type[Any], full: type[Any]) -> Callable[[Any], Any]:
    # A `base`-typed attribute may hold a `full` instance (see _make_upgrade_hook): unstructure by runtime class.
    base_fn = make_dict_unstructure_fn(base, conv)
    full_fn = conv.get_unstructure_hook(full)

    def unstructure_polymorphic(obj: Any) -> Any:
        return full_fn(obj) if obj.__class__ is full else base_fn(obj)

    return unstructure_polymorphic


def _is_exactly(cls: type[Any]) -> Callable[[Any], bool]:
    return lambda t: t is cls


def _register_exact(conv: cattrs.Converter, cls: type[Any], hook: Callable[[Any, Any], Any]) -> None:
    # `register_structure_hook(cls, ...)` goes through singledispatch and would also catch every subclass (Track is a
    # SimplifiedTrack, Show a SimplifiedShow...); a predicate on identity keeps each hook to its own class.
    conv.register_structure_hook_func(_is_exactly(cls), hook)


def _configure(conv: cattrs.Converter, *, strict: bool) -> None:
    conv.register_structure_hook_func(lambda t: t in _PASSTHROUGH_LISTS, _passthrough_list)
    conv.register_structure_hook_func(lambda t: t == dict[str, Any], _passthrough_dict)

    _register_exact(conv, UnknownItem, lambda data, _: UnknownItem(raw=_passthrough_dict(data, None)))
    conv.register_unstructure_hook_func(_is_exactly(UnknownItem), lambda item: item.raw)

    for cls, (attribute, old_key) in _ALIASES.items():
        _register_exact(conv, cls, _make_alias_hook(conv, cls, attribute, old_key, strict))

    _register_exact(conv, Disallows, _make_disallows_hook(conv, strict))

    seed_overrides = _overrides({name: override(rename=key) for name, key in _SEED_RENAMES.items()})
    _register_exact(
        conv,
        RecommendationSeed,
        make_dict_structure_fn(
            RecommendationSeed, conv, _cattrs_detailed_validation=conv.detailed_validation, **seed_overrides
        ),
    )
    conv.register_unstructure_hook_func(
        _is_exactly(RecommendationSeed), make_dict_unstructure_fn(RecommendationSeed, conv, **seed_overrides)
    )

    playable = _make_playable_hook(conv)
    conv.register_structure_hook(PlayableItem, playable)
    conv.register_structure_hook(PlayableItem | None, _make_optional(playable))

    for base, full, key in _UPGRADES:
        _register_exact(conv, base, _make_upgrade_hook(conv, base, full, key, strict))
        conv.register_unstructure_hook_func(_is_exactly(base), _make_polymorphic_unstructure(conv, base, full))

    _register_exact(conv, SavedEpisode, _make_saved_episode_hook(conv))
    # Segment is the most numerous object of an audio analysis; generate its function eagerly with the hooks above.
    conv.get_structure_hook(Segment)


def make_converter(*, strict: bool = False, detailed: bool = False) -> cattrs.Converter:
    """Build a converter for the models.

    ``strict`` forbids keys the models do not know (for tests); ``detailed`` collects every error with its path (slow,
    used only to explain a failure).
    """
    conv = _make_orjson_converter(detailed_validation=detailed, forbid_extra_keys=strict)
    _configure(conv, strict=strict)
    return conv


CONVERTER = make_converter()
STRICT_CONVERTER = make_converter(strict=True)
# Built lazily: only needed to explain a failure.
_explainers: dict[bool, cattrs.Converter] = {}


def _explain(data: Any, cls: Any, strict: bool, original: BaseException) -> ModelError:
    explainer = _explainers.get(strict)
    if explainer is None:
        explainer = _explainers[strict] = make_converter(strict=strict, detailed=True)
    name = getattr(cls, "__name__", None) or repr(cls)
    try:
        explainer.structure(data, cls)
    except (ClassValidationError, IterableValidationError) as exc:
        problems = cattrs.transform_error(exc, path="$")
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        return ModelError(f"cannot structure {name}: {shown}{more}")
    except Exception as exc:  # the detailed run failed outside cattrs' error tree
        return ModelError(f"cannot structure {name} @ $: {type(exc).__name__}: {exc}")
    return ModelError(f"cannot structure {name} @ $: {type(original).__name__}: {original}")


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
    """Decode a response body with orjson and structure it into ``cls``."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        name = getattr(cls, "__name__", None) or repr(cls)
        raise ModelError(f"cannot structure {name}: the body is not JSON ({exc})") from exc
    return structure(data, cls, strict=strict)


def unstructure(obj: Any) -> Any:
    """Turn a model back into JSON-ready Python data (canonical key names: ``items``, ``item``, ``restrictions``)."""
    return CONVERTER.unstructure(obj)
