"""The README's FakeSpotify example runs as written (so the docs cannot drift from the API)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[2] / "README.md"


def _block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, f"no python block under {heading!r}"
    return match.group(1)


async def test_the_fakespotify_example_runs() -> None:
    namespace: dict[str, Any] = {}
    exec(compile(_block_after("## Testing your own code with FakeSpotify"), "README.md", "exec"), namespace)
    await namespace["test_my_feature"]()


def test_the_caching_example_runs(capsys: Any) -> None:
    """Sync on purpose: the block ends in asyncio.run(main()), as a user's script would."""
    exec(compile(_block_after("## Caching: fewer requests per answer"), "README.md", "exec"), {"__name__": "readme"})
    hits, coalesced = map(int, capsys.readouterr().out.split())
    assert hits == 1
    assert coalesced == 99
