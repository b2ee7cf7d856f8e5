"""Real processes killed with SIGKILL at random moments: a resumed run ends with the same
weights, bit for bit, as one never interrupted, and a checkpoint is never torn.

Kill points are drawn uniformly over the length of an uninterrupted run, measured from the
moment the worker starts training (after its imports), so they land in epochs, between
them and during checkpoint writes. Each chain of kills ends with a run to completion whose
final weights are compared with the reference.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import deltaprop
from deltaprop.errors import FormatError
from deltaprop.training.checkpoint import load_checkpoint

WORKER = str(Path(__file__).with_name("_workers.py"))
EPOCHS = 40
# one BLAS thread for every process: results are bitwise reproducible for a given thread count
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, WORKER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )


def wait_for_line(process: subprocess.Popen[str], prefix: str) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith(prefix):
        _, err = process.communicate(timeout=60)
        raise AssertionError(f"worker said {line!r}, stderr:\n{err}")
    return line


def weights(path: Path) -> list[bytes]:
    net = deltaprop.load(path)
    return [p.tobytes() for p in net.weights + net.biases]


@dataclass
class Record:
    kills: list[tuple[float, int]] = field(default_factory=list)  # (seconds in, epoch saved)
    chains: int = 0
    identical: int = 0


def run_chains(tmp_path: Path, n_kills: int, every: int, seed: int) -> Record:
    reference = tmp_path / "reference.npz"
    process = start("train", "-", str(reference), str(EPOCHS), "1")
    wait_for_line(process, "start 0")
    t0 = time.perf_counter()
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    duration = time.perf_counter() - t0  # an uninterrupted run, imports excluded
    expected = weights(reference)

    rng = random.Random(seed)
    record = Record()
    while len(record.kills) < n_kills:
        record.chains += 1
        ckpt, out = tmp_path / f"chain{record.chains}" / "ckpt.npz", tmp_path / "out.npz"
        out.unlink(missing_ok=True)
        while True:  # kill, resume, kill, ... until a run finishes before its kill
            process = start("train", str(ckpt), str(out), str(EPOCHS), str(every))
            wait_for_line(process, "start")
            delay = rng.uniform(0, duration)
            try:
                process.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
            _, err = process.communicate(timeout=60)
            if process.returncode == 0:  # finished before its kill
                break
            assert process.returncode == -signal.SIGKILL, err
            try:  # the file is the previous checkpoint or the new one, never torn
                epoch = load_checkpoint(ckpt).state.epoch
            except FileNotFoundError:
                epoch = 0
            except FormatError as exc:  # pragma: no cover - the failure this test hunts
                raise AssertionError(f"torn checkpoint, kill at {delay:.3f} s: {exc}") from exc
            record.kills.append((delay, epoch))
        assert load_checkpoint(ckpt).state.epoch == EPOCHS
        assert weights(out) == expected, f"chain {record.chains} differs from the reference"
        record.identical += 1
    return record


def test_sigkill_at_random_points_resumes_bitwise(tmp_path: Path) -> None:
    record = run_chains(tmp_path, n_kills=3, every=1, seed=0)
    assert record.identical == record.chains >= 1


@pytest.mark.slow
@pytest.mark.parametrize("every", [1, 3])
def test_sigkill_at_many_random_points_resumes_bitwise(tmp_path: Path, every: int) -> None:
    record = run_chains(tmp_path, n_kills=25, every=every, seed=every)
    epochs = sorted(epoch for _, epoch in record.kills)
    print(
        f"\ncheckpoint_every={every}: {len(record.kills)} SIGKILLs in {record.chains} chains, "
        f"{record.identical}/{record.chains} final weights bitwise identical; epochs on disk "
        f"at the kills: {epochs}"
    )
    assert record.identical == record.chains
    assert len({epoch for _, epoch in record.kills}) > 5  # the kills are spread over the run


def test_a_checkpoint_killed_mid_write_is_the_old_or_the_new_one(tmp_path: Path) -> None:
    kills = int(os.environ.get("DELTAPROP_WRITE_KILLS", "4"))
    _kill_writers(tmp_path, kills, seed=0)


@pytest.mark.slow
def test_many_kills_mid_write(tmp_path: Path) -> None:
    torn_candidates = _kill_writers(tmp_path, 40, seed=1)
    print(f"\n40 SIGKILLs of a checkpoint writer, {torn_candidates} of them mid-write")


def _kill_writers(tmp_path: Path, kills: int, seed: int) -> int:
    """Kill a process rewriting a 4 MB checkpoint; return how many kills left a partial
    temporary file (that is, struck in the middle of a write)."""
    from deltaprop.training.checkpoint import remove_stale_temporaries

    sys.path.insert(0, str(Path(WORKER).parent))
    try:
        from _workers import networks
    finally:
        sys.path.pop(0)
    versions = [[p.tobytes() for p in n.weights + n.biases] for n in networks()]
    ckpt = tmp_path / "ckpt.npz"
    rng = random.Random(seed)
    mid_write = 0
    for _ in range(kills):
        process = start("write", str(ckpt))
        wait_for_line(process, "writing")
        time.sleep(rng.uniform(0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        net = load_checkpoint(ckpt).network  # never a FormatError
        assert [p.tobytes() for p in net.weights + net.biases] in versions
        mid_write += bool(remove_stale_temporaries(ckpt))
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]
    return mid_write
