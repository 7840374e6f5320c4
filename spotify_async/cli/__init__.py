"""The command line: ``spotify-async`` (the installed script) and ``python -m spotify_async``, with subcommands.

This package owns everything a person types: the argument parser, the subcommands and how their failures read. It
sits on top of the library and calls only down (``session``, ``auth``, ``testing``); nothing below imports it.

A subcommand is one entry of :data:`COMMANDS`: its name, the module that implements it and the one line ``--help``
shows for it. The module provides two functions::

    def configure(parser: argparse.ArgumentParser) -> None: ...  # add its options (each with help text)
    def run(args: argparse.Namespace) -> int: ...               # do the work; return the exit status

Modules are imported only when the parser is built, and each keeps its heavy imports inside ``run``, so ``--help``
stays fast. :func:`main` turns the usual failures into one line on stderr and an exit status instead of a traceback:
2 for a usage error (unknown command, bad value: argparse's own message), 1 for a command that failed
(:class:`~spotify_async.errors.SpotifyError` or an ``OSError`` such as a port in use), 130 for Ctrl-C, and a closed
stdout (``... | head``) ends the command quietly.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import platform
import sys
from collections.abc import Sequence
from typing import NamedTuple, Protocol

__all__ = ["COMMANDS", "Command", "CommandEntry", "build_parser", "main"]


class Command(Protocol):
    """What a subcommand module provides (a module satisfies it by defining the two functions)."""

    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


class CommandEntry(NamedTuple):
    #: the module implementing the command (imported when the parser is built)
    module: str
    #: the one line ``--help`` shows beside the command's name
    summary: str


#: the subcommands, in the order ``--help`` lists them
COMMANDS: dict[str, CommandEntry] = {
    "demo": CommandEntry(
        "spotify_async.cli.demo",
        "crawl FakeSpotify concurrently (or the real API, with credentials set) and summarise what the client did",
    ),
    "login": CommandEntry(
        "spotify_async.cli.login",
        "log a person in with PKCE through a loopback redirect and save the token in a file",
    ),
    "serve-fake": CommandEntry(
        "spotify_async.cli.serve_fake",
        "run FakeSpotify, an emulator of the Web API and accounts service, on 127.0.0.1 until stopped",
    ),
    "swap-server": CommandEntry(
        "spotify_async.swap",
        "run a Token Swap server: the code exchange and refresh for public clients (secret from the environment)",
    ),
}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions kept as written, and every option's default shown after its help (flags and options without a
    default say nothing: "default: False" is noise)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if "%(default)" in text or "default:" in text or default in (None, False, [], argparse.SUPPRESS):
            return text
        if action.option_strings or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE):
            text += " (default: %(default)s)"
        return text


def _prog() -> str:
    script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "spotify-async" if script.startswith("spotify-async") else "python -m spotify_async"


def _version() -> str:
    from .. import __version__

    return f"spotify_async {__version__} (Python {platform.python_version()})"


def load(name: str) -> Command:
    """The module of command ``name``."""
    module: Command = importlib.import_module(COMMANDS[name].module)
    return module


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The full parser: global options, then one subparser per entry of :data:`COMMANDS`."""
    prog = prog or _prog()
    parser = argparse.ArgumentParser(
        prog=prog,
        description="spotify_async: an asyncio-native SDK for the Spotify Web API.",
        epilog=f"Run '{prog} COMMAND --help' for a command's options.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version(), help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, entry in COMMANDS.items():
        command = load(name)
        child = sub.add_parser(
            name,
            help=entry.summary,
            description=entry.summary[:1].upper() + entry.summary[1:] + ".",
            formatter_class=HelpFormatter,
        )
        command.configure(child)
        child.set_defaults(_run=command.run)
    return parser


def _unknown_command(argv: Sequence[str]) -> str | None:
    """The first positional word when it names no command (options before it are global ones)."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return None if word in COMMANDS else word
    return None


def _quiet_broken_pipe() -> int:
    # stdout's reader went away (``| head``): point stdout at /dev/null so the interpreter's final flush is silent
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (``sys.argv[1:]`` by default), run the command and return its exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    prog = _prog()
    unknown = _unknown_command(args_list)
    if unknown is not None:
        close = difflib.get_close_matches(unknown, COMMANDS, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        print(
            f"{prog}: unknown command '{unknown}'.{hint} Commands: {', '.join(COMMANDS)} (see '{prog} --help').",
            file=sys.stderr,
        )
        return 2
    parser = build_parser(prog)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # --help, --version, or a usage error argparse has already explained on stderr
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    from ..errors import SpotifyError

    try:
        status: int = args._run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except KeyboardInterrupt:
        print(f"{prog} {args.command}: interrupted", file=sys.stderr)
        return 130
    except (SpotifyError, OSError) as exc:
        print(f"{prog} {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return status
