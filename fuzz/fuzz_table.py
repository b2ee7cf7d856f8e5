"""Atheris fuzz target: the reader of the user's tables (``deltaprop.io.tables.read_table``),
``.csv``, ``.npy`` and ``.npz``; an input's first byte picks the format.

python fuzz/fuzz_table.py -max_total_time=60 [CORPUS_DIR]
"""

from __future__ import annotations

import io
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["deltaprop", "csv", "zipfile"]):
    import numpy as np

    from deltaprop.io.tables import Limits, Table, read_table

from _common import run  # fuzz/ is sys.path[0] when a target runs as a script

KINDS = (".csv", ".npy", ".npz")
LIMITS = Limits(max_bytes=1 << 20, max_rows=10_000, max_columns=1000)


def load(path: Path) -> Table:
    if path.suffix != ".input":  # a path that is not a regular file: refused by its name
        return read_table(path, limits=LIMITS)
    data = path.read_bytes()
    kind = KINDS[data[0] % 3] if data else ".csv"
    return read_table("table" + kind, data[1:], limits=LIMITS)


def check(table: Table) -> None:
    if table.X.ndim != 2 or not np.isfinite(table.X).all():
        raise AssertionError(f"read_table returned X of shape {table.X.shape}, not all finite")
    if table.y is not None and table.y.shape != (table.X.shape[0],):
        raise AssertionError(f"y of shape {table.y.shape} for X of {table.X.shape}")
    if table.classes is not None:  # names: distinct, sorted, and every label one of them
        names = list(table.classes)
        if names != sorted(set(names)) or table.y is None or table.y.dtype != np.int64:
            raise AssertionError(f"classes {names[:5]} and labels {table.y!r}")
        if table.y.size and not 0 <= table.y.min() <= table.y.max() < len(names):
            raise AssertionError(f"labels {table.y.min()} … {table.y.max()} for {len(names)}")


def _saved(**arrays: np.ndarray) -> bytes:
    out = io.BytesIO()
    if len(arrays) == 1 and "array" in arrays:
        np.save(out, arrays["array"])
    else:
        np.savez(out, **arrays)
    return out.getvalue()


SEEDS = {
    "header.csv": b"\x00x,y,class\n0.5,1,0\n2,-3,1\n",
    "plain.csv": b"\x00" + b"1,2,0\n3,4,1\n\n5,6,2\n",
    "table.npy": b"\x01" + _saved(array=np.array([[0.5, 1, 0], [2, 3, 1]])),
    "xy.npz": b"\x02" + _saved(X=np.ones((3, 2)), y=np.array([0, 1, 2])),
    "names.csv": b"\x00" + b'5.1,3.5,setosa\n6.3,2.8,"vir,ginica"\n4.9,3,setosa\n',
    "names.npz": b"\x02" + _saved(X=np.ones((3, 2)), y=np.array(["b", "a", "b"])),
}

if __name__ == "__main__":
    run("table", load, SEEDS, check)
