"""What every ``deltaprop`` subcommand shares: one-line errors and printing."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable

from ..errors import CommandError, DistributedError, DivergenceError

__all__ = ["REPORTED", "out", "reported", "say"]

#: the errors a user can cause and fix, reported in one line
REPORTED = (ValueError, OSError, ImportError, DivergenceError, DistributedError)


def reported(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the errors a user can cause and fix into one-line ``CommandError`` reports."""

    @functools.wraps(func)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except REPORTED as exc:
            raise CommandError(str(exc) or type(exc).__name__) from exc

    return wrapper


def out(args: argparse.Namespace, text: str, *, result: bool = False) -> None:
    """Print a line of the command's output; with ``--quiet``, only the ``result`` lines.
    Only one process of a distributed run prints."""
    if getattr(args, "printing", True) and (result or not getattr(args, "quiet", False)):
        print(text, flush=True)


def say(text: str) -> None:
    """Print a message on stderr on a line of its own: on a terminal, the progress bar's
    line it would be glued to is cleared first."""
    start = "\r\x1b[K" if sys.stderr.isatty() else ""
    print(start + text, file=sys.stderr, flush=True)
