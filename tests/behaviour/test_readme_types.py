"""The README's complete programs pass ``mypy --strict`` as written (the quickstart is what a new user copies first;
a field typed ``str | None`` that Spotify always sends would make it fail)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
REPO_ROOT = README.parent

#: the headings whose first python block is a complete program (the other blocks are fragments)
COMPLETE = ("## Quickstart", "## Testing your own code with FakeSpotify")


def _blocks() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for heading in COMPLETE:
        section = text[text.index(heading) :]
        match = re.search(r"```python\n(.*?)```", section, re.S)
        assert match, f"no python block under {heading!r}"
        found[heading] = match.group(1)
    return found


def test_the_readme_programs_pass_mypy_strict(tmp_path: Path) -> None:
    files = []
    for index, code in enumerate(_blocks().values()):
        path = tmp_path / f"readme_block_{index}.py"
        path.write_text(code, encoding="utf-8")
        files.append(str(path))
    # run from the repository so mypy reuses its cache of the package (a cold run takes much longer)
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--python-version", "3.10", *files],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
