"""``deltaprop train --distributed`` on small synthetic data, with a fault injected into
process 1 at its 5th mini-batch.

Usage: ``mpiexec -n 2 python faulty.py MODE [deltaprop train options]`` where MODE is one of
none, raise (a ValueError), crash (an unexpected exception), hang, kill (SIGKILL), exit
(os._exit), or term (SIGTERM to process 0 alone, at its 5th mini-batch).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

import numpy as np
from mpi4py import MPI

import deltaprop.cli.distributed as cli_distributed
import deltaprop.training.loop as loop
from deltaprop.cli.main import main

MODE = sys.argv[1]
RANK = MPI.COMM_WORLD.Get_rank()
_backward = loop.backward
_calls = 0


def backward(*args: Any, **kwargs: Any) -> Any:
    global _calls
    _calls += 1
    if RANK == 0 and _calls == 5 and MODE == "term":  # SIGTERM to rank 0 alone
        os.kill(os.getpid(), signal.SIGTERM)
    if RANK == 1 and _calls == 5:
        if MODE == "raise":
            raise ValueError("an injected fault")
        if MODE == "crash":
            raise ZeroDivisionError("an injected bug")
        if MODE == "hang":
            time.sleep(600)
        if MODE == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if MODE == "exit":
            os._exit(3)
    return _backward(*args, **kwargs)


def load(args: Any, comm: Any) -> dict[str, Any]:
    """Digits-like data: 64 inputs, 10 classes."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 700)
    X = rng.random((10, 64))[y] + 0.1 * rng.random((700, 64))
    return {"X_train": X[:600], "y_train": y[:600], "X_test": X[600:], "y_test": y[600:]}


cli_distributed._load = load  # type: ignore[assignment]
loop.backward = backward  # type: ignore[assignment]
sys.exit(main(sys.argv[2:]))
