"""What the command-line tests check of every bad invocation (a module with a name of its
own, so that it imports the same whichever test directories a run collects)."""

from __future__ import annotations

from typing import Any

import pytest

from deltaprop.cli import main


def check_error(argv: list[str], status: int, message: str, capsys: Any) -> None:
    """``deltaprop ARGV`` exits with ``status`` (2: a usage error, raised as SystemExit;
    1: a failure, which ``main`` returns), printing ``message``: a failure in one line, a
    usage error in two (the subcommand's usage, then the error)."""
    if status == 2:
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
    else:
        assert main(argv) == status
    err = capsys.readouterr().err
    assert message in err
    if status == 1:
        assert len(err.strip().splitlines()) == 1, err
    elif argv[0] in ("train", "evaluate", "predict", "gradcheck", "diagnose", "genie"):
        # the subcommand's usage (in one line), then the error naming the flag
        usage, error = err.strip().splitlines()
        assert usage.startswith(f"usage: deltaprop {argv[0]} "), err
        assert error.startswith(f"deltaprop {argv[0]}: error: "), err
