"""Atheris fuzz target: the model loader (``deltaprop.load``) on arbitrary bytes.

python fuzz/fuzz_model.py -max_total_time=60 [CORPUS_DIR]
"""

from __future__ import annotations

import atheris

with atheris.instrument_imports(include=["deltaprop", "zipfile", "json"]):
    import numpy as np

    import deltaprop

from _common import deflated, run, scratch  # fuzz/ is sys.path[0] when a target runs as a script


def check(net: deltaprop.Network) -> None:
    for w, b in zip(net.weights, net.biases):
        if not (np.isfinite(w).all() and np.isfinite(b).all()):
            raise AssertionError("a model with non-finite parameters was loaded")


def seeds() -> dict[str, bytes]:
    out = {}
    for i, kwargs in enumerate(
        [
            {"sizes": [3, 2]},
            {
                "sizes": [4, 3, 2],
                "dtype": "float64",
                "output_activation": "softmax",
                "cost": "cross-entropy",
            },
        ]
    ):
        path = scratch(f"model-seed{i}.npz")
        deltaprop.Network(seed=i, **kwargs).save(path)
        out[path.name] = path.read_bytes()
        out[f"deflated-{path.name}"] = deflated(out[path.name])  # compressed members
    return out


if __name__ == "__main__":
    run("model", deltaprop.load, seeds(), check)
