"""Strong scaling of data-parallel training: one global mini-batch split over 1 and 2 processes.

    flock /tmp/deltaprop-bench.lock python benchmarks/scaling.py [--sizes 784,1024,1024,10]
        [--batch 256] [--steps 40] [--procs 1,2]

Trains the same network on the same mini-batches (MNIST from $DELTAPROP_DATA if found, else
random data of MNIST's shape: the arithmetic is the same) in several ways, each in its own
process(es), all in this run:

- ``plain``: ``Network.fit`` in one process, no MPI, BLAS with 1 thread and with one thread
  per core (the peers a distributed run must beat);
- ``mpi N``: ``fit_distributed`` under ``mpiexec -n N``, BLAS with 1 thread per process;
- ``plain, m/N rows``: one process on mini-batches of m/N rows, the compute each process of
  an N-process run has to do, measured alone (its speed-up column is not a speed-up).

Each does one warm-up epoch of ``steps`` mini-batches, then a timed one. It prints the time
per step; the part of it spent in the gradient all-reduce, measured inside the run (so it
includes waiting for the slowest process); the all-reduce alone, timed after a barrier, as
training does it (polled against a deadline) and as MPI's blocking call; the rows and the
private memory each process holds; and speed-ups against the one-thread single process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def _write_data(directory: Path, n: int, n_in: int, n_out: int) -> str:
    """The first n MNIST training rows (random data of that shape without MNIST) as .npy
    files that every run maps; returns the data's name."""
    if n_in == 784 and n_out == 10 and os.environ.get("DELTAPROP_DATA"):
        from deltaprop.io.mnist import load_mnist

        data = load_mnist(dtype="float32")
        X, y, source = data.X_train[:n], data.y_train[:n], "MNIST"
    else:
        rng = np.random.default_rng(0)
        X, y, source = rng.random((n, n_in), dtype=np.float32), rng.integers(0, n_out, n), "random"
    np.save(directory / "X.npy", X)
    np.save(directory / "y.npy", y)
    return source


def _rss_anon_mb() -> float:
    """Private (anonymous) resident memory of this process, MB; NaN where unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def worker(args: argparse.Namespace) -> None:
    from deltaprop import Callback, Network

    sizes = [int(s) for s in args.sizes.split(",")]
    n = args.steps * args.batch  # rows for `steps` mini-batches an epoch
    X = np.load(Path(args.data) / "X.npy", mmap_mode="r")[:n]  # each process reads its rows
    y = np.load(Path(args.data) / "y.npy", mmap_mode="r")[:n]
    net = Network(
        sizes,
        activation="relu",
        output_activation="softmax",
        cost="cross-entropy",
        init="scaled",
        seed=0,
    )
    options = dict(epochs=2, batch_size=args.batch, eta=0.1, seed=0)
    result: dict[str, Any] = {"n_parameters": net.n_parameters}
    if args.plain:
        history = net.fit(X, y, **options)
        step_ms = 1e3 * history.rows[1]["seconds"] / args.steps
        result.update(
            step_ms=step_ms,
            comm_ms=0.0,
            allreduce_ms=0.0,
            blocking_ms=0.0,
            rows=X.shape[0],
            rss_mb=_rss_anon_mb(),
        )
        print("RESULT " + json.dumps(result), flush=True)
        return
    from deltaprop.scale import Communicator, fit_distributed

    comm = Communicator(timeout=300)

    class CommClock(Callback):  # the all-reduce time of each epoch
        def __init__(self) -> None:
            self.marks = [0.0]

        def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
            self.marks.append(comm.allreduce_seconds)

    clock = CommClock()
    history = fit_distributed(net, X, y, callbacks=[clock], comm=comm, **options)
    step_ms = 1e3 * history.rows[1]["seconds"] / args.steps
    comm_ms = 1e3 * (clock.marks[2] - clock.marks[1]) / args.steps
    buffer = np.ones(net.n_parameters + 2, dtype=np.float32)  # the all-reduce alone
    comm.comm.Barrier()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        comm.allreduce_sum(buffer, "timing")
    allreduce_ms = 1e3 * (time.perf_counter() - t0) / args.steps
    comm.comm.Barrier()
    t0 = time.perf_counter()
    for _ in range(args.steps):  # MPI's own blocking call, no deadline, for comparison
        comm.comm.Allreduce(comm.MPI.IN_PLACE, buffer, op=comm.MPI.SUM)
    blocking_ms = 1e3 * (time.perf_counter() - t0) / args.steps
    rows = args.steps * args.batch // comm.size
    mine = (step_ms, comm_ms, allreduce_ms, blocking_ms, rows, _rss_anon_mb())
    everyone = comm.allgather_object(mine, "gathering the timings")
    if comm.rank == 0:
        columns = list(zip(*everyone))
        keys = ("step_ms", "comm_ms", "allreduce_ms", "blocking_ms", "rows", "rss_mb")
        result.update({key: max(column) for key, column in zip(keys, columns)})
        print("RESULT " + json.dumps(result), flush=True)


_MATMUL = """
import time, numpy as np
a, w = np.ones((128, 1024), np.float32), np.ones((1024, 1024), np.float32)
for _ in range(20): a @ w
t = time.perf_counter()
for _ in range(300): a @ w
print((time.perf_counter() - t) / 300)
"""


def _capacity(cores: int) -> float:
    """How many cores' worth of arithmetic this machine gives now: ``cores`` single-thread
    matrix-product loops run at once, against one alone (other users' work lowers it)."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}

    def start() -> subprocess.Popen[str]:
        command = [sys.executable, "-c", _MATMUL]
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)

    alone = float(start().communicate()[0])
    jobs = [start() for _ in range(cores)]
    together = [float(job.communicate()[0]) for job in jobs]
    return sum(alone / t for t in together)


def _run(command: list[str], threads: int) -> dict[str, Any]:
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="784,1024,1024,10")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--procs", default="1,2")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    cores = os.cpu_count() or 1
    mpiexec = shutil.which(
        "mpiexec", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    )
    sizes = [int(s) for s in args.sizes.split(",")]
    directory = Path(tempfile.mkdtemp(prefix="deltaprop-scaling-"))
    source = _write_data(directory, args.steps * args.batch, sizes[0], sizes[-1])
    me = [
        sys.executable,
        __file__,
        "--worker",
        "--sizes",
        args.sizes,
        "--data",
        str(directory),
        "--batch",
        str(args.batch),
        "--steps",
        str(args.steps),
    ]
    try:
        before = _capacity(cores)
        runs = _runs(me, args.procs, cores, mpiexec)
        after = _capacity(cores)
    finally:
        shutil.rmtree(directory)
    _report(runs, args, source, cores)
    print(
        f"{cores} single-thread matrix-product loops at once did the work of {before:.2f} "
        f"cores before these runs and {after:.2f} after (other work on the machine lowers it)"
    )


def _runs(me: list[str], procs: str, cores: int, mpiexec: str | None) -> list[Any]:
    runs = [("plain, 1 BLAS thread", 1, _run([*me, "--plain"], 1))]
    runs.append((f"plain, {cores} BLAS threads", cores, _run([*me, "--plain"], cores)))
    if mpiexec is None:
        print("no mpiexec on PATH: install the mpi extra (pip install 'deltaprop[mpi]')")
    else:
        for n in (int(p) for p in procs.split(",")):
            name = f"mpi, {n} processes x 1 thread"
            runs.append((name, n, _run([mpiexec, "-n", str(n), *me], 1)))
    for n in (int(p) for p in procs.split(",")):
        if n > 1:  # the compute a process of an n-process run would need, measured alone
            batch = me.index("--batch") + 1
            part = [*me[:batch], str(int(me[batch]) // n), *me[batch + 1 :], "--plain"]
            runs.append((f"plain, 1 thread, m/{n} rows", 1, _run(part, 1)))
    return runs


def _report(runs: list[Any], args: argparse.Namespace, source: str, cores: int) -> None:
    base = runs[0][2]["step_ms"]
    print(
        f"network {args.sizes} ({runs[0][2]['n_parameters']:,} parameters), global "
        f"mini-batch {args.batch}, float32, {source} data, {args.steps} timed steps; "
        f"{cores} cores; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'run':30} {'ms/step':>8} {'comm ms':>8} {'comm %':>7} {'allreduce':>9} "
        f"{'blocking':>8} {'speed-up':>8} {'effic.':>7} {'rows/proc':>9} {'RssAnon MB':>10}"
    )
    for name, used, r in runs:
        speedup = base / r["step_ms"]
        share = 100 * r["comm_ms"] / r["step_ms"]
        print(
            f"{name:30} {r['step_ms']:8.1f} {r['comm_ms']:8.2f} {share:6.1f}% "
            f"{r['allreduce_ms']:9.2f} {r['blocking_ms']:8.2f} {speedup:8.2f} "
            f"{speedup / used:6.0%} {r['rows']:9d} {r['rss_mb']:10.0f}"
        )


if __name__ == "__main__":
    main()
