"""The README is true and stays true: its Configuration table is ``Config``'s defaults, and every public error is in
its Errors table and importable from ``spotify_async``.

Whoever adds a setting to ``Config`` (or one of its parts) gets a failure naming the row to write, with the default
formatted as the table writes it; a changed default names the row that is now wrong.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import attrs

import spotify_async
from spotify_async import Config, errors
from spotify_async.auth import __all__ as auth_all

README = Path(__file__).resolve().parents[2] / "README.md"
UNIT = " s"  # seconds; sizes are written in MiB


def _section(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def config_defaults(cls: type = Config, prefix: str = "") -> dict[str, Any]:
    """Every leaf setting of ``Config`` as its dotted name (``budget.hold``) and default."""
    found: dict[str, Any] = {}
    for field in attrs.fields(cls):
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        name = prefix + field.name
        if attrs.has(type(default)):
            found.update(config_defaults(type(default), name + "."))
        else:
            found[name] = default
    return found


def as_written(value: Any) -> str:
    """A default as the table writes it (seconds carry the table's ``s`` unit, which the comparison drops)."""
    if value is None or isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (set, frozenset)):
        return ", ".join(as_written(v) for v in sorted(value))
    return repr(value)


def readme_settings() -> dict[str, str]:
    """The Configuration table as {dotted name: default as written}; ``a.x``, ``.y`` rows expand to ``a.y``."""
    table: dict[str, str] = {}
    for line in _section("## Configuration").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = [n.strip().strip("`") for n in cells[0].split(",")]
        expanded: list[str] = []
        for name in names:
            if name.startswith(".") and expanded:
                name = expanded[0].rsplit(".", 1)[0] + name
            expanded.append(name)
        values = [cells[1]] if len(expanded) == 1 else [v.strip() for v in cells[1].split(",")]
        assert len(values) == len(expanded), (
            f"README row {cells[0]!r}: {len(expanded)} names but {len(values)} defaults"
        )
        for name, value in zip(expanded, values, strict=True):
            value = value.replace("`", "").strip()
            for unit, size in (
                (" MiB", 2**20),
                (" KiB", 2**10),
            ):  # sizes are written in KiB or MiB, settings count bytes
                if value.endswith(unit):
                    value = str(round(float(value.removesuffix(unit)) * size))
            table[name] = value.removesuffix(UNIT) if value.endswith(UNIT) else value
    return table


def test_the_configuration_table_is_configs_defaults() -> None:
    actual = {name: as_written(value) for name, value in config_defaults().items()}
    documented = readme_settings()
    problems = [
        f"missing row: | `{name}` | {value} | ... |" for name, value in actual.items() if name not in documented
    ]
    problems += [
        f"wrong default for `{name}`: the README says {documented[name]}, Config says {value}"
        for name, value in actual.items()
        if name in documented and documented[name] != value
    ]
    problems += [f"row for a setting Config does not have: `{name}`" for name in documented if name not in actual]
    assert not problems, "README.md, '## Configuration':\n" + "\n".join(problems)


def _public_errors() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in [*errors.__all__, *auth_all]:
        value = getattr(errors, name, None) or getattr(spotify_async.auth, name, None)
        if isinstance(value, type) and issubclass(value, errors.SpotifyError):
            found[name] = value
    return found


def test_every_public_error_is_documented_and_importable_from_the_top() -> None:
    section = _section("## Errors")
    public = _public_errors()
    assert {"SpotifyError", "ModelError", "CoordinationError", "StateMismatch"} <= set(public)
    undocumented = [name for name in public if f"`{name}`" not in section]
    assert not undocumented, f"errors missing from README.md's Errors table: {undocumented}"
    not_exported = [name for name, cls in public.items() if getattr(spotify_async, name, None) is not cls]
    assert not not_exported, f"errors not importable from spotify_async: {not_exported}"
    missing_all = [name for name in public if name not in spotify_async.__all__]
    assert not missing_all, f"errors missing from spotify_async.__all__: {missing_all}"


def test_the_spotify_signature_in_the_readme_names_every_keyword() -> None:
    import inspect

    text = _section("## Configuration")
    match = re.search(r"`Spotify\(auth, \*, (.*?)\)`", text, re.S)  # the signature may wrap
    assert match, "no Spotify(auth, *, ...) signature in the Configuration section"
    written = {part.split("=")[0].strip() for part in match.group(1).split(",")}
    parameters = inspect.signature(spotify_async.Spotify).parameters
    keywords = {name for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert written == keywords, f"README lacks {sorted(keywords - written)}, has extra {sorted(written - keywords)}"
