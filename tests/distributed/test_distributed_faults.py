"""A process that fails, hangs or dies ends the whole ``deltaprop train --distributed`` job
with a clear error instead of leaving the others waiting. These tests launch MPI jobs of two
processes, so they run from a plain ``pytest`` (a job of one) and are skipped inside a larger
job; a job still running after 90 s is killed and the test fails."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.mpi
FAULTY = str(Path(__file__).parent / "faulty.py")
TRAIN = ["train", "--distributed", "--epochs", "2", "--quiet", "--seed", "1", "--timeout", "10"]


@pytest.fixture(autouse=True)
def _alone(comm: Any) -> None:
    if comm.size > 1:
        pytest.skip("launches its own MPI jobs: run from a plain pytest")


def launch(args: list[str], n: int = 2, timeout: float = 90) -> tuple[int, str, float]:
    """Run ``mpiexec -n N python ARGS``; return (status, stdout + stderr, seconds)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    mpiexec = shutil.which("mpiexec", path=path)
    if mpiexec is None:
        pytest.skip("no mpiexec on PATH")
    start = time.monotonic()
    job = subprocess.Popen(
        [mpiexec, "-n", str(n), sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = job.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(job.pid, signal.SIGKILL)
        out, _ = job.communicate()
        pytest.fail(f"the job hung for {timeout} s:\n{out}")
    return job.returncode, out, time.monotonic() - start


def test_a_healthy_job_prints_once_and_succeeds():
    status, out, _ = launch([FAULTY, "none", *TRAIN])
    assert status == 0, out
    assert out.count("Best test accuracy: epoch") == 1 and "distributed over" not in out  # --quiet
    status, out, _ = launch([FAULTY, "none", *(a for a in TRAIN if a != "--quiet")])
    assert status == 0, out
    assert (
        out.count("distributed over 2 processes") == 1
        and out.count("Best test accuracy: epoch") == 1
    )


def test_sigterm_to_rank_zero_alone_ends_the_job_at_once(tmp_path: Any):
    checkpoint = ["--checkpoint", str(tmp_path / "ck.npz")]  # SIGTERM then saves and stops
    status, out, _ = launch([FAULTY, "term", *TRAIN, *checkpoint])
    assert status != 0
    assert "deltaprop train: interrupted (process 0 of 2): ending the job" in out
    assert "no answer from the other processes" not in out  # nobody waited for --timeout


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("raise", "deltaprop train: error (process 1 of 2): an injected fault"),
        (
            "hang",
            "deltaprop train: error: process 0 of 2: no answer from the other processes "
            "within 10 s while combining the gradients in epoch 1, mini-batch 5",
        ),
        ("kill", "signal 9"),
        pytest.param("crash", "ZeroDivisionError: an injected bug", marks=pytest.mark.slow),
        pytest.param("exit", "", marks=pytest.mark.slow),
    ],
)
def test_a_failing_process_ends_the_job_with_a_clear_error(mode: str, expected: str):
    status, out, seconds = launch([FAULTY, mode, *TRAIN])
    assert status != 0
    assert expected in out
    assert "Best test accuracy: epoch" not in out
    assert seconds < 50  # not the 600 s the hung process sleeps
