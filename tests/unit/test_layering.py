"""Layers call only down: nothing in ``spotify_async/http/`` imports the session or the endpoints, and nothing in
``spotify_async/auth/`` imports the request layer above it (the clock, a leaf, aside), not even for typing. Parsed
from the source of every module, so a lazy import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import spotify_async.auth
import spotify_async.http

HTTP = Path(spotify_async.http.__file__).parent
FORBIDDEN = ("spotify_async.session", "spotify_async.endpoints")


def imported_modules(path: Path, package: str = "spotify_async.http") -> set[str]:
    """Every module a file imports, absolute, wherever the import statement stands (TYPE_CHECKING blocks too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_the_rule_sees_relative_and_type_checking_imports() -> None:
    sample = HTTP / "call.py"
    modules = imported_modules(sample)
    assert "spotify_async.models" in modules  # `from ..models import ...`
    assert "spotify_async.http.response" in modules  # `from .response import ...`


def test_http_imports_nothing_from_the_session_or_the_endpoints() -> None:
    files = sorted(HTTP.glob("*.py"))
    assert len(files) >= 10
    offences = [
        f"{path.name} imports {module}"
        for path in files
        for module in sorted(imported_modules(path))
        if module.startswith(FORBIDDEN) or module in ("spotify_async.http.session", "spotify_async.http.endpoints")
    ]
    assert offences == []


def test_auth_imports_nothing_from_the_request_layer_above_it() -> None:
    auth = Path(spotify_async.auth.__file__).parent
    files = sorted(auth.glob("*.py"))
    assert len(files) >= 8
    allowed = ("spotify_async.http.clock",)  # the injectable clock: a leaf every layer shares
    offences = [
        f"{path.name} imports {module}"
        for path in files
        for module in sorted(imported_modules(path, "spotify_async.auth"))
        if module.startswith(("spotify_async.http", *FORBIDDEN)) and not module.startswith(allowed)
    ]
    assert offences == []
