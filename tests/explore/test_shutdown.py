"""Stopping the explorer: one Ctrl-C (SIGINT) or SIGTERM stops ``deltaprop explore`` within a
second while a page's event stream is open and its run trains, without a traceback (a second
Ctrl-C is not needed, and changes nothing); the stream is first told why (``event: closed``).

Before, the server waited for the never-ending event stream: still running 60 s later."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from deltaprop.explore.command import background


def _start() -> tuple[subprocess.Popen[str], str, str]:
    """``deltaprop explore --no-browser`` in a process of its own: it, its host and token."""
    process = subprocess.Popen(
        [sys.executable, "-m", "deltaprop", "explore", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert process.stdout is not None
    address = process.stdout.readline().split()[-1]  # printed once it accepts connections
    base, token = address.split("/?token=")
    return process, base.split("//")[1], token


def _post(host: str, path: str, body: dict[str, object]) -> dict[str, object]:
    conn = http.client.HTTPConnection(host, timeout=30)
    conn.request("POST", path, json.dumps(body), {"content-type": "application/json"})
    answer = json.loads(conn.getresponse().read())
    conn.close()
    assert isinstance(answer, dict)
    return answer


@pytest.mark.parametrize(
    ("sig", "times"),
    [(signal.SIGINT, 1), (signal.SIGTERM, 1), (signal.SIGINT, 2)],
    ids=["SIGINT", "SIGTERM", "SIGINT twice"],
)
def test_one_signal_stops_the_server_at_once_with_a_page_open(sig, times):
    process, host, token = _start()
    try:
        run = _post(host, f"/api/session?token={token}", {"data": "spiral", "hidden": "8,8"})["id"]
        _post(host, f"/api/{run}/control?token={token}", {"action": "start"})
        stream = http.client.HTTPConnection(host, timeout=30)
        stream.request("GET", f"/api/{run}/events?token={token}")
        response = stream.getresponse()
        assert response.status == 200 and response.readline().startswith(b"data: ")
        lines: list[bytes] = []
        ended: list[float] = []  # when the stream ended

        def read() -> None:
            lines.extend(response)
            ended.append(time.monotonic())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        time.sleep(0.5)  # training, and its snapshots streaming
        sent = time.monotonic()
        process.send_signal(sig)
        if times == 2:  # an impatient second Ctrl-C changes nothing
            time.sleep(0.05)
            process.send_signal(sig)
        status = process.wait(timeout=30)
        took = time.monotonic() - sent
        reader.join(timeout=5)
        served = ended[0] - sent
        stream.close()
    finally:
        if process.poll() is None:
            process.kill()
        _, err = process.communicate(timeout=10)
    # The server has stopped serving within a second; the process's exit after it (the
    # interpreter's teardown) waits for the CPU on a loaded machine: 0.2 s when idle.
    assert served < 1.0 and took < 3.0, f"stream ended after {served:.2f} s, exit {took:.2f} s"
    assert "Traceback" not in err and "Error" not in err, err
    if sig == signal.SIGINT:  # as every deltaprop command interrupted: 130
        assert status == 130 and err == "deltaprop explore: interrupted\n"
    else:  # SIGTERM is raised again once the server has stopped: its default, the exit
        assert status == -signal.SIGTERM and err == ""
    events = b"".join(lines).split(b"\n\n")
    closed = [e for e in events if e.startswith(b"event: closed\n")]
    assert len(closed) == 1, events[-3:]
    why = json.loads(closed[0].split(b"data: ", 1)[1])
    assert why["closed"] is True and "stopped" in why["error"]


def test_a_server_in_a_thread_stops_at_once_with_streams_open():
    address, server, thread = background()
    base, token = address.split("/?token=")
    host = base.split("//")[1]
    runs = [_post(host, f"/api/session?token={token}", {"data": "circle"})["id"] for _ in "ab"]
    conns = [http.client.HTTPConnection(host, timeout=30) for _ in runs]
    streams = []
    for run, conn in zip(runs, conns):
        _post(host, f"/api/{run}/control?token={token}", {"action": "step"})
        conn.request("GET", f"/api/{run}/events?token={token}")
        streams.append(conn.getresponse())
    sent = time.monotonic()
    server.should_exit = True
    thread.join(timeout=10)
    assert not thread.is_alive() and time.monotonic() - sent < 1.0
    for response, conn in zip(streams, conns):
        assert b"event: closed" in response.read()  # then the stream ended
        conn.close()
