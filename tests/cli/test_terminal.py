"""What ``deltaprop train`` looks like in a real terminal: the command runs in a
pseudo-terminal and its output, escape codes and all, is rendered by a terminal emulator
(pyte); the tests read the emulated screen line by line."""

from __future__ import annotations

import os
import select
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import deltaprop

pyte = pytest.importorskip("pyte")
pty = pytest.importorskip("pty", reason="needs a POSIX pseudo-terminal")
fcntl = pytest.importorskip("fcntl", reason="needs a POSIX pseudo-terminal")
termios = pytest.importorskip("termios", reason="needs a POSIX pseudo-terminal")

COLUMNS, ROWS = 110, 60


def run_in_terminal(args: list[str]) -> tuple[list[str], str]:
    """Run ``deltaprop ARGS`` with stdout and stderr on one pseudo-terminal of COLUMNS × ROWS;
    returns (the emulated screen's non-blank lines, the raw output)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    src = str(Path(deltaprop.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src, "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    env.pop("COLUMNS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "deltaprop", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    raw = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            if not ready:
                raise TimeoutError(f"deltaprop {' '.join(args)} wrote nothing for 120 s")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal (EIO on Linux)
                break
            if not chunk:
                break
            raw += chunk
    finally:
        os.close(master)
        status = proc.wait(timeout=120)
    assert status == 0, raw.decode(errors="replace")
    screen = pyte.Screen(COLUMNS, ROWS)
    pyte.ByteStream(screen).feed(bytes(raw))
    lines = [line.rstrip() for line in screen.display]
    return [line for line in lines if line], raw.decode(errors="replace")


def test_train_screen_has_clean_epoch_lines_and_a_monitor_legend() -> None:
    lines, raw = run_in_terminal(
        ["train", "--dataset", "digits", "--epochs", "3", "--seed", "1", "--monitor"]
    )
    # The progress bar was drawn (tqdm's counter of mini-batches) ...
    assert "Epoch 1/3" in raw and "/150" in raw, raw
    # ... and cleared before each epoch's line: no bar text is left on the screen.
    assert not any("Epoch 1/3" in line or "batch/s" in line for line in lines), lines
    epochs = [line for line in lines if line.startswith("Epoch ")]
    assert [line.split(":")[0] for line in epochs] == ["Epoch 1", "Epoch 2", "Epoch 3"], lines
    for line in epochs:  # "Epoch 1: 263 / 297  train cost 0.0760  test cost 0.0672  0.01 s"
        assert " / 297  train cost " in line and line.endswith(" s"), line
        assert line.count("Epoch") == 1, line
    # The monitor's legend says once what each figure is; each epoch then has a line per layer.
    assert sum("Monitor, per layer l" in line for line in lines) == 1, lines
    legend = "\n".join(lines[: lines.index(epochs[1])])
    for name in ("speed = ‖∂C/∂b^l‖", "saturated =", "update/w ="):
        assert name in legend, legend
    layer_lines = [line for line in lines if line.startswith("  layer ")]
    assert len(layer_lines) == 3 * 2, lines
    assert all("speed " in line and "update/w " in line for line in layer_lines), layer_lines
    assert lines[-1].startswith("Best test accuracy: epoch "), lines


def test_train_quiet_screen_shows_only_the_result() -> None:
    lines, raw = run_in_terminal(
        ["train", "--dataset", "digits", "--epochs", "2", "--seed", "1", "--quiet", "--monitor"]
    )
    assert len(lines) == 1 and lines[0].startswith("Best test accuracy: epoch "), lines
    assert "Epoch" not in raw, raw  # no bar either
