"""``deltaprop explore`` on the command line: its refusals, each one line (the server itself
is tested in tests/explore)."""

from __future__ import annotations

import sys

import pytest
from cli_errors import check_error

from deltaprop.cli import main


def test_without_the_extra_it_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if not installed
    check_error(["explore", "--no-browser"], 1, "pip install 'deltaprop[explore]'", capsys)


def test_a_non_local_host_needs_allow_remote(capsys):
    check_error(["explore", "--host", "0.0.0.0", "--no-browser"], 1, "--allow-remote", capsys)


def test_a_port_in_use_is_one_line(capsys):
    import socket

    pytest.importorskip("uvicorn", reason="the explorer's extra")
    pytest.importorskip("starlette", reason="the explorer's extra")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        check_error(["explore", "--port", str(port), "--no-browser"], 1, "cannot listen", capsys)


def test_allow_remote_listens_and_warns(monkeypatch, capsys):
    uvicorn = pytest.importorskip("uvicorn", reason="the explorer's extra")
    pytest.importorskip("starlette", reason="the explorer's extra")
    served = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets: served.extend(sockets))
    assert main(["explore", "--host", "0.0.0.0", "--allow-remote", "--no-browser"]) == 0
    out, err = capsys.readouterr()
    assert "warning: listening on 0.0.0.0, reachable from other machines" in err
    assert "/?token=" in out and len(served) == 1
    served[0].close()
