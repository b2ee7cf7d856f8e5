"""Atheris fuzz target: the IDX reader (``deltaprop.io.idx.read_idx``), raw and gzip'd.

python fuzz/fuzz_idx.py -max_total_time=60 [CORPUS_DIR]
"""

from __future__ import annotations

import gzip

import atheris

with atheris.instrument_imports(include=["deltaprop", "gzip", "zlib"]):
    import numpy as np

    from deltaprop.io.idx import read_idx

from _common import run  # fuzz/ is sys.path[0] when a target runs as a script


def idx(array: np.ndarray, code: int) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def check(array: np.ndarray) -> None:
    if not isinstance(array, np.ndarray):
        raise AssertionError(f"read_idx returned {type(array)}")


SEEDS = {
    "images": idx(np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28), 0x08),
    "labels": idx(np.array([3, 1, 4], dtype=np.uint8), 0x08),
    "int16": idx(np.arange(12, dtype=np.int16).reshape(3, 4), 0x0B),
    "float64": idx(np.linspace(0, 1, 6).reshape(1, 2, 3, 1), 0x0E),
}
SEEDS.update({name + ".gz": gzip.compress(blob, mtime=0) for name, blob in list(SEEDS.items())})

if __name__ == "__main__":
    run("idx", read_idx, SEEDS, check)
