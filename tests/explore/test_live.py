"""Settings changed while a run trains take effect from the next mini-batch without a new
network: the explorer's run then equals a library run that went on from the same state with
the changed options (an independent route: the library's ``Trainer.step`` over the loop's own
order of rows, a new ``Trainer`` with the new options from the mini-batch of the change)."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import pytest

from deltaprop import Network, TrainConfig
from deltaprop.explore.live import checked_change, live_names
from deltaprop.explore.session import Session
from deltaprop.explore.settings import Settings
from deltaprop.training.loop import Trainer
from deltaprop.training.optimizers import get_optimizer
from deltaprop.training.state import TrainState

BASE = {"data": "circle", "points": 200, "hidden": "5,3", "eta": 0.3, "batch_size": 8, "seed": 4}


def steps(session: Session, n: int) -> None:
    """Step the paused (or idle) run ``n`` mini-batches, each recorded."""
    for _ in range(n):
        count = session.batches
        session.control("step")
        deadline = time.monotonic() + 20
        while not (session.record and session.record["step"] == count + 1 and session.resting):
            assert time.monotonic() < deadline, "the step did not come"
            time.sleep(0.01)


def library_run(settings: Settings, before: int, change: dict[str, Any], after: int) -> Network:
    """``before`` mini-batches with ``settings``, then ``after`` with ``change``, by the
    library: each a ``Trainer.step`` on the rows the loop takes in its first epoch (its
    generator's permutation), the second part by a new Trainer with the new options, started
    from the first's optimiser state and generator (an optimiser of another kind starts from
    its own initial state)."""
    data = Session(settings).data
    d = settings
    net = Network(
        d.sizes(data.n_features, data.n_classes),
        d.activation,
        d.output_activation,
        d.cost,
        d.init,
        seed=d.seed,
    )
    config = TrainConfig(**settings.training())
    X, Y = net.check_data(data.X_train, data.targets(data.y_train))
    n, m = X.shape[0], d.batch_size
    assert (before + after) * m <= n  # within the first epoch
    first = Trainer(net, config)
    first.n_samples = n
    order = first.rng.permutation(n)
    rows = [order[b * m : (b + 1) * m] for b in range(before + after)]
    for r in rows[:before]:
        first.step(X[r], Y[r])
    new = dataclasses.replace(config, **change)
    state = first.state.optimizer_state
    if new.optimizer != config.optimizer and {new.optimizer, config.optimizer} != {
        "momentum",
        "nesterov",
    }:
        state = get_optimizer(new.optimizer_object()).init(net.parameters())
    rng = dict(first.rng.bit_generator.state)
    second = Trainer(net, new, state=TrainState(optimizer_state=state, rng_state=rng))
    second.n_samples = n
    for r in rows[before:]:
        second.step(X[r], Y[r])
    return net


@pytest.mark.parametrize(
    ("start", "change"),
    [
        ({}, {"eta": "0.05", "l2": "2"}),
        ({}, {"dropout": "0.3"}),
        ({"optimizer": "momentum", "momentum": 0.8}, {"optimizer": "nesterov", "momentum": "0.5"}),
        ({}, {"optimizer": "adam", "eta": "0.01", "beta1": "0.8"}),
        ({"optimizer": "adam", "eta": 0.01, "dropout": 0.2}, {"epsilon": "0.001", "l1": "1"}),
    ],
)
def test_a_change_while_training_equals_a_library_run_changed_there(start, change):
    settings = Settings.from_dict({**BASE, **start})
    session = Session(settings)
    steps(session, 4)
    typed = checked_change(session.settings, change)
    session.request_change(typed)
    steps(session, 5)
    session.close()
    assert session.changes == [
        {"batch": 4, "what": {k: [getattr(settings, k), v] for k, v in typed.items()}}
    ]
    assert all(getattr(session.settings, k) == v for k, v in typed.items())
    reference = library_run(settings, 4, typed, 5)
    for ours, theirs in zip(
        session.net.weights + session.net.biases, reference.weights + reference.biases
    ):
        np.testing.assert_array_equal(ours, theirs)
    # the record of the mini-batch after the change shows the new settings it used
    r = session.record
    assert r["optimizer"]["eta"] == session.settings.eta
    assert (r["l2"], r["l1"], r["dropout"]) == (
        session.settings.l2,
        session.settings.l1,
        session.settings.dropout,
    )


def test_a_change_while_running_is_marked_at_the_mini_batch_it_followed():
    session = Session(Settings.from_dict(BASE))
    session.control("start")
    while session.batches < 50:
        time.sleep(0.01)
    session.request_change({"eta": 0.05})
    while not session.changes:
        time.sleep(0.01)
    batches = session.batches
    time.sleep(0.2)
    assert session.batches > batches  # it goes on: the same network, no reset
    session.close()
    (mark,) = session.changes
    assert mark["what"] == {"eta": [0.3, 0.05]} and mark["batch"] >= 50
    assert session.settings.eta == 0.05
    assert session.snapshot["changes"] == [mark]


def test_before_the_start_a_change_is_the_runs_settings():
    session = Session(Settings.from_dict(BASE))
    session.request_change({"l2": 1.5})
    assert session.settings.l2 == 1.5 and session.changes == []
    steps(session, 1)
    session.close()
    assert session.record["l2"] == 1.5


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"hidden": "3"}, r"^'hidden' cannot change while a run trains \(only eta, l2, l1"),
        ({"batch_size": 4}, r"^'batch_size' cannot change while a run trains"),
        ({"eta": -1}, r"^eta must be a number in \(0, ∞\); got -1$"),
        (
            {"momentum": "0." + "9" * 5000},
            r"^momentum must be a number in \[0, 1\); got '0\.9{36}…$",
        ),
    ],
)
def test_what_cannot_change_while_training_is_one_line_saying_so(values, message):
    with pytest.raises(ValueError, match=message) as caught:
        checked_change(Settings(), values)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


def test_the_live_settings_are_the_training_options_but_m():
    assert live_names() == (
        "eta",
        "l2",
        "l1",
        "dropout",
        "optimizer",
        "momentum",
        "beta1",
        "beta2",
        "epsilon",
    )
    assert checked_change(Settings(), {"eta": "0.1", "l2": "0"}) == {}  # nothing differs
