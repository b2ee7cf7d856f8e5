"""What the command-line tests check of every bad invocation (a module with a name of its
own, so that it imports the same whichever test directories a run collects)."""

from __future__ import annotations

from typing import Any

import pytest

from deltaprop.cli import main


def check_error(argv: list[str], status: int, message: str, capsys: Any) -> None:
    """``deltaprop ARGV`` exits with ``status`` (2: a usage error, which argparse raises;
    1: a failure, which ``main`` returns), printing ``message``; a failure prints one line."""
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
