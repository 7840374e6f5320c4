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

from ._shared import (
    DERIVED_FIELDS,
    DERIVED_PREFIXES,
    WORDS,
    install_derived,
    resolve_placeholder,
    share_strings,
    share_word,
)
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
            if value.__class__ is int:  # a placeholder of decode_shared: its tuple was checked when it was shared
                resolved = resolve_placeholder(value)
                if resolved is not value:
                    return resolved
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


# --- Plans: what the generator decides, before any code is written -------------------------------------------------
#
# Generation runs in three steps. ``_plan_class`` reads the attrs class once and decides, per attribute, how its value
# is produced (a ``_FieldPlan``: handed through, checked against a ``Literal``, built by a nested model's hook, or by a
# hook given by the caller), and for the class as a whole which identifiers the fast path may leave unset. Then each
# field plan is turned into statements computing ``f_<attr>`` (``_field_code``), and the function around them
# (``_function_lines``): entry checks, the fields, plain or each in its own ``try`` (``detailed``), and the
# construction. ``_compile`` keeps the source in ``linecache`` under a name of its own and executes it in ``_Scope.env``.
#
# A lenient fast-path function whose every field could be built inline also carries an ``_Inline`` plan, so parents
# build that model inside their own function (``_inline_stmts``) instead of calling its hook.


@attrs.define(slots=True, frozen=True)
class _InlineField:
    """One attribute of a model built inline: where its value comes from and how it is made."""

    attribute: str
    key: str
    #: the default as source text; ``None`` when the key is required
    default: str | None
    #: the plan of a nested leaf model (or of each element when ``is_list``); ``None`` for a value handed through
    nested: _Inline | None = None
    is_list: bool = False
    #: what hands the JSON value over shared (see :mod:`._shared`), if anything
    share: Callable[[Any], Any] | None = None


@attrs.define(slots=True, frozen=True)
class _Inline:
    """How to build a small model inline in its parent's generated code (lenient fast path only).

    Leaf-like models (``ExternalUrls``, ``Image``, ``SimplifiedArtist``...) are constructed directly inside the
    parent's function instead of through a hook call: one Python call fewer per object, and lists of them become one
    plain loop.
    """

    cls: type[Any]
    fields: tuple[_InlineField, ...]
    #: the attributes left unset when derivable from ``type`` and ``id`` (see ``_derived_stmts``), and that type
    derived: tuple[str, ...] = ()
    derived_type: str = ""


#: how a field's value is produced: by a hook the caller gave, checked against a ``Literal``, handed through as
#: orjson built it (checked by the strict converter), or by the hook of a nested model (or list of models)
_FieldKind = Literal["given hook", "literal", "passthrough", "model"]


@attrs.define(slots=True, frozen=True)
class _FieldPlan:
    """What the generator decided for one attribute of the class."""

    name: str
    key: str
    #: the annotation with TypeVars substituted, and without ``None`` (``inner``) when ``nullable``
    field_type: Any
    inner: Any
    nullable: bool
    #: the default as source text (``"None"``, ``"[]"``, ``"'track'"``, ``"__factory_x()"``); ``None`` when required
    default: str | None
    kind: _FieldKind
    #: ``kind == "given hook"``: the caller's hook
    hook: StructureHook | None = None
    #: ``kind == "literal"``: the allowed values
    literal_values: tuple[Any, ...] = ()
    #: ``kind == "passthrough"``: the container (``"scalar"``, ``"list"``, ``"?tuple"``...) and accepted classes
    passthrough: str = ""
    classes: tuple[type, ...] = ()
    #: ``kind == "passthrough"``: what hands the value over shared, if anything
    share: Callable[[Any], Any] | None = None

    @property
    def required(self) -> bool:
        return self.default is None

    @property
    def default_is_none(self) -> bool:
        return self.default == "None"

    @property
    def var(self) -> str:
        """The local variable of the generated function holding the field's value."""
        return f"f_{self.name}"

    @property
    def read(self) -> str:
        """The expression reading the raw JSON value (``None`` for an absent optional key)."""
        return f"o[{self.key!r}]" if self.required else f"g({self.key!r})"

    @property
    def read_or_default(self) -> str:
        return f"o[{self.key!r}]" if self.required else f"g({self.key!r}, {self.default})"


@attrs.define(slots=True, frozen=True)
class _ClassPlan:
    """What the generator decided for the class: its fields, the keys it accepts, what it may leave unset."""

    cls: type[Any]
    fields: tuple[_FieldPlan, ...]
    #: the JSON keys the strict converter accepts
    allowed: frozenset[str]
    #: the identifiers the fast path leaves unset when ``type`` and ``id`` give them (see ``_derivable``)
    derived: tuple[str, ...]
    derived_type: str
    #: whether parents may build this class inline (no renames, not a parametrised generic, no ``__init__`` needed)
    inlinable: bool

    @property
    def name(self) -> str:
        return self.cls.__name__


@attrs.define(slots=True, frozen=True)
class _FieldCode:
    """The statements computing one field's ``f_<attr>``, and how a parent would build it inline (if it can)."""

    plan: _FieldPlan
    stmts: tuple[str, ...]
    inline: _InlineField | None


class _Scope:
    """The names one generated function sees (``env``, its globals) and fresh local names for the code it holds.

    One scope per generated function: local names are numbered within it (``t1``, ``b2``...), so nothing is shared
    between generations.
    """

    __slots__ = ("_count", "env")

    def __init__(self, env: dict[str, Any]) -> None:
        self.env = env
        self._count = 0

    def fresh(self, prefix: str) -> str:
        """A name not used before in this function (``prefix`` then a number)."""
        self._count += 1
        return f"{prefix}{self._count}"


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


def _inline_stmts(meta: _Inline, src: str, out: str, scope: _Scope) -> list[str]:
    """Statements building ``meta.cls`` from the dict in variable ``src`` into variable ``out``."""
    cls_name = scope.fresh("__L")
    scope.env[cls_name] = meta.cls
    lines = [f"{out} = __new({cls_name})"]
    for field in meta.fields:
        if field.attribute in meta.derived:
            if field.attribute == meta.derived[0]:
                lines.extend(_inline_derived_stmts(meta, src, out, scope))
            continue
        if field.nested is None:
            lines.extend(_inline_value_stmts(field, src, out, scope))
        else:
            lines.extend(_inline_nested_stmts(field, field.nested, src, out, scope))
    return lines


def _inline_derived_stmts(meta: _Inline, src: str, out: str, scope: _Scope) -> list[str]:
    """The derivable identifiers of an inline model: id and type come first (checked by ``_derivable``), so they
    are read back from the new object."""
    derived = [field for field in meta.fields if field.attribute in meta.derived]
    sources = {field.attribute: f"{src}.get({field.key!r})" for field in derived}
    nested_of = {field.attribute: field.nested for field in derived}
    return _derived_stmts(out, f"{out}.id", f"{out}.type", meta.derived_type, sources, nested_of, scope)


def _inline_value_stmts(field: _InlineField, src: str, out: str, scope: _Scope) -> list[str]:
    """A value handed through (shared when ``field.share``), absent or null reading as the default."""
    wrap = _share_source(field.share, scope.fresh("__S"), scope)
    attribute, key, default = field.attribute, field.key, field.default
    if default is None or default == "None":
        read = f"{src}[{key!r}]" if default is None else f"{src}.get({key!r})"
        if field.share is None:
            return [f"{out}.{attribute} = {read}"]
        tmp = scope.fresh("t")
        return [f"{tmp} = {read}", f"{out}.{attribute} = " + wrap.format(tmp)]
    tmp = scope.fresh("t")
    test = f"({tmp} := {src}.get({key!r})) is None"
    if field.share is share_word and default.startswith("'"):
        # The usual word is the default: hand over the constant after one comparison.
        test += f" or {tmp} == {default}"
    return [f"{out}.{attribute} = {default} if {test} else " + wrap.format(tmp)]


def _inline_nested_stmts(field: _InlineField, nested: _Inline, src: str, out: str, scope: _Scope) -> list[str]:
    """A nested leaf model (or list of them) built inline too; absent or null reads as the default."""
    raw = scope.fresh("t")
    built = scope.fresh("b")
    attribute, key = field.attribute, field.key
    if field.default is None:
        return [
            f"{raw} = {src}[{key!r}]",
            *_nested_stmts(nested, field.is_list, raw, built, scope),
            f"{out}.{attribute} = {built}",
        ]
    return [
        f"if ({raw} := {src}.get({key!r})) is None:",
        f"    {out}.{attribute} = {field.default}",
        "else:",
        *_indent(_nested_stmts(nested, field.is_list, raw, built, scope)),
        f"    {out}.{attribute} = {built}",
    ]


def _nested_stmts(
    meta: _Inline, is_list: bool, src: str, out: str, scope: _Scope, *, nullable: bool = False
) -> list[str]:
    """Build ``meta.cls`` (or, when ``is_list``, a list of them in a plain loop) from ``src`` into ``out``; a
    ``nullable`` list keeps its ``null`` elements as ``None`` at their positions."""
    if not is_list:
        return _inline_stmts(meta, src, out, scope)
    element = scope.fresh("e")
    item = scope.fresh("x")
    keep_null = [f"    if {element} is None:", f"        {out}.append(None)", "        continue"] if nullable else []
    return [
        f"{out} = []",
        f"for {element} in {src}:",
        *keep_null,
        *_indent(_inline_stmts(meta, element, item, scope)),
        f"    {out}.append({item})",
    ]


def _derived_stmts(
    out: str,
    id_src: str,
    type_src: str,
    kind: str,
    sources: dict[str, str],
    nested: dict[str, _Inline | None],
    scope: _Scope,
) -> list[str]:
    """Store ``uri``, ``href`` and ``external_urls`` on ``out`` only when they differ from what ``type`` and ``id``
    give (:func:`._shared.derived_attribute` rebuilds them on first read).

    ``kind`` is the class's own type (``"artist"``): its prefixes are constants in the generated code. ``sources``
    holds the expression reading each raw JSON value, evaluated once; ``nested`` the _Inline building an
    ``ExternalUrls``. Anything unusual (no string id, another type, another URL) is stored as it came.
    """
    prefixes = DERIVED_PREFIXES[kind]
    ident = scope.fresh("i")
    raws = {name: scope.fresh("v") for name in sources}
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
        built = scope.fresh("b")
        build = [
            f"if {raw} is None:",
            f"    {out}.{name} = None",
            "else:",
            *_indent(_inline_stmts(meta, raw, built, scope)),
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


#: string fields holding one of a few words (``"track"``, ``"single"``, ``"day"``): one shared string per word
_WORD_FIELDS = frozenset({"type", "album_type", "album_group", "release_date_precision", "reason"})


def _share_source(share: Callable[[Any], Any] | None, name: str, scope: _Scope) -> str:
    """A format string applying ``share`` to the expression put in ``{}`` (the words table is read inline)."""
    if share is None:
        return "{}"
    if share is share_word:
        scope.env["__words"] = WORDS
        return "(__words.get({0}, {0}) if {0}.__class__ is str else {0})"
    scope.env[name] = share
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


def _plan_field(
    attribute: attrs.Attribute[Any], field_type: Any, key: str, hook: StructureHook | None, env: dict[str, Any]
) -> _FieldPlan:
    """Decide how one attribute's value is produced (see ``_FieldKind``)."""
    inner, nullable = _strip_none(field_type)
    common: dict[str, Any] = {
        "name": attribute.name,
        "key": key,
        "field_type": field_type,
        "inner": inner,
        "nullable": nullable,
        "default": _default_source(attribute, env),
    }
    if hook is not None:
        return _FieldPlan(kind="given hook", hook=hook, **common)
    if typing.get_origin(inner) is Literal:
        return _FieldPlan(kind="literal", literal_values=typing.get_args(inner), **common)
    passthrough = _passthrough_classes(field_type)
    if passthrough is not None:
        container, classes = passthrough
        share = _sharing_function(attribute.name, container, classes)
        return _FieldPlan(kind="passthrough", passthrough=container, classes=classes, share=share, **common)
    return _FieldPlan(kind="model", **common)


def _plan_class(
    tp: Any,
    conv: cattrs.Converter,
    env: dict[str, Any],
    *,
    fast: bool,
    renames: dict[str, str],
    field_hooks: dict[str, StructureHook],
    extra_allowed: frozenset[str],
) -> _ClassPlan:
    """Read the attrs class once: a plan per attribute, the accepted keys, the identifiers left to derivation."""
    cls, fields = _resolve_fields(tp)
    derived, derived_type = _derivable(cls, fields, renames, field_hooks, conv) if fast else ((), "")
    plans = tuple(
        _plan_field(
            attribute, field_type, renames.get(attribute.name, attribute.name), field_hooks.get(attribute.name), env
        )
        for attribute, field_type in fields
        if attribute.init
    )
    return _ClassPlan(
        cls=cls,
        fields=plans,
        allowed=extra_allowed | {plan.key for plan in plans},
        derived=derived,
        derived_type=derived_type,
        inlinable=fast and not renames and cls is tp and _can_bypass_init(cls),
    )


# --- Code: one field's statements ----------------------------------------------------------------------------------


def _field_code(plan: _FieldPlan, conv: cattrs.Converter, scope: _Scope, *, strict: bool, fast: bool) -> _FieldCode:
    """The statements computing ``f_<attr>``, and the field's inline description (``None``: not inlinable)."""
    if plan.kind == "given hook":
        return _FieldCode(plan, tuple(_given_hook_stmts(plan, scope)), None)
    if plan.kind == "literal":
        return _FieldCode(plan, tuple(_literal_stmts(plan, scope)), None)
    if plan.kind == "passthrough":
        stmts = _passthrough_stmts(plan, scope, strict=strict)
        inline = _InlineField(plan.name, plan.key, plan.default, share=plan.share)
        return _FieldCode(plan, tuple(stmts), inline)
    return _model_code(plan, conv, scope, strict=strict, fast=fast)


def _given_hook_stmts(plan: _FieldPlan, scope: _Scope) -> list[str]:
    """The caller's hook gets the raw value, ``None`` included, but never a missing key."""
    name, key, var = plan.name, plan.key, plan.var
    scope.env[f"__h_{name}"] = plan.hook
    scope.env[f"__t_{name}"] = plan.field_type
    if plan.required:
        return [f"{var} = __h_{name}(o[{key!r}], __t_{name})"]
    return [
        f"{var} = {plan.default} if ({var} := g({key!r}, __missing)) is __missing else __h_{name}({var}, __t_{name})"
    ]


def _literal_stmts(plan: _FieldPlan, scope: _Scope) -> list[str]:
    """Always checked. The dict maps each allowed value to itself: the check also hands over one shared string."""
    name, var = plan.name, plan.var
    scope.env[f"__lit_{name}"] = {v: v for v in plan.literal_values}
    expected = " or ".join(repr(v) for v in plan.literal_values)
    null_ok = f"{var} is not None and " if plan.nullable else ""
    stmts = [
        f"{var} = {plan.read_or_default}",
        f"if {null_ok}(l_{name} := __lit_{name}.get({var}, __missing)) is __missing:",
        f"    raise __InvalidValue('expected ' + {expected!r} + ', got ' + "
        f"(repr({var}) if {var}.__class__ is str else __json_kind({var})))",
    ]
    if plan.nullable:
        stmts.extend([f"if {var} is not None:", f"    {var} = l_{name}"])
    else:
        stmts.append(f"{var} = l_{name}")
    return stmts


def _passthrough_stmts(plan: _FieldPlan, scope: _Scope, *, strict: bool) -> list[str]:
    """A JSON value handed through as orjson built it; checked by the strict converter; shared when it repeats."""
    name, var, default, share = plan.name, plan.var, plan.default, plan.share
    check = strict and (plan.passthrough != "scalar" or bool(plan.classes))
    wrap = _share_source(share, f"__share_{name}", scope)
    pending = share  # applied in a statement of its own unless an expression below already does
    stmts: list[str] = []
    if check:
        # The strict checkers of tuple fields share the value themselves, after checking every element.
        scope.env[f"__chk_{name}"] = make_checker(plan.passthrough, plan.classes)
        if plan.passthrough.endswith("tuple"):
            pending = None
        stmts.append(f"{var} = __chk_{name}({plan.read_or_default})")
    elif plan.required or plan.default_is_none:
        stmts.append(f"{var} = {plan.read}")
    elif strict:
        stmts.append(f"{var} = {plan.read_or_default}")
    else:
        # Lenient: a null where the model has a non-None default reads as the default (and a word equal to its
        # default, as the constant).
        test = f"({var} := g({plan.key!r})) is None"
        if share is share_word and default is not None and default.startswith("'"):
            test += f" or {var} == {default}"
        stmts.append(f"{var} = {default} if {test} else " + wrap.format(var))
        pending = None
    if pending is not None:
        stmts.append(f"{var} = " + wrap.format(var))
    return stmts


def _model_code(plan: _FieldPlan, conv: cattrs.Converter, scope: _Scope, *, strict: bool, fast: bool) -> _FieldCode:
    """A nested model (or list of models) through its hook; on the fast path leaf models are built inline and lists
    of models in a loop, with no hook call per list."""
    name = plan.name
    target = plan.inner if plan.nullable else plan.field_type
    handler = conv.get_structure_hook(target)
    scope.env[f"__h_{name}"] = handler
    scope.env[f"__t_{name}"] = target
    if fast:
        built = _fast_model_build(plan, target, handler, conv, scope)
        if built is not None:
            build, inline = built
            return _FieldCode(plan, tuple(_guarded_build(plan, build)), inline)
    return _FieldCode(plan, tuple(_hook_call_stmts(plan, strict=strict)), None)


def _fast_model_build(
    plan: _FieldPlan, target: Any, handler: StructureHook, conv: cattrs.Converter, scope: _Scope
) -> tuple[list[str], _InlineField | None] | None:
    """Statements building the value from ``r_<attr>`` without a hook call, and its inline description; ``None``
    when the model is neither a leaf nor a list."""
    raw = f"r_{plan.name}"
    meta: _Inline | None = getattr(handler, "_spotify_inline", None)
    if meta is not None:
        inline = _InlineField(plan.name, plan.key, plan.default, meta)
        return _inline_stmts(meta, raw, plan.var, scope), inline
    if typing.get_origin(target) is not list:
        return None
    (element_type,) = typing.get_args(target)
    element_inner, element_nullable = _strip_none(element_type)
    element_handler = conv.get_structure_hook(element_inner)
    element_meta: _Inline | None = getattr(element_handler, "_spotify_inline", None)
    if element_meta is not None and not element_nullable:
        inline = _InlineField(plan.name, plan.key, plan.default, element_meta, is_list=True)
        return _nested_stmts(element_meta, True, raw, plan.var, scope), inline
    if element_meta is not None:
        # a list of leaf models that may hold nulls (``list[Image | None]``): built in the loop too, nulls kept
        return _nested_stmts(element_meta, True, raw, plan.var, scope, nullable=True), None
    scope.env[f"__eh_{plan.name}"] = element_handler
    scope.env[f"__et_{plan.name}"] = element_inner
    element = scope.fresh("e")
    one = f"__eh_{plan.name}({element}, __et_{plan.name})"
    if element_nullable:
        one = f"None if {element} is None else {one}"
    return [f"{plan.var} = [{one} for {element} in {raw}]"], None


def _guarded_build(plan: _FieldPlan, build: list[str]) -> list[str]:
    """Read ``r_<attr>`` and run ``build`` on it; absent or null reads as ``None`` or the default."""
    raw = f"r_{plan.name}"
    if plan.required and not plan.nullable:
        return [f"{raw} = {plan.read}", *build]
    fallback = "None" if plan.nullable else plan.default
    return [f"if ({raw} := {plan.read}) is None:", f"    {plan.var} = {fallback}", "else:", *_indent(build)]


def _hook_call_stmts(plan: _FieldPlan, *, strict: bool) -> list[str]:
    """The nested model's hook called once, with absent keys and nulls read as the mode says."""
    name, var, key, default = plan.name, plan.var, plan.key, plan.default
    build = f"__h_{name}({var}, __t_{name})"
    if plan.required and not plan.nullable:
        return [f"{var} = {plan.read}", f"{var} = {build}"]
    if plan.nullable and (plan.required or plan.default_is_none):
        return [f"{var} = None if ({var} := {plan.read}) is None else {build}"]
    if plan.nullable:
        return [
            f"{var} = {default} if ({var} := g({key!r}, __missing)) is __missing "
            f"else (None if {var} is None else {build})"
        ]
    if strict:
        # Absent: the default; null: the hook rejects it (drift must show).
        return [f"{var} = {default} if ({var} := g({key!r}, __missing)) is __missing else {build}"]
    # Lenient: absent or null both read as the default.
    return [f"{var} = {default} if ({var} := g({key!r})) is None else {build}"]


# --- Code: the function around the fields ---------------------------------------------------------------------------


def _function_lines(
    plan: _ClassPlan, codes: list[_FieldCode], conv: cattrs.Converter, scope: _Scope, *, strict: bool, detailed: bool
) -> list[str]:
    """``def structure_<Class>(o, _=None):`` with its entry checks, its fields and the construction."""
    name = plan.name
    scope.env["__allowed"] = plan.allowed
    lines = [f"def structure_{name}(o, _=None):"]
    if strict or detailed:
        lines.append("  if o.__class__ is not dict:")
        lines.append(f"    raise __InvalidValue('expected an object for {name}, got ' + __json_kind(o))")
    if strict:
        lines.append("  if not __allowed.issuperset(o):")
        lines.append("    raise __FEKE('', __cl, set(o.keys() - __allowed))")
    lines.append("  g = o.get")
    if detailed:
        lines.extend(_indent(_collecting_body(plan, codes, scope), 2))
    else:
        lines.extend(f"  {s}" for code in codes if code.plan.name not in plan.derived for s in code.stmts)
    if not strict and not detailed and _can_bypass_init(plan.cls):
        lines.extend(_indent(_construct_by_stores(plan, conv, scope), 2))
    else:
        lines.append("  return __cl(" + ", ".join(f"{code.plan.name}={code.plan.var}" for code in codes) + ")")
    return lines


def _collecting_body(plan: _ClassPlan, codes: list[_FieldCode], scope: _Scope) -> list[str]:
    """Each field in its own ``try``; failures carry cattrs' validation note and are raised together."""
    lines = ["errors = []"]
    for code in codes:
        field = code.plan
        note = AttributeValidationNote(
            f"Structuring class {plan.name} @ attribute {field.name}", field.key, field.field_type
        )
        scope.env[f"__note_{field.name}"] = note
        lines.append("try:")
        lines.extend(f"  {s}" for s in code.stmts)
        lines.append("except Exception as e:")
        lines.append(f"  e.__notes__ = [*getattr(e, '__notes__', []), __note_{field.name}]")
        lines.append("  errors.append(e)")
    lines.append("if errors:")
    lines.append(f"  raise __CVE('While structuring ' + {plan.name!r}, errors, __cl)")
    return lines


def _construct_by_stores(plan: _ClassPlan, conv: cattrs.Converter, scope: _Scope) -> list[str]:
    """The fast path's construction: ``object.__new__`` and attribute stores, derivable identifiers last."""
    lines = ["r = __new(__cl)"]
    lines.extend(f"r.{field.name} = {field.var}" for field in plan.fields if field.name not in plan.derived)
    if plan.derived:
        sources = {field.name: f"g({field.key!r})" for field in plan.fields if field.name in plan.derived}
        external = conv.get_structure_hook(ExternalUrls)
        nested = {"external_urls": getattr(external, "_spotify_inline", None)}
        lines.extend(_derived_stmts("r", "f_id", "f_type", plan.derived_type, sources, nested, scope))
    lines.append("return r")
    return lines


def _compile(name: str, mode: str, lines: list[str], env: dict[str, Any]) -> StructureHook:
    """Execute the generated source in ``env``, kept in ``linecache`` so tracebacks show it.

    The file name is unique while the function lives: it holds ``env`` as its globals, whose address is in the name.
    """
    filename = f"<spotify_async structure {name} {mode} at {id(env):#x}>"
    source = "\n".join(lines) + "\n"
    linecache.cache[filename] = (len(source), None, [line + "\n" for line in lines], filename)
    exec(compile(source, filename, "exec"), env)  # our own generated code, no outside input
    fn: StructureHook = env[f"structure_{name}"]
    return fn


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
    fast = not strict and not detailed
    env: dict[str, Any] = {
        "__InvalidValue": InvalidValue,
        "__CVE": ClassValidationError,
        "__FEKE": ForbiddenExtraKeysError,
        "__json_kind": _json_kind,
        "__missing": _MISSING,
        "__new": object.__new__,
    }
    plan = _plan_class(
        tp, conv, env, fast=fast, renames=renames or {}, field_hooks=field_hooks or {}, extra_allowed=extra_allowed
    )
    env["__cl"] = plan.cls
    scope = _Scope(env)
    codes = [_field_code(field, conv, scope, strict=strict, fast=fast) for field in plan.fields]
    lines = _function_lines(plan, codes, conv, scope, strict=strict, detailed=detailed)
    mode = "strict" if strict else "lenient"
    fn = _compile(plan.name, mode + (" detailed" if detailed else ""), lines, env)
    inline_fields = [code.inline for code in codes]
    if plan.inlinable and all(field is not None for field in inline_fields):
        inline = _Inline(plan.cls, tuple(f for f in inline_fields if f is not None), plan.derived, plan.derived_type)
        fn._spotify_inline = inline  # type: ignore[attr-defined]
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
