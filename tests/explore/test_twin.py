"""Two runs side by side: the same initial weights and the same mini-batches (checked from
the records), differing in the one setting compared; trained in lockstep, so a pause, a step
or a changed setting lands after the same mini-batch in both; a run that ends leaves the
other to go on."""

from __future__ import annotations

import time

import numpy as np
import pytest

from deltaprop.explore.session import Session
from deltaprop.explore.settings import Settings
from deltaprop.explore.twin import Pair

BASE = {
    "data": "circle",
    "points": 200,
    "hidden": "6",
    "activation": "sigmoid",
    "output_activation": "sigmoid",
    "cost": "quadratic",
    "eta": 0.5,
    "batch_size": 10,
    "seed": 2,
}


def pair(**values: object) -> tuple[Session, Session]:
    settings = Settings.from_dict({**BASE, **values})
    twin = settings.twin()
    assert twin is not None
    first, second = Session(settings), Session(twin)
    Pair(first, second)
    return first, second


def until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def paused_at(runs: tuple[Session, Session], step: int) -> bool:
    return all(r.resting and r.record and r.record["step"] == step for r in runs)


@pytest.mark.parametrize(
    ("name", "versus"),
    [("cost", "cross-entropy"), ("activation", "relu"), ("eta", "3"), ("l2", "5")],
)
def test_both_runs_start_from_the_same_weights_and_mini_batches(name, versus):
    first, second = runs = pair(compare=name, versus=versus)
    assert getattr(second.settings, name) != getattr(first.settings, name)
    assert second.settings.compare == "none"  # the second run compares nothing itself
    first.pair.control("step")
    until(lambda: paused_at(runs, 1))
    a, b = first.record, second.record
    for key in ("weights_before", "biases_before"):
        for wa, wb in zip(a[key], b[key]):
            np.testing.assert_array_equal(wa, wb)
    for step in range(2, 5):  # each mini-batch the same rows in both
        np.testing.assert_array_equal(first.record["x"], second.record["x"])
        np.testing.assert_array_equal(first.record["y"], second.record["y"])
        first.pair.control("step")
        until(lambda: paused_at(runs, step))  # noqa: B023
    # the setting compared made them differ
    assert not np.array_equal(first.record["weights_after"][0], second.record["weights_after"][0])
    for r in runs:
        r.close()


def test_a_pause_while_training_lands_after_the_same_mini_batch_in_both():
    first, second = runs = pair(compare="eta", versus="0.1")
    for _ in range(3):
        first.pair.control("start")
        time.sleep(0.3)
        first.pair.control("pause")
        until(lambda: all(r.resting for r in runs))
        assert first.batches == second.batches == first.record["step"] == second.record["step"]
        np.testing.assert_array_equal(first.record["x"], second.record["x"])
    # a change while training: both from the same mini-batch, but for the setting compared
    first.pair.control("start")
    time.sleep(0.2)
    first.pair.change(({"eta": 0.2, "l2": 1.0}, {"l2": 1.0}))
    until(lambda: first.changes and second.changes)
    first.pair.control("pause")
    until(lambda: all(r.resting for r in runs))
    assert first.changes[0]["batch"] == second.changes[0]["batch"]
    assert (first.settings.eta, first.settings.l2) == (0.2, 1.0)
    assert (second.settings.eta, second.settings.l2) == (0.1, 1.0)
    for r in runs:
        r.close()


def test_when_one_run_ends_the_other_goes_on():
    first, second = pair(
        compare="eta", versus="1e308", output_activation="identity", activation="tanh"
    )
    first.pair.control("start")
    until(lambda: second.state == "failed")
    batches = first.batches
    time.sleep(0.3)
    assert first.state == "running" and first.batches > batches
    first.close()
    assert "training diverged" in second.error


def test_what_cannot_be_compared_is_one_line():
    with pytest.raises(ValueError, match=r"^unknown compare 'hidden'; choose one of: none, cost"):
        Settings.from_dict({"compare": "hidden", "versus": "3"})
    with pytest.raises(ValueError, match=r"^compare: the cross-entropy cost needs"):
        Settings.from_dict(
            {
                "compare": "cost",
                "versus": "cross-entropy",
                "output_activation": "tanh",
                "cost": "quadratic",
            }
        ).twin()
    with pytest.raises(ValueError, match=r"^compare: give the second run's l2 under versus$"):
        Settings.from_dict({"compare": "l2"}).twin()
