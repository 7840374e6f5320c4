"""Every command the README and the documentation show runs as written: ``python -m spotify_async ...`` lines parse
with the real command line (unknown options or commands fail here), and example scripts and ``python -m benchmarks``
accept every option shown (their ``--help`` lists it). Running them in full is the job of their own tests."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from spotify_async import cli

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]
_PYTHON = r"(?:\.venv/bin/)?python3?"
_COMMAND = re.compile(rf"(?:`|^)({_PYTHON} (?:-m [^\s`]+|examples/[^\s`]+\.py)[^`\n]*)", re.M)


def commands() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in DOCS:
        for match in _COMMAND.finditer(path.read_text(encoding="utf-8")):
            for segment in match.group(1).split(" && "):
                line = segment.split(" | ")[0].strip().rstrip("`")
                if not re.match(_PYTHON + " ", line) or re.search(r" -m (venv|pytest|pip)\b", line):
                    continue
                if line.endswith("-m spotify_async"):  # a mention of the command line, not a command
                    continue
                found.append((path.relative_to(REPO_ROOT).as_posix(), line))
    return found


@pytest.mark.parametrize(("where", "line"), commands())
def test_the_command_runs_as_written(where: str, line: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = shlex.split(line, comments=True)[1:]
    if argv[:2] == ["-m", "spotify_async"]:
        parser = cli.build_parser("python -m spotify_async")
        try:
            args = parser.parse_args(argv[2:])
        except SystemExit as exc:  # --help and --version exit 0 after printing; anything else is a usage error
            if exc.code != 0:
                pytest.fail(f"{where}: {line!r} does not parse: {capsys.readouterr().err.strip()} ({exc.code})")
            assert capsys.readouterr().out
            return
        assert args.command in cli.COMMANDS
        return
    script = argv[:2] if argv[0] == "-m" else argv[:1]
    if argv[0] != "-m":
        assert (REPO_ROOT / argv[0]).is_file(), f"{where}: {argv[0]} does not exist"
    help_text = subprocess.run(
        [sys.executable, *script, "--help"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert help_text.returncode == 0, f"{where}: {line!r}: {help_text.stderr}"
    options = [word.split("=")[0] for word in argv[len(script) :] if word.startswith("--")]
    missing = [option for option in options if option not in help_text.stdout]
    assert not missing, f"{where}: {line!r} uses options the command does not have: {missing}"


def test_the_readme_shows_commands() -> None:
    shown = {line for where, line in commands() if where == "README.md"}
    assert any("-m spotify_async demo" in line for line in shown)
    assert any("examples/distributed_crawl.py" in line for line in shown)
