"""One list of training options: optimiser and schedule objects contribute their settings to
the TrainConfig, a checkpoint records the options the run used, and a resume with anything
different is refused naming the option and both values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from deltaprop import Network, TrainConfig
from deltaprop.training.checkpoint import load_checkpoint
from deltaprop.training.optimizers import Adam, Momentum
from deltaprop.training.schedules import Plateau


def blobs(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, n)
    return 2.0 * rng.standard_normal((3, 4))[y] + 0.5 * rng.standard_normal((n, 4)), y


def params(net: Network) -> list[bytes]:
    return [p.tobytes() for p in net.weights + net.biases]


@pytest.mark.parametrize(
    ("given", "field", "value"),
    [
        ({"optimizer": Momentum(0.5)}, "momentum", 0.5),
        ({"optimizer": Adam(beta1=0.5)}, "beta1", 0.5),
        ({"schedule": Plateau(patience=3, factor=0.25)}, "plateau_factor", 0.25),
    ],
)
def test_objects_contribute_their_settings(given: dict[str, Any], field: str, value: Any) -> None:
    config, optimizer, schedule = TrainConfig.with_objects(**given)
    assert getattr(config, field) == value and optimizer is None and schedule is None
    name = next(iter(given))
    assert getattr(config, name) == given[name].name
    rebuilt = config.optimizer_object() if name == "optimizer" else config.schedule_object()
    assert rebuilt == given[name]


def test_an_object_and_a_contradicting_option_are_refused() -> None:
    with pytest.raises(ValueError, match=r"momentum=0.9 contradicts optimizer=Momentum"):
        TrainConfig.with_objects(optimizer=Momentum(0.5), momentum=0.9)


@pytest.mark.parametrize(
    ("first", "second", "named"),
    [
        (
            {"optimizer": Momentum(0.5)},
            {"optimizer": "momentum"},
            r"momentum=0.5 \(this run: 0.9\)",
        ),
        ({"optimizer": Adam(beta1=0.5)}, {"optimizer": "adam"}, r"beta1=0.5 \(this run: 0.9\)"),
        (
            {"schedule": Plateau(patience=3), "validation_split": 10},
            {"schedule": "plateau", "validation_split": 10},
            r"plateau_patience=3 \(this run: 10\)",
        ),
    ],
)
def test_a_resume_with_other_settings_is_refused(
    tmp_path: Path, first: dict[str, Any], second: dict[str, Any], named: str
) -> None:
    X, y = blobs()
    path = tmp_path / "run.npz"
    Network([4, 5, 3], seed=0).fit(X, y, epochs=1, eta=0.1, seed=1, checkpoint=path, **first)
    with pytest.raises(ValueError, match=named):
        Network([4, 5, 3], seed=0).fit(
            X, y, epochs=2, eta=0.1, seed=1, checkpoint=path, resume=True, **second
        )


def test_a_resume_with_the_same_objects_ends_bit_for_bit_where_the_whole_run_ends(
    tmp_path: Path,
) -> None:
    X, y = blobs()
    options = {
        "batch_size": 7,
        "eta": 0.05,
        "seed": 2,
        "optimizer": Adam(beta1=0.5),
        "schedule": Plateau(patience=1, factor=0.5),
        "validation_split": 12,
    }
    whole = Network([4, 5, 3], seed=0)
    whole.fit(X, y, epochs=4, **options)
    path = tmp_path / "run.npz"
    Network([4, 5, 3], seed=0).fit(X, y, epochs=2, checkpoint=path, **options)
    assert load_checkpoint(path).config.beta1 == 0.5  # what the run used is recorded
    resumed = Network([4, 5, 3], seed=7)
    resumed.fit(X, y, epochs=4, checkpoint=path, resume=True, **options)
    assert params(resumed) == params(whole)


def test_a_run_that_stopped_itself_is_finished(tmp_path: Path) -> None:
    X, y = blobs(90)
    options = {
        "epochs": 40,
        "batch_size": 10,
        "eta": 6.0,
        "seed": 3,
        "validation_split": 30,
        "patience": 1,
    }
    path = tmp_path / "run.npz"
    net = Network([4, 5, 3], seed=0)
    history = net.fit(X, y, checkpoint=path, **options)
    assert len(history) < 40 and "stopped" in history.rows[-1]
    ck = load_checkpoint(path)
    assert ck.state.stopped and ck.state.epoch == len(history)
    assert params(ck.network) == params(net)  # the best epoch's weights, as the run returned
    again = Network([4, 5, 3], seed=5)
    more = again.fit(X, y, checkpoint=path, resume=True, **options)
    assert len(more) == len(history)  # nothing more trained
    assert params(again) == params(net)


def test_a_run_a_callback_stopped_goes_on_when_resumed(tmp_path: Path) -> None:
    import deltaprop

    class StopAfterTwo(deltaprop.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool:
            return epoch >= 2

    X, y = blobs()
    path = tmp_path / "run.npz"
    options = {"epochs": 4, "batch_size": 10, "eta": 0.5, "seed": 1}
    history = Network([4, 5, 3], seed=0).fit(
        X, y, checkpoint=path, callbacks=[StopAfterTwo()], **options
    )
    assert len(history) == 2 and load_checkpoint(path).state.stopped is None
    resumed = Network([4, 5, 3], seed=0)
    assert len(resumed.fit(X, y, checkpoint=path, resume=True, **options)) == 4
    whole = Network([4, 5, 3], seed=0)
    whole.fit(X, y, **options)
    assert params(resumed) == params(whole)
