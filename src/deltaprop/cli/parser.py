"""The command line's argument parser, as the terminal's conventions teach.

- No abbreviations: ``--epoch`` is not taken for ``--epochs`` (``allow_abbrev=False``).
- A misspelt flag is refused by the subcommand it was given to, with that subcommand's usage
  and the flag it most likely meant (``--epocs``: did you mean ``--epochs``?).
- A bad value is a usage error, exit status 2, said with the flag the user typed: the
  argparse types here check each value as the option it belongs to does.
- Shell completion comes from the same parser (argcomplete, when ``_ARGCOMPLETE`` is set by
  the shell's completion hook; ``deltaprop completion SHELL`` prints that hook).
"""

from __future__ import annotations

import argparse
import difflib
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

__all__ = ["Parser", "checked", "completion_hook", "nonnegative_int", "positive_int"]


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that takes no abbreviations and says which flag was meant."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[Any, list[str]]:
        namespace, extras = super().parse_known_args(args, namespace)
        if extras and self._subparsers is None:  # a subcommand: it says what it does not know
            self.error(self._unknown(extras))
        return namespace, extras

    def _unknown(self, extras: list[str]) -> str:
        flags = [s for action in self._actions for s in action.option_strings]
        message = f"unrecognized arguments: {' '.join(extras)}"
        for extra in extras:
            flag = extra.split("=", 1)[0]
            close = difflib.get_close_matches(flag, flags, n=1, cutoff=0.6)
            if flag.startswith("-") and close:
                return f"{message} (did you mean {close[0]}?)"
        return message

    def error(self, message: str) -> NoReturn:
        """Print this (sub)command's usage and the message; exit with status 2. A usage of
        several lines (``train`` has dozens of options) is said in one, pointing to --help."""
        usage = self.format_usage()
        if usage.count("\n") > 1:
            names = [str(a.metavar or a.dest) for a in self._actions if not a.option_strings]
            usage = (
                f"usage: {' '.join([self.prog, '[options]', *names])}  (see {self.prog} --help)\n"
            )
        self._print_message(usage, sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def positive_int(text: str) -> int:
    """argparse type: a whole number > 0."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {text!r}")
    return value


def nonnegative_int(text: str) -> int:
    """argparse type: a whole number ≥ 0 (a seed)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 0, got {text!r}")
    return value


def checked(
    convert: Callable[[str], Any], check: Callable[[str, Any], Any], flag: str
) -> Callable[[str], Any]:
    """argparse type: ``convert`` the text, then ``check(flag, value)``, its ValueError said
    as argparse says a bad value ("argument --batch-size: must be a positive integer, got 0")."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            kind = "a whole number" if convert is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        try:
            return check(flag, value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc).removeprefix(f"{flag} ")) from None

    parse.__name__ = convert.__name__  # argparse names the type in some messages
    return parse


def completion_hook(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's completion request when its hook set ``_ARGCOMPLETE`` (the cost
    of importing argcomplete is paid only then)."""
    import os

    if "_ARGCOMPLETE" not in os.environ:
        return
    try:
        import argcomplete
    except ImportError:
        return  # no completion without the extra; the command itself works
    argcomplete.autocomplete(parser)
