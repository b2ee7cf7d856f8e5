"""``deltaprop train --checkpoint``: Ctrl-C (SIGINT) and SIGTERM stop a real process cleanly,
keep the last completed epoch and print the command that resumes it; resuming twice ends
with the same network, bit for bit, as a run never interrupted."""

from __future__ import annotations

import gzip
import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import deltaprop
from deltaprop.training.checkpoint import load_checkpoint

ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
EPOCHS = 30


def write_mnist(directory: Path, n_train: int = 1500, n_test: int = 100) -> Path:
    """Four small IDX files in MNIST's layout, with a learnable rule in the pixels."""
    rng = np.random.default_rng(0)
    directory.mkdir()
    for stem, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 64, (n, 28, 28)).astype(np.uint8)
        images[np.arange(n), labels, :] = 255  # row `label` lit up
        for kind, array, magic in (("images", images, 3), ("labels", labels, 1)):
            header = bytes([0, 0, 8, magic]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
            name = f"{stem}-{kind}-idx{magic}-ubyte.gz"
            (directory / name).write_bytes(gzip.compress(header + array.tobytes(), mtime=0))
    return directory


def deltaprop_train(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "deltaprop", "train", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )


def stop_after(process: subprocess.Popen[str], line: str, sig: int) -> tuple[str, str]:
    """Send ``sig`` once the process prints a line starting with ``line``."""
    assert process.stdout is not None
    seen = []
    for text in process.stdout:
        seen.append(text)
        if text.startswith(line):
            process.send_signal(sig)
            break
    out, err = process.communicate(timeout=120)
    return "".join(seen) + out, err


def resume_command(err: str) -> list[str]:
    lines = err.splitlines()
    i = next(i for i, line in enumerate(lines) if line.endswith("Resume with:"))
    argv = shlex.split(lines[i + 1])
    assert argv[:2] == ["deltaprop", "train"]
    return argv[2:]


def parameters(path: Path) -> list[bytes]:
    net = deltaprop.load(path)
    return [p.tobytes() for p in net.weights + net.biases]


def test_sigint_and_sigterm_save_print_how_to_resume_and_resume_bitwise(tmp_path: Path) -> None:
    data = str(write_mnist(tmp_path / "mnist"))
    common = ["--data-dir", data, "--sizes", "784,16,10", "--epochs", str(EPOCHS), "--seed", "5"]
    reference = deltaprop_train(*common, "--quiet", "--save", str(tmp_path / "ref.npz"))
    assert reference.wait(timeout=300) == 0, reference.communicate()
    reference.communicate()

    ckpt, final = tmp_path / "run" / "ckpt.npz", tmp_path / "final.npz"
    first = deltaprop_train(
        *common, "--checkpoint", str(ckpt), "--checkpoint-every", "4", "--save", str(final)
    )
    out, err = stop_after(first, "Epoch 3:", signal.SIGINT)
    assert first.returncode == 130, err
    saved = load_checkpoint(ckpt).state.epoch
    assert 3 <= saved < EPOCHS  # epoch 3 (or later) was kept although it was not due
    assert f"Interrupted: {ckpt} holds {saved} of {EPOCHS} epochs. Resume with:" in err
    assert err.rstrip().endswith("deltaprop train: interrupted")
    assert "Traceback" not in err and not final.exists()

    argv = resume_command(err)
    assert argv[:3] == ["--checkpoint", str(ckpt), "--resume"] and "--save" in argv
    second = deltaprop_train(*argv)
    out, err = stop_after(second, f"Epoch {saved + 2}:", signal.SIGTERM)
    assert second.returncode == 130, err
    assert f"Resuming from {ckpt}: {saved} epochs done" in out
    assert saved + 2 <= load_checkpoint(ckpt).state.epoch < EPOCHS

    third = deltaprop_train(*resume_command(err))
    out, err = third.communicate(timeout=300)
    assert third.returncode == 0, err
    assert f"Saved the network to {final}" in out
    assert parameters(final) == parameters(tmp_path / "ref.npz")
    assert load_checkpoint(ckpt).state.epoch == EPOCHS
    assert sorted(p.name for p in ckpt.parent.iterdir()) == ["ckpt.npz"]


def test_sigint_without_a_checkpoint_writes_what_was_asked(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    data = str(write_mnist(tmp_path / "mnist"))
    common = ["--data-dir", data, "--sizes", "784,16,10", "--seed", "5"]
    model, plots, report = tmp_path / "m.npz", tmp_path / "run", tmp_path / "r.html"
    run = deltaprop_train(
        *common,
        "--epochs",
        "500",
        "--save",
        str(model),
        "--monitor",
        "--plots",
        str(plots),
        "--report",
        str(report),
    )
    out, err = stop_after(run, "Epoch 7:", signal.SIGINT)
    assert run.returncode == 130, err
    assert "Traceback" not in err
    epochs = len(json.loads((plots / "run.json").read_text())["history"]["epoch"])
    assert 7 <= epochs < 500
    assert f"writing what was asked for the {epochs} epoch(s) done" in err
    assert f"Saved the network to {model}" in out and report.is_file()
    # the network is that of the last completed epoch: a run of that many epochs ends there
    reference = deltaprop_train(
        *common, "--epochs", str(epochs), "--quiet", "--save", str(tmp_path / "ref.npz")
    )
    assert reference.wait(timeout=300) == 0, reference.communicate()
    reference.communicate()
    assert parameters(model) == parameters(tmp_path / "ref.npz")
    assert parameters(plots / "network.npz") == parameters(model)
