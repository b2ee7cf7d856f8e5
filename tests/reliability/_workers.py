"""Processes that the reliability tests start, and kill.

``python _workers.py train CKPT OUT EPOCHS EVERY [DTYPE [WIDTH]]``
    A small training run (fixed data and seeds) with ``checkpoint=CKPT, resume=True`` (CKPT
    ``-``: no checkpoint); prints ``start E`` once training begins at epoch E, and writes
    the final network to OUT. DTYPE (default float32) and the hidden layer's WIDTH
    (default 32) are the network's.
``python _workers.py write CKPT``
    Writes two alternating checkpoints (A, B) over CKPT as fast as it can, for ever;
    prints ``writing`` after the first.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import deltaprop
from deltaprop.training import TrainConfig, TrainState
from deltaprop.training.checkpoint import save_checkpoint


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((600, 20))
    y = np.argmax(X @ rng.standard_normal((20, 5)), axis=1)  # a learnable rule
    return X, y


class Announce(deltaprop.Callback):
    def on_train_begin(self, trainer: Any) -> None:
        print(f"start {trainer.state.epoch}", flush=True)


def train(
    ckpt: str, out: str, epochs: int, every: int, dtype: str = "float32", width: int = 32
) -> None:
    X, y = data()
    net = deltaprop.Network([20, width, 5], dtype=dtype, seed=1)
    options: dict[str, Any] = {}
    if ckpt != "-":
        options = {"checkpoint": ckpt, "checkpoint_every": every, "resume": True}
    net.fit(
        X,
        y,
        epochs=epochs,
        batch_size=10,
        eta=0.5,
        seed=2,
        validation_data=(X[:100], y[:100]),
        callbacks=[Announce()],
        **options,
    )
    net.save(out)


def networks() -> list[deltaprop.Network]:
    """Two networks of about 4 MB each, told apart by their first weight."""
    return [deltaprop.Network([1000, 1000, 10], dtype="float32", seed=s) for s in (0, 1)]


def write(ckpt: str) -> None:
    config = TrainConfig(epochs=2)
    states = [
        TrainState(
            1,
            dict(np.random.default_rng(s).bit_generator.state),
            {},
            deltaprop.History([{"epoch": 1}]),
        )
        for s in (0, 1)
    ]
    nets = networks()
    save_checkpoint(ckpt, nets[0], config, states[0])
    print("writing", flush=True)
    i = 1
    while True:
        save_checkpoint(ckpt, nets[i % 2], config, states[i % 2])
        i += 1


if __name__ == "__main__":
    if sys.argv[1] == "train":
        extra = sys.argv[6:]
        width = int(extra[1]) if len(extra) > 1 else 32
        train(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), *extra[:1], width=width)
    else:
        write(sys.argv[2])
