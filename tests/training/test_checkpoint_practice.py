"""Checkpoints of runs with an optimiser's state, dropout, L2, a schedule and early stopping:
resuming ends bit for bit like an uninterrupted run, and a resumed run keeps its options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from deltaprop import Network
from deltaprop.cli import main
from deltaprop.training.checkpoint import load_checkpoint

RUN: dict[str, Any] = dict(
    batch_size=8,
    eta=0.02,
    optimizer="adam",
    l2=2.0,
    dropout=0.3,
    schedule="plateau",
    plateau_patience=1,
    validation_split=20,
    patience=4,
    seed=5,
)


def _blobs(n: int = 80) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, n)
    return np.eye(3, 4)[y] * 1.5 + 0.9 * rng.standard_normal((n, 4)), y


def _params(net: Network) -> list[bytes]:
    return [p.tobytes() for p in net.weights + net.biases]


@pytest.mark.parametrize("stop_after", [2, 4])
def test_practice_run_resumes_bitwise(tmp_path: Path, stop_after: int) -> None:
    X, y = _blobs()
    ref = Network([4, 6, 3], "tanh", "softmax", "cross-entropy", seed=1)
    ref_history = ref.fit(X, y, epochs=8, **RUN)
    assert len(set(ref_history["eta"])) > 1  # the plateau schedule did halve η

    path = tmp_path / "c.npz"
    Network([4, 6, 3], "tanh", "softmax", "cross-entropy", seed=1).fit(
        X, y, epochs=stop_after, checkpoint=path, **RUN
    )
    ck = load_checkpoint(path)
    assert ck.config.optimizer == "adam" and ck.config.dropout == 0.3
    assert ck.state.schedule_state["scale"] <= 1 and ck.state.stopping_state["best_epoch"] >= 1
    net = Network([4, 6, 3], "tanh", "softmax", "cross-entropy", seed=99)
    history = net.fit(X, y, epochs=8, checkpoint=path, resume=True, **RUN)
    assert _params(net) == _params(ref)  # with the best epoch's weights restored in both
    strip = [{k: v for k, v in r.items() if "seconds" not in k} for r in history]
    assert strip == [{k: v for k, v in r.items() if "seconds" not in k} for r in ref_history]


def test_resume_refuses_other_practice_options(tmp_path: Path) -> None:
    X, y = _blobs()
    path = tmp_path / "c.npz"
    Network([4, 6, 3], seed=1).fit(X, y, epochs=1, checkpoint=path, **RUN)
    for change, message in [
        ({"l2": 1.0}, r"l2=2.0 \(this run: 1.0\)"),
        ({"optimizer": "sgd"}, r"optimizer='adam' \(this run: 'sgd'\)"),
        ({"dropout": 0.0}, r"dropout=0.3 \(this run: 0.0\)"),
    ]:
        with pytest.raises(ValueError, match=message):
            Network([4, 6, 3], seed=1).fit(
                X, y, epochs=2, checkpoint=path, resume=True, **{**RUN, **change}
            )


def test_cli_resume_takes_the_practice_options_from_the_checkpoint(tmp_path: Path, capsys):
    ckpt = str(tmp_path / "c.npz")
    base = ["train", "--dataset", "digits", "--sizes", "64,12,10", "--quiet"]
    assert (
        main(
            [
                *base,
                "--epochs",
                "1",
                "--optimizer",
                "nesterov",
                "--momentum",
                "0.5",
                "--l2",
                "3",
                "--validation",
                "300",
                "--patience",
                "4",
                "--seed",
                "2",
                "--checkpoint",
                ckpt,
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main([*base[:-1], "--epochs", "2", "--checkpoint", ckpt, "--resume"]) == 0
    out = capsys.readouterr().out
    assert "optimizer nesterov (μ 0.5), l2 3, patience 4" in out
    assert "1200 training, 300 validation" in out
    assert load_checkpoint(ckpt).state.epoch == 2
    assert main([*base, "--epochs", "3", "--checkpoint", ckpt, "--resume", "--l2", "5"]) == 1
    assert "cannot change --l2 5.0 (the checkpoint has 3.0)" in capsys.readouterr().err
