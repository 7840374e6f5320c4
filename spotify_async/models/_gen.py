"""Code generation of the structuring functions for the attrs models (a cattrs hook factory).

Why not ``cattrs.gen.make_dict_structure_fn``: for these models its functions spend most of their time in calls per
field (``_structure_optional`` then the scalar hook for every ``str | None``, a ``res`` dict and ``**res`` for every
optional field). Spotify objects are mostly optional scalars, so this generator emits, per class, one function that
reads each key inline:

* JSON scalars and lists of scalars (``str``, ``int | None``, ``list[str]``...) are handed through as orjson built them
  by the lenient converter (``o.get('popularity')``), and type-checked by the strict one (tests see drift);
* nested models call their hook once (``None if (v := g('album')) is None else h(v, T)``), except leaf-like models
  (``ExternalUrls``, ``Image``, ``SimplifiedArtist``, ``SimplifiedAlbum``...), which the lenient fast path builds
  inline in the parent's function, lists of them in a plain loop;
* the fast path makes instances with ``object.__new__`` and attribute stores, which is what attrs' ``__init__`` does
  for these models, at less than half the cost of a keyword call (checked per class, see ``_can_bypass_init``);
* values that repeat across objects are handed over shared (:mod:`._shared`): ``tuple[str, ...]`` fields (the market
  lists) as one tuple per distinct list, words of enumeration-like fields (``type``, ``album_type``...) as one string
  per known word, checked first by the strict converter like any other value;
* the lenient fast path leaves ``uri``, ``href`` and ``external_urls`` unset when they are exactly what the object's
  ``type`` and ``id`` give (``spotify:artist:<id>``...); the class's ``__getattr__`` rebuilds them on first read (see
  ``_derived_stmts`` and :func:`._shared.derived_attribute`). The strict and detailed paths store them, and the
  differential test checks that every fixture gives equal objects both ways;
* ``Literal`` fields (the ``type`` discriminators) are always checked;
* absent keys take the attrs default; the lenient converter also reads ``null`` as the default for fields whose
  default is not ``None`` (``"copyrights": null`` becomes ``[]``), the strict one rejects it.

With ``detailed=True`` each field is evaluated in its own ``try`` and failures are collected with cattrs' validation
notes, so :func:`cattrs.transform_error` can name the JSON path (``$.items[2].track.popularity``). That mode only runs
to explain a failure.

The generated functions are plain Python kept in ``linecache`` so tracebacks show their source.
"""

from __future__ import annotations

import linecache
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, TypeVar, Union

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)

from ._shared import DERIVED_FIELDS, DERIVED_PREFIXES, WORDS, install_derived, share_strings, share_word
from .common import ExternalUrls

__all__ = [
    "InvalidValue",
    "gen_structure_fn",
    "is_model",
    "is_model_list",
    "is_scalar_list",
    "list_hook_factory",
    "make_checker",
    "model_hook_factory",
    "strict_scalar_list_hook",
]

StructureHook = Callable[[Any, Any], Any]

_SCALARS: dict[Any, tuple[type, ...]] = {
    str: (str,),
    int: (int,),
    bool: (bool,),
    # JSON has one number type: an int is a valid float (for type checkers too).
    float: (int, float),
}
_NONE = type(None)


class InvalidValue(ValueError):
    """A JSON value of the wrong kind (strict checks, ``Literal`` fields); the message names what was expected."""


def is_model(tp: Any) -> bool:
    """An attrs class, or a parametrised generic attrs class such as ``Page[Track]``."""
    origin = typing.get_origin(tp) or tp
    return isinstance(origin, type) and attrs.has(origin)


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return typing.get_args(tp)
    return None


def _strip_none(tp: Any) -> tuple[Any, bool]:
    """(the type without ``None``, whether ``None`` was allowed)."""
    args = _union_args(tp)
    if args is None or _NONE not in args:
        return tp, False
    rest = tuple(a for a in args if a is not _NONE)
    if len(rest) == 1:
        return rest[0], True
    return Union[rest], True  # noqa: UP007  (built at runtime from a tuple)


def _scalar_classes(tp: Any) -> tuple[type, ...] | None:
    """The accepted runtime classes when ``tp`` is a JSON scalar (or a union of them), else ``None``."""
    if tp is Any:
        return ()
    if tp in _SCALARS:
        return _SCALARS[tp]
    args = _union_args(tp)
    if args is not None:
        classes: list[type] = []
        for arg in args:
            if arg is _NONE:
                classes.append(_NONE)
                continue
            inner = _SCALARS.get(arg)
            if inner is None:
                return None
            classes.extend(inner)
        return tuple(classes)
    return None


def _passthrough_classes(tp: Any) -> tuple[str, tuple[type, ...]] | None:
    """How to hand ``tp`` through: ("scalar", classes), ("list", element classes) or ("dict", ()), each kind
    prefixed with "?" when ``None`` is also allowed; ``None`` when ``tp`` needs a hook."""
    scalar = _scalar_classes(tp)
    if scalar is not None:
        return "scalar", scalar
    inner, nullable = _strip_none(tp)
    prefix = "?" if nullable else ""
    origin = typing.get_origin(inner)
    if origin is list:
        (element,) = typing.get_args(inner) or (Any,)
        classes = _scalar_classes(element)
        if classes is not None:
            return prefix + "list", classes
    if origin is tuple:
        args = typing.get_args(inner)
        if len(args) == 2 and args[1] is Ellipsis:
            classes = _scalar_classes(args[0])
            if classes is not None:
                # Read from a JSON array, held as one shared tuple per distinct list (see ._shared).
                return prefix + "tuple", classes
    if origin is dict and typing.get_args(inner) == (str, Any):
        return prefix + "dict", ()
    return None


def _describe(classes: tuple[type, ...]) -> str:
    names = [("null" if c is _NONE else c.__name__) for c in classes]
    return " or ".join(dict.fromkeys(names))


def make_checker(kind: str, classes: tuple[type, ...]) -> Callable[[Any], Any]:
    """A strict-mode validator that returns its argument unchanged or raises :class:`InvalidValue`."""
    exact = frozenset(classes)
    wanted = _describe(classes)

    def _bad(value: Any) -> InvalidValue:
        return InvalidValue(f"expected {wanted}, got {_json_kind(value)}")

    if kind.startswith("?"):
        check_present = make_checker(kind[1:], classes)

        def check_nullable(value: Any) -> Any:
            return None if value is None else check_present(value)

        return check_nullable

    if kind == "scalar":
        if not classes:
            return _identity

        def check_scalar(value: Any) -> Any:
            if value.__class__ not in exact:
                raise _bad(value)
            return value

        return check_scalar

    if kind == "tuple":
        check_elements = make_checker("list", classes)

        def check_shared(value: Any) -> Any:
            return share_strings(check_elements(value))

        return check_shared

    if kind == "list":

        def check_list(value: Any) -> Any:
            if value.__class__ is not list:
                raise InvalidValue(f"expected a list, got {_json_kind(value)}")
            if classes:
                for index, element in enumerate(value):
                    if element.__class__ not in exact:
                        raise InvalidValue(f"expected a list of {wanted}, got {_json_kind(element)} at [{index}]")
            return value

        return check_list

    def check_dict(value: Any) -> Any:
        if value.__class__ is not dict:
            raise InvalidValue(f"expected an object, got {_json_kind(value)}")
        return value

    return check_dict


def _identity(value: Any) -> Any:
    return value


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        value.__class__, type(value).__name__
    )


def _resolve_fields(tp: Any) -> tuple[type[Any], list[tuple[attrs.Attribute[Any], Any]]]:
    """The attrs class and its fields with TypeVars substituted (``Page[Track]``: ``items`` is ``list[Track]``)."""
    origin = typing.get_origin(tp) or tp
    mapping: dict[Any, Any] = {}
    if origin is not tp:
        mapping = dict(zip(getattr(origin, "__parameters__", ()), typing.get_args(tp), strict=False))
    return origin, [(a, _substitute(a.type, mapping)) for a in attrs.fields(origin)]


def _substitute(tp: Any, mapping: dict[Any, Any]) -> Any:
    if not mapping:
        return tp
    if isinstance(tp, TypeVar):
        return mapping.get(tp, Any)
    args = typing.get_args(tp)
    if not args:
        return tp
    new_args = tuple(_substitute(a, mapping) for a in args)
    if _union_args(tp) is not None:
        return Union[new_args]  # noqa: UP007  (built at runtime from a tuple)
    origin = typing.get_origin(tp)
    if origin is Literal:
        return tp
    return origin[new_args] if len(new_args) > 1 else origin[new_args[0]]


_counter = 0


@attrs.define(slots=True, frozen=True)
class _Inline:
    """How to build a small model inline in its parent's generated code (lenient fast path only).

    Leaf-like models (``ExternalUrls``, ``Image``, ``SimplifiedArtist``...) are constructed directly inside the
    parent's function instead of through a hook call: one Python call fewer per object, and lists of them become one
    comprehension. ``fields``: (attribute, JSON key, default source or None when required, nested _Inline or None,
    nested element is a list, the function sharing a JSON value or None).
    """

    cls: type[Any]
    fields: tuple[_InlineField, ...]
    #: the attributes left unset when derivable from ``type`` and ``id`` (see ``_derived_stmts``), and that type
    derived: tuple[str, ...] = ()
    derived_type: str = ""


_InlineField = tuple[str, str, "str | None", "_Inline | None", bool, "Callable[[Any], Any] | None"]


class _Namer:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"


def _can_bypass_init(cls: type[Any]) -> bool:
    """Whether an instance may be made with ``object.__new__`` and plain attribute stores.

    attrs' ``__init__`` does exactly that for our models (no validators, converters, hooks, or frozen setattr), but a
    keyword call costs twice as much as the stores themselves; this keeps the shortcut honest if a model ever grows
    one of those.
    """
    return (
        getattr(cls, "__setattr__", None) is object.__setattr__
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and all(a.init and a.validator is None and a.converter is None for a in attrs.fields(cls))
    )


def _indent(lines: list[str], by: int = 4) -> list[str]:
    return [" " * by + line for line in lines]


def _inline_stmts(meta: _Inline, src: str, out: str, env: dict[str, Any], namer: _Namer) -> list[str]:
    """Statements building ``meta.cls`` from the dict in variable ``src`` into variable ``out``."""
    cls_name = namer("__L")
    env[cls_name] = meta.cls
    lines = [f"{out} = __new({cls_name})"]
    for an, key, default_src, nested, is_list, share in meta.fields:
        if an in meta.derived:
            if an == meta.derived[0]:
                # id and type come first (checked by _derivable): read them back from the new object.
                sources = {name: f"{src}.get({key!r})" for name, key, *_ in meta.fields if name in meta.derived}
                nested_of = {name: nest for name, _, _, nest, _, _ in meta.fields if name in meta.derived}
                lines.extend(
                    _derived_stmts(out, f"{out}.id", f"{out}.type", meta.derived_type, sources, nested_of, env, namer)
                )
            continue
        if nested is None:
            wrap = _share_source(share, namer("__S"), env)
            if default_src is None or default_src == "None":
                read = f"{src}[{key!r}]" if default_src is None else f"{src}.get({key!r})"
                if share is None:
                    lines.append(f"{out}.{an} = {read}")
                else:
                    tmp = namer("t")
                    lines.append(f"{tmp} = {read}")
                    lines.append(f"{out}.{an} = " + wrap.format(tmp))
            else:
                tmp = namer("t")
                read = f"({tmp} := {src}.get({key!r})) is None"
                if share is share_word and default_src.startswith("'"):
                    # The usual word is the default: hand over the constant after one comparison.
                    read += f" or {tmp} == {default_src}"
                lines.append(f"{out}.{an} = {default_src} if {read} else " + wrap.format(tmp))
            continue
        raw = namer("t")
        built = namer("b")
        if default_src is None:
            lines.append(f"{raw} = {src}[{key!r}]")
            lines.extend(_nested_stmts(nested, is_list, raw, built, env, namer))
            lines.append(f"{out}.{an} = {built}")
            continue
        fallback = "None" if default_src == "None" else default_src
        lines.append(f"if ({raw} := {src}.get({key!r})) is None:")
        lines.append(f"    {out}.{an} = {fallback}")
        lines.append("else:")
        lines.extend(_indent(_nested_stmts(nested, is_list, raw, built, env, namer)))
        lines.append(f"    {out}.{an} = {built}")
    return lines


def _derived_stmts(
    out: str,
    id_src: str,
    type_src: str,
    kind: str,
    sources: dict[str, str],
    nested: dict[str, _Inline | None],
    env: dict[str, Any],
    namer: _Namer,
) -> list[str]:
    """Store ``uri``, ``href`` and ``external_urls`` on ``out`` only when they differ from what ``type`` and ``id``
    give (:func:`._shared.derived_attribute` rebuilds them on first read).

    ``kind`` is the class's own type (``"artist"``): its prefixes are constants in the generated code. ``sources``
    holds the expression reading each raw JSON value, evaluated once; ``nested`` the _Inline building an
    ``ExternalUrls``. Anything unusual (no string id, another type, another URL) is stored as it came.
    """
    prefixes = DERIVED_PREFIXES[kind]
    ident = namer("i")
    raws = {name: namer("v") for name in sources}
    lines = [f"{raws[name]} = {source}" for name, source in sources.items()]
    lines.append(f"{ident} = {id_src}")
    lines.append(f"if {ident}.__class__ is str and {type_src} == {kind!r}:")
    derived: list[str] = []
    plain: list[str] = []
    for name, raw in raws.items():
        prefix = prefixes[DERIVED_FIELDS[name]]
        meta = nested.get(name)
        if meta is None:
            derived.append(f"if {raw} != {prefix!r} + {ident}:")
            derived.append(f"    {out}.{name} = {raw}")
            plain.append(f"{out}.{name} = {raw}")
            continue
        built = namer("b")
        build = [
            f"if {raw} is None:",
            f"    {out}.{name} = None",
            "else:",
            *_indent(_inline_stmts(meta, raw, built, env, namer)),
            f"    {out}.{name} = {built}",
        ]
        derived.append(f"if {raw} is None or {raw}.get('spotify') != {prefix!r} + {ident}:")
        derived.extend(_indent(build))
        plain.extend(build)
    lines.extend(_indent(derived))
    lines.append("else:")
    lines.extend(_indent(plain))
    return lines


def _derivable(
    cls: type[Any],
    fields: list[tuple[attrs.Attribute[Any], Any]],
    renames: dict[str, str],
    field_hooks: dict[str, StructureHook],
    conv: cattrs.Converter,
) -> tuple[tuple[str, ...], str]:
    """The attributes of ``cls`` the lenient fast path may leave unset because ``type`` and ``id`` give them, and
    the type they are derived for (the class's own: its ``type`` default).

    Only ``uri``/``href`` typed ``str | None`` and ``external_urls`` typed ``ExternalUrls | None``, after ``id``
    and ``type`` in field order, none renamed or hooked, in a class made without ``__init__``.
    """
    none: tuple[tuple[str, ...], str] = ((), "")
    if not _can_bypass_init(cls):
        return none
    types_by_name = {a.name: t for a, t in fields if a.init}
    order = [a.name for a, _ in fields if a.init]
    defaults = {a.name: a.default for a, _ in fields}
    if "id" not in types_by_name or "type" not in types_by_name:
        return none
    if _scalar_classes(types_by_name["id"]) not in ((str,), (str, _NONE)):
        return none
    kind = defaults["type"]
    if kind not in DERIVED_PREFIXES or "type" in renames or "id" in renames or {"id", "type"} & set(field_hooks):
        return none
    last = max(order.index("id"), order.index("type"))
    chosen: list[str] = []
    for name in DERIVED_FIELDS:
        if name not in types_by_name or name in renames or name in field_hooks or order.index(name) < last:
            continue
        if defaults[name] is not None:
            continue
        tp = types_by_name[name]
        if name == "external_urls":
            inner, nullable = _strip_none(tp)
            handler = conv.get_structure_hook(inner) if nullable else None
            meta = getattr(handler, "_spotify_inline", None)
            if not (inner is ExternalUrls and meta is not None):
                continue
        elif _scalar_classes(tp) != (str, _NONE):
            continue
        chosen.append(name)
    if not chosen or not install_derived(cls, kind):
        return none
    return tuple(chosen), kind


def _nested_stmts(meta: _Inline, is_list: bool, src: str, out: str, env: dict[str, Any], namer: _Namer) -> list[str]:
    if not is_list:
        return _inline_stmts(meta, src, out, env, namer)
    element = namer("e")
    item = namer("x")
    return [
        f"{out} = []",
        f"for {element} in {src}:",
        *_indent(_inline_stmts(meta, element, item, env, namer)),
        f"    {out}.append({item})",
    ]


#: string fields holding one of a few words (``"track"``, ``"single"``, ``"day"``): one shared string per word
_WORD_FIELDS = frozenset({"type", "album_type", "album_group", "release_date_precision", "reason"})


def _share_source(share: Callable[[Any], Any] | None, name: str, env: dict[str, Any]) -> str:
    """A format string applying ``share`` to the expression put in ``{}`` (the words table is read inline)."""
    if share is None:
        return "{}"
    if share is share_word:
        env["__words"] = WORDS
        return "(__words.get({0}, {0}) if {0}.__class__ is str else {0})"
    env[name] = share
    return name + "({})"


def _sharing_function(name: str, kind: str, classes: tuple[type, ...]) -> Callable[[Any], Any] | None:
    """What hands a JSON value over shared (see :mod:`._shared`): string tuples, and words in known fields."""
    if kind.endswith("tuple"):
        return share_strings
    if kind == "scalar" and name in _WORD_FIELDS and str in classes:
        return share_word
    return None


def _default_source(attribute: attrs.Attribute[Any], env: dict[str, Any]) -> str | None:
    """The default as source text (constants inline, anything else through ``env``); ``None`` when required."""
    default = attribute.default
    if default is attrs.NOTHING:
        return None
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        factory: Any = getattr(default, "factory", None)
        if factory is list:
            return "[]"
        env[f"__factory_{attribute.name}"] = factory
        return f"__factory_{attribute.name}()"
    if default is None or isinstance(default, (bool, int, float, str)):
        return repr(default)
    env[f"__default_{attribute.name}"] = default
    return f"__default_{attribute.name}"


def gen_structure_fn(
    tp: Any,
    conv: cattrs.Converter,
    *,
    strict: bool,
    detailed: bool,
    renames: dict[str, str] | None = None,
    field_hooks: dict[str, StructureHook] | None = None,
    extra_allowed: frozenset[str] = frozenset(),
) -> StructureHook:
    """Generate the structuring function of attrs class ``tp`` (possibly a parametrised generic).

    ``renames`` maps attribute -> JSON key; ``field_hooks`` replaces the hook of an attribute (it receives the raw
    value, ``None`` included, but never a missing key); ``extra_allowed`` are further keys the strict check accepts
    and ignores.
    """
    global _counter
    renames = renames or {}
    field_hooks = field_hooks or {}
    fast = not strict and not detailed
    cls, fields = _resolve_fields(tp)
    name = cls.__name__
    env: dict[str, Any] = {
        "__cl": cls,
        "__InvalidValue": InvalidValue,
        "__CVE": ClassValidationError,
        "__FEKE": ForbiddenExtraKeysError,
        "__json_kind": _json_kind,
        "__missing": _MISSING,
        "__new": object.__new__,
    }
    namer = _Namer()
    # Each entry: (attribute name, JSON key, statements computing `f_<attr>`, python type for the error note).
    per_field: list[tuple[str, str, list[str], Any]] = []
    allowed = set(extra_allowed)
    inline_fields: list[_InlineField] | None = [] if fast else None
    derived, derived_type = _derivable(cls, fields, renames, field_hooks, conv) if fast else ((), "")

    for attribute, field_type in fields:
        if not attribute.init:
            continue
        an = attribute.name
        key = renames.get(an, an)
        allowed.add(key)
        default_src = _default_source(attribute, env)
        required = default_src is None
        default_is_none = default_src == "None"
        stmts: list[str] = []
        var = f"f_{an}"
        get = f"o[{key!r}]" if required else f"g({key!r})"

        hook = field_hooks.get(an)
        inner, nullable = _strip_none(field_type)
        passthrough = _passthrough_classes(field_type)
        literal_values = typing.get_args(inner) if typing.get_origin(inner) is Literal else None
        inline_entry: _InlineField | None = None

        if hook is not None:
            env[f"__h_{an}"] = hook
            env[f"__t_{an}"] = field_type
            if required:
                stmts.append(f"{var} = __h_{an}(o[{key!r}], __t_{an})")
            else:
                stmts.append(
                    f"{var} = {default_src} if ({var} := g({key!r}, __missing)) is __missing "
                    f"else __h_{an}({var}, __t_{an})"
                )
        elif literal_values is not None:
            # The dict maps each allowed value to itself: the check also hands over one shared string per value.
            env[f"__lit_{an}"] = {v: v for v in literal_values}
            expected = " or ".join(repr(v) for v in literal_values)
            source = get if required else f"g({key!r}, {default_src})"
            stmts.append(f"{var} = {source}")
            null_ok = f"{var} is not None and " if nullable else ""
            stmts.append(f"if {null_ok}(l_{an} := __lit_{an}.get({var}, __missing)) is __missing:")
            stmts.append(
                f"    raise __InvalidValue('expected ' + {expected!r} + ', got ' + "
                f"(repr({var}) if {var}.__class__ is str else __json_kind({var})))"
            )
            if nullable:
                stmts.append(f"if {var} is not None:")
                stmts.append(f"    {var} = l_{an}")
            else:
                stmts.append(f"{var} = l_{an}")
        elif passthrough is not None:
            kind, classes = passthrough
            share = _sharing_function(an, kind, classes)
            check = strict and (kind != "scalar" or bool(classes))
            wrap = _share_source(share, f"__share_{an}", env)
            pending = share  # applied in a statement of its own unless an expression below already does
            if check:
                # The strict checkers of tuple fields share the value themselves, after checking every element.
                env[f"__chk_{an}"] = make_checker(kind, classes)
                if kind.endswith("tuple"):
                    pending = None
                source = get if required else f"g({key!r}, {default_src})"
                stmts.append(f"{var} = __chk_{an}({source})")
            elif required or default_is_none:
                stmts.append(f"{var} = {get}")
            elif strict:
                stmts.append(f"{var} = g({key!r}, {default_src})")
            else:
                # Lenient: a null where the model has a non-None default reads as the default (and a word equal to
                # its default, as the constant).
                read = f"({var} := g({key!r})) is None"
                if share is share_word and default_src is not None and default_src.startswith("'"):
                    read += f" or {var} == {default_src}"
                stmts.append(f"{var} = {default_src} if {read} else " + wrap.format(var))
                pending = None
            if pending is not None:
                stmts.append(f"{var} = " + wrap.format(var))
            inline_entry = (an, key, default_src, None, False, share)
        else:
            target = inner if nullable else field_type
            handler = conv.get_structure_hook(target)
            build = f"__h_{an}({var}, __t_{an})"
            env[f"__h_{an}"] = handler
            env[f"__t_{an}"] = target
            # Fast path: leaf models built inline, lists of models in a loop (no hook call per list).
            inline_build: list[str] | None = None
            if fast:
                meta = getattr(handler, "_spotify_inline", None)
                raw = f"r_{an}"
                if meta is not None:
                    inline_build = _inline_stmts(meta, raw, var, env, namer)
                    inline_entry = (an, key, default_src, meta, False, None)
                elif typing.get_origin(target) is list:
                    (element_type,) = typing.get_args(target)
                    element_inner, element_nullable = _strip_none(element_type)
                    element_handler = conv.get_structure_hook(element_inner)
                    element_meta = getattr(element_handler, "_spotify_inline", None)
                    if element_meta is not None and not element_nullable:
                        inline_build = _nested_stmts(element_meta, True, raw, var, env, namer)
                        inline_entry = (an, key, default_src, element_meta, True, None)
                    else:
                        env[f"__eh_{an}"] = element_handler
                        env[f"__et_{an}"] = element_inner
                        element = namer("e")
                        one = f"__eh_{an}({element}, __et_{an})"
                        if element_nullable:
                            one = f"None if {element} is None else {one}"
                        inline_build = [f"{var} = [{one} for {element} in {raw}]"]
            if inline_build is not None:
                raw = f"r_{an}"
                if required and not nullable:
                    stmts.append(f"{raw} = {get}")
                    stmts.extend(inline_build)
                else:
                    fallback = "None" if nullable else default_src
                    stmts.append(f"if ({raw} := {get}) is None:")
                    stmts.append(f"    {var} = {fallback}")
                    stmts.append("else:")
                    stmts.extend(_indent(inline_build))
            elif required and not nullable:
                stmts.append(f"{var} = {get}")
                stmts.append(f"{var} = {build}")
            elif nullable and (required or default_is_none):
                stmts.append(f"{var} = None if ({var} := {get}) is None else {build}")
            elif nullable:
                stmts.append(
                    f"{var} = {default_src} if ({var} := g({key!r}, __missing)) is __missing "
                    f"else (None if {var} is None else {build})"
                )
            elif strict:
                # Absent: the default; null: the hook rejects it (drift must show).
                stmts.append(f"{var} = {default_src} if ({var} := g({key!r}, __missing)) is __missing else {build}")
            else:
                # Lenient: absent or null both read as the default.
                stmts.append(f"{var} = {default_src} if ({var} := g({key!r})) is None else {build}")
        per_field.append((an, key, stmts, field_type))
        if inline_fields is not None:
            if inline_entry is None:
                inline_fields = None
            else:
                inline_fields.append(inline_entry)

    env["__allowed"] = frozenset(allowed)
    lines = [f"def structure_{name}(o, _=None):"]
    if strict or detailed:
        lines.append("  if o.__class__ is not dict:")
        lines.append(f"    raise __InvalidValue('expected an object for {name}, got ' + __json_kind(o))")
    if strict:
        lines.append("  if not __allowed.issuperset(o):")
        lines.append("    raise __FEKE('', __cl, set(o.keys() - __allowed))")
    lines.append("  g = o.get")
    if detailed:
        lines.append("  errors = []")
        for an, key, stmts, field_type in per_field:
            env[f"__note_{an}"] = AttributeValidationNote(f"Structuring class {name} @ attribute {an}", key, field_type)
            lines.append("  try:")
            lines.extend(f"    {s}" for s in stmts)
            lines.append("  except Exception as e:")
            lines.append(f"    e.__notes__ = [*getattr(e, '__notes__', []), __note_{an}]")
            lines.append("    errors.append(e)")
        lines.append("  if errors:")
        lines.append(f"    raise __CVE('While structuring ' + {name!r}, errors, __cl)")
    else:
        for an, _, stmts, _ in per_field:
            if an not in derived:
                lines.extend(f"  {s}" for s in stmts)
    if fast and _can_bypass_init(cls):
        env["__new"] = object.__new__
        lines.append("  r = __new(__cl)")
        lines.extend(f"  r.{an} = f_{an}" for an, _, _, _ in per_field if an not in derived)
        if derived:
            sources = {an: f"g({key!r})" for an, key, _, _ in per_field if an in derived}
            external = conv.get_structure_hook(ExternalUrls)
            nested = {"external_urls": getattr(external, "_spotify_inline", None)}
            lines.extend(
                f"  {s}" for s in _derived_stmts("r", "f_id", "f_type", derived_type, sources, nested, env, namer)
            )
        lines.append("  return r")
    else:
        args = ", ".join(f"{an}=f_{an}" for an, _, _, _ in per_field)
        lines.append(f"  return __cl({args})")

    _counter += 1
    filename = f"<spotify_async structure {name} #{_counter}>"
    source = "\n".join(lines) + "\n"
    linecache.cache[filename] = (len(source), None, [line + "\n" for line in lines], filename)
    exec(compile(source, filename, "exec"), env)  # our own generated code, no outside input
    fn: StructureHook = env[f"structure_{name}"]
    if inline_fields is not None and not renames and cls is tp and _can_bypass_init(cls):
        fn._spotify_inline = _Inline(cls, tuple(inline_fields), derived, derived_type)  # type: ignore[attr-defined]
    return fn


class _Missing:
    """Marker for an absent key (``None`` is a legitimate JSON value)."""

    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def model_hook_factory(*, strict: bool, detailed: bool) -> Callable[[Any, cattrs.Converter], StructureHook]:
    """The cattrs hook factory for every attrs model without a hand-registered hook."""

    def factory(tp: Any, conv: cattrs.Converter) -> StructureHook:
        return gen_structure_fn(tp, conv, strict=strict, detailed=detailed)

    return factory


def is_model_list(tp: Any) -> bool:
    """``list[X]`` whose elements need a hook (scalar lists are handed through elsewhere)."""
    return typing.get_origin(tp) is list and _passthrough_classes(tp) is None


def is_scalar_list(tp: Any) -> bool:
    """``list[X]`` of JSON scalars."""
    return typing.get_origin(tp) is list and _passthrough_classes(tp) is not None


def strict_scalar_list_hook(tp: Any) -> StructureHook:
    """The strict converter's hook for a top-level ``list[str]`` (and other scalar lists): checks every element."""
    (element,) = typing.get_args(tp) or (Any,)
    check = make_checker("list", _scalar_classes(element) or ())
    return lambda value, _: check(value)


def list_hook_factory(*, detailed: bool) -> Callable[[Any, cattrs.Converter], StructureHook]:
    """Lists of models: one comprehension, or an error-collecting loop when ``detailed``.

    Every list of objects keeps ``null`` entries at their positions, whatever its element type says: Spotify answers
    ``null`` for an item it cannot resolve (saved audiobooks, playlist entries, ``"images": [null]`` on old
    playlists), and failing the whole answer for one entry would lose the rest. The models' annotations say so
    (``list[Image | None]``).
    """

    def factory(tp: Any, conv: cattrs.Converter) -> StructureHook:
        (element_type,) = typing.get_args(tp) or (Any,)
        inner, _ = _strip_none(element_type)
        handler = conv.get_structure_hook(inner)

        if detailed:

            def structure_list_detailed(value: Any, _: Any) -> Any:
                if value.__class__ is not list:
                    raise InvalidValue(f"expected a list, got {_json_kind(value)}")
                result: list[Any] = []
                errors: list[Exception] = []
                for index, element in enumerate(value):
                    try:
                        result.append(None if element is None else handler(element, inner))
                    except Exception as exc:
                        note = IterableValidationNote(f"Structuring {tp} @ index {index}", index, element_type)
                        exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]
                        errors.append(exc)
                if errors:
                    raise IterableValidationError(f"While structuring {tp!r}", errors, tp)
                return result

            return structure_list_detailed

        def structure_list(value: Any, _: Any) -> Any:
            if value.__class__ is not list:
                raise InvalidValue(f"expected a list, got {_json_kind(value)}")
            return [None if e is None else handler(e, inner) for e in value]

        return structure_list

    return factory
