"""Atheris fuzz target: the checkpoint loader
(``deltaprop.training.checkpoint.load_checkpoint``) on arbitrary bytes.

    python fuzz/fuzz_checkpoint.py -max_total_time=60 [CORPUS_DIR]
"""

from __future__ import annotations

import math

import atheris

with atheris.instrument_imports(include=["deltaprop", "zipfile", "json"]):
    import numpy as np

    import deltaprop
    from deltaprop.training import TrainConfig, TrainState
    from deltaprop.training.checkpoint import CheckpointData, load_checkpoint, save_checkpoint

from _common import deflated, run, scratch  # fuzz/ is sys.path[0] when a target runs as a script


def check(ck: CheckpointData) -> None:
    for p in ck.network.weights + ck.network.biases:
        if not np.isfinite(p).all():
            raise AssertionError("a checkpoint with non-finite parameters was loaded")
    if len(ck.state.history) != ck.state.epoch:
        raise AssertionError("history and epoch disagree")


def seeds() -> dict[str, bytes]:
    net = deltaprop.Network([3, 4, 2], dtype="float64", seed=0)
    params = [*net.weights, *net.biases]
    state = TrainState(
        2,
        dict(np.random.default_rng(0).bit_generator.state),
        {"velocity": [np.ones_like(p) for p in params], "t": np.int64(3), "pair": (1, 2.0)},
        deltaprop.History([{"epoch": 1, "train_cost": 0.5}, {"epoch": 2, "val_cost": math.nan}]),
    )
    path = scratch("checkpoint-seed.npz")
    save_checkpoint(
        path,
        net,
        TrainConfig(epochs=3, seed=1),
        state,
        optimizer="momentum",
        data={"n": 10, "fingerprint": "0f" * 16},
    )
    blob = path.read_bytes()
    return {path.name: blob, f"deflated-{path.name}": deflated(blob)}  # compressed members


if __name__ == "__main__":
    run("checkpoint", load_checkpoint, seeds(), check)
