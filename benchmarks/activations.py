"""What σ and σ' cost a training step: deltaprop's against the formulas it replaced.

    python benchmarks/activations.py                   # (256, 1024) and (10, 30), both dtypes
    python benchmarks/activations.py --shapes 256,1024 --dtypes float32 --rounds 9

For each shape and dtype, every contender computes σ(z) and σ'(z) of the same z (drawn from
N(0, 4²), so that a quarter of the entries are in the tails) into preallocated arrays, the way
the training step does:

- ``tanh pair``: σ = ½(1 + tanh(z/2)) and σ' = a(1 − a), the first formulas (inaccurate: σ
  rounds to 0 for z ≤ −20 in float32 and σ' to 0 for z ≥ 17);
- ``previous``: σ = e^min(z,0)/(1 + e^−|z|) and σ' = e/(1 + e)² with e = e^−|z| computed
  again, the accurate formulas as first written;
- ``deltaprop``: ``Sigmoid().value_and_prime``, σ and σ' from one exponential, what the
  forward pass calls (σ' is then kept for BP1 and BP2);

and likewise for tanh (``1 − a²`` pair, ``4σ'(2z)`` previous, ``Tanh().value_and_prime``).
Each time is the fastest of ``--rounds`` rounds of CPU time (``time.thread_time``, so that
other processes on the machine slow it less than wall-clock time), the contenders alternating
round by round. It prints µs per call (σ and σ' together) and the ratio to the first pair.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from deltaprop.core.activations import get_activation


def _tanh_pair(z: np.ndarray, a: np.ndarray, sp: np.ndarray) -> None:
    half, one = np.asarray(0.5, z.dtype), np.asarray(1.0, z.dtype)
    np.multiply(z, half, out=a)
    np.tanh(a, out=a)
    a *= half
    a += half  # ½(1 + tanh(z/2))
    np.subtract(one, a, out=sp)
    sp *= a  # a(1 − a)


def _previous_sigmoid(z: np.ndarray, a: np.ndarray, sp: np.ndarray) -> None:
    one, zero, minus = (np.asarray(v, z.dtype) for v in (1.0, 0.0, -1.0))
    e = np.copysign(z, minus)  # −|z|, a new array
    np.exp(e, out=e)
    e += one
    np.minimum(z, zero, out=a)
    np.exp(a, out=a)
    np.divide(a, e, out=a)  # e^min(z,0) / (1 + e^−|z|)
    np.copysign(z, minus, out=sp)
    np.exp(sp, out=sp)
    d = sp + one  # a new array
    np.divide(sp, d, out=sp)
    np.divide(sp, d, out=sp)  # e/(1 + e)²


def _old_tanh(z: np.ndarray, a: np.ndarray, sp: np.ndarray) -> None:
    np.tanh(z, out=a)
    np.multiply(a, a, out=sp)
    np.subtract(np.asarray(1.0, z.dtype), sp, out=sp)  # 1 − a²


def _previous_tanh(z: np.ndarray, a: np.ndarray, sp: np.ndarray) -> None:
    np.tanh(z, out=a)
    one, minus, four = (np.asarray(v, z.dtype) for v in (1.0, -1.0, 4.0))
    np.multiply(z, np.asarray(2.0, z.dtype), out=sp)  # 4σ'(2z), σ' as ``previous``
    np.copysign(sp, minus, out=sp)
    np.exp(sp, out=sp)
    d = sp + one
    np.divide(sp, d, out=sp)
    np.divide(sp, d, out=sp)
    sp *= four


def _deltaprop(name: str) -> Callable[[np.ndarray, np.ndarray, np.ndarray], None]:
    act = get_activation(name)

    def run(z: np.ndarray, a: np.ndarray, sp: np.ndarray) -> None:
        act.value_and_prime(z, np, a, sp)

    return run


CONTENDERS = {
    "sigmoid": {
        "tanh pair": _tanh_pair,
        "previous": _previous_sigmoid,
        "deltaprop": _deltaprop("sigmoid"),
    },
    "tanh": {
        "1 - a^2 pair": _old_tanh,
        "previous": _previous_tanh,
        "deltaprop": _deltaprop("tanh"),
    },
}


def _time(run: Callable[..., None], z: np.ndarray, calls: int) -> float:
    a, sp = np.empty_like(z), np.empty_like(z)
    run(z, a, sp)  # warm
    t0 = time.thread_time()
    for _ in range(calls):
        run(z, a, sp)
    return (time.thread_time() - t0) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="*", default=["256,1024", "10,30"])
    parser.add_argument("--dtypes", nargs="*", default=["float32", "float64"])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    rounds = args.rounds
    print(f"NumPy {np.__version__}; µs per call of σ and σ' together, fastest of {rounds} rounds")
    for shape_text in args.shapes:
        shape = tuple(int(k) for k in shape_text.split(","))
        calls = max(20, 4_000_000 // (shape[0] * shape[1]))
        for dtype in args.dtypes:
            z = np.random.default_rng(0).normal(0.0, 4.0, shape).astype(dtype)
            for name, contenders in CONTENDERS.items():
                best = dict.fromkeys(contenders, float("inf"))
                with np.errstate(all="ignore"):  # the first formulas' tails under- and overflow
                    for _ in range(rounds):
                        for label, run in contenders.items():
                            best[label] = min(best[label], _time(run, z, calls))
                first = next(iter(best.values()))
                cells = ", ".join(f"{k} {v:.1f} ({v / first:.2f})" for k, v in best.items())
                print(f"  {shape_text} {dtype} {name}: {cells}")


if __name__ == "__main__":
    main()
