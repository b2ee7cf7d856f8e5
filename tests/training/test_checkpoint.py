"""Checkpoints: what they hold, resuming bit for bit, and refusing what does not fit."""

from __future__ import annotations

import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

import deltaprop
from deltaprop import Callback, DivergenceError, FormatError, Network, Step
from deltaprop.io.npzfile import write_npz
from deltaprop.training import Checkpoint, TrainConfig, Trainer, TrainState, fit
from deltaprop.training.checkpoint import load_checkpoint, remove_stale_temporaries, save_checkpoint
from deltaprop.training.history import History
from deltaprop.training.optimizers import Optimizer

FIT = {"batch_size": 7, "eta": 1.5, "seed": 4}


def blobs(n: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.eye(3, 4) * 2
    return centres[y] + 0.4 * rng.standard_normal((n, 4)), y


def params(net: Network) -> list[bytes]:
    return [p.tobytes() for p in net.weights + net.biases]


def without_timing(history: History) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if "seconds" not in k} for row in history]


@dataclass(frozen=True)
class Momentum(Optimizer):
    """A stateful optimiser for the tests: velocity arrays, a step counter, nested data."""

    name: ClassVar[str] = "test-momentum"
    beta: float = 0.9

    def init(self, params: list[Any]) -> dict[str, Any]:
        return {
            "velocity": [np.zeros_like(p) for p in params],
            "t": np.int64(0),
            "extra": {"scale": np.float32(1.0), "pair": (1, 2.5), "note": "plain data"},
        }

    def update(self, params, grads, state, eta, xp) -> None:
        state["t"] = state["t"] + 1
        for p, g, v in zip(params, grads, state["velocity"]):
            v *= self.beta
            v += g
            p -= eta * state["extra"]["scale"] * v


def test_file_round_trip_keeps_every_field_and_type(tmp_path: Path) -> None:
    net = Network([4, 5, 3], dtype="float64", seed=0)
    config = TrainConfig(epochs=9, batch_size=5, eta=0.25, shuffle=False, seed=7)
    rng = np.random.default_rng(3)
    rng.permutation(10)
    opt_state = Momentum().init([*net.weights, *net.biases])
    opt_state["velocity"][0] += 0.5
    rows = [
        {"epoch": 1, "train_cost": 0.5, "val_cost": math.nan, "note": None},
        {"epoch": 2, "train_cost": math.inf, "val_cost": -math.inf, "flag": True},
    ]
    state = TrainState(2, dict(rng.bit_generator.state), opt_state, History(rows))
    data = {"n": 10, "fingerprint": "ab" * 16}
    save_checkpoint(tmp_path / "c.npz", net, config, state, optimizer=Momentum(), data=data)

    back = load_checkpoint(tmp_path / "c.npz")
    assert back.network.config == net.config and params(back.network) == params(net)
    assert back.config == config and back.data == data
    assert back.optimizer == {"name": "test-momentum", "params": {"beta": 0.9}}
    assert back.state.epoch == 2 and back.state.rng_state == rng.bit_generator.state
    got = back.state.history.rows
    assert got[0]["note"] is None and math.isnan(got[0]["val_cost"]) and got[1]["flag"] is True
    assert got[1]["train_cost"] == math.inf and got[1]["val_cost"] == -math.inf
    s = back.state.optimizer_state
    assert [v.tobytes() for v in s["velocity"]] == [v.tobytes() for v in opt_state["velocity"]]
    assert type(s["t"]) is np.int64 and type(s["extra"]["scale"]) is np.float32
    assert s["extra"]["pair"] == (1, 2.5) and type(s["extra"]["pair"]) is tuple
    assert s["extra"]["note"] == "plain data"
    # the network in a checkpoint is also what deltaprop.load reads
    assert params(deltaprop.load(tmp_path / "c.npz")) == params(net)


@pytest.mark.parametrize("every", [1, 2])
@pytest.mark.parametrize("stop_after", [1, 3, 4])
def test_resumed_fit_ends_bitwise_identical(tmp_path: Path, every: int, stop_after: int) -> None:
    X, y = blobs()
    ref = Network([4, 6, 3], seed=1)
    ref_history = ref.fit(X, y, epochs=5, validation_data=(X, y), **FIT)

    path = tmp_path / "run" / "ckpt.npz"  # the directory is created
    first = Network([4, 6, 3], seed=1)
    first.fit(
        X,
        y,
        epochs=stop_after,
        validation_data=(X, y),
        checkpoint=path,
        checkpoint_every=every,
        **FIT,
    )
    assert load_checkpoint(path).state.epoch == stop_after  # the last epoch is always saved
    second = Network([4, 6, 3], seed=123)  # its own initial weights are replaced
    history = second.fit(
        X,
        y,
        epochs=5,
        validation_data=(X, y),
        checkpoint=path,
        resume=True,
        checkpoint_every=every,
        **FIT,
    )
    assert params(second) == params(ref)
    assert without_timing(history) == without_timing(ref_history)
    assert history.keys() == ref_history.keys()  # columns in the same order
    assert load_checkpoint(path).state.epoch == 5


def test_resume_really_restores_the_shuffling_state(tmp_path: Path) -> None:
    """Control for the bitwise tests: a checkpoint whose generator state is replaced resumes
    into other mini-batches and other weights."""
    X, y = blobs()
    ref = Network([4, 6, 3], seed=1)
    ref.fit(X, y, epochs=4, **FIT)
    path = tmp_path / "c.npz"
    Network([4, 6, 3], seed=1).fit(X, y, epochs=2, checkpoint=path, **FIT)
    meta, arrays = _raw(path)
    meta["rng_state"] = dict(np.random.default_rng(99).bit_generator.state)
    write_npz(path, arrays, meta)
    net = Network([4, 6, 3], seed=1)
    net.fit(X, y, epochs=4, checkpoint=path, resume=True, **FIT)
    assert params(net) != params(ref)


def test_stateful_optimizer_resumes_bitwise(tmp_path: Path) -> None:
    X, y = blobs()
    X, Y = X.astype(np.float32), np.eye(3, dtype=np.float32)[y]
    config = TrainConfig(epochs=4, batch_size=8, eta=0.3, seed=2)
    ref = Network([4, 5, 3], seed=0)
    Trainer(ref, config, optimizer=Momentum()).run(X, Y)

    path = tmp_path / "m.npz"
    net = Network([4, 5, 3], seed=0)
    first = TrainConfig(epochs=2, batch_size=8, eta=0.3, seed=2)
    fit(net, X, Y, first, checkpoint=path, optimizer=Momentum())
    assert load_checkpoint(path).state.optimizer_state["t"] == 2 * 7  # 50 rows in 7 batches
    net = Network([4, 5, 3], seed=9)
    fit(net, X, Y, config, checkpoint=path, resume=True, optimizer=Momentum())
    assert params(net) == params(ref)
    with pytest.raises(ValueError, match=r"optimizer test-momentum\(beta=0.9\) \(this run: sgd\)"):
        fit(net, X, Y, config, checkpoint=path, resume=True)


class InterruptAt(Callback):
    """Raises KeyboardInterrupt (as Ctrl-C would) at a given epoch and mini-batch."""

    def __init__(self, epoch: int, batch: int) -> None:
        self.at = (epoch, batch)

    def on_batch_end(self, step: Step) -> None:
        if (step.epoch, step.batch) == self.at:
            raise KeyboardInterrupt


def test_ctrl_c_keeps_the_last_completed_epoch(tmp_path: Path) -> None:
    X, y = blobs()
    ref = Network([4, 6, 3], seed=1)
    ref.fit(X, y, epochs=6, **FIT)
    path = tmp_path / "c.npz"
    net = Network([4, 6, 3], seed=1)
    with pytest.raises(KeyboardInterrupt):  # every 5 epochs: epoch 3 is saved on the way out
        net.fit(
            X,
            y,
            epochs=6,
            checkpoint=path,
            checkpoint_every=5,
            callbacks=[InterruptAt(4, 2)],
            **FIT,
        )
    assert load_checkpoint(path).state.epoch == 3
    net = Network([4, 6, 3], seed=1)
    net.fit(X, y, epochs=6, checkpoint=path, resume=True, **FIT)
    assert params(net) == params(ref)


def test_ctrl_c_while_a_due_checkpoint_is_written_still_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C inside the write of epoch 2's checkpoint (due, every 2): the flush on the way
    out writes that epoch, instead of finding nothing pending and leaving no file."""
    import deltaprop.training.checkpoint as module

    write, calls = module.write_npz, []

    def interrupted_once(*args: Any) -> None:
        calls.append(args)
        if len(calls) == 1:
            raise KeyboardInterrupt
        write(*args)

    monkeypatch.setattr(module, "write_npz", interrupted_once)
    X, y = blobs()
    path = tmp_path / "c.npz"
    with pytest.raises(KeyboardInterrupt):
        Network([4, 6, 3], seed=1).fit(X, y, epochs=6, checkpoint=path, checkpoint_every=2, **FIT)
    assert len(calls) == 2 and load_checkpoint(path).state.epoch == 2


def test_divergence_keeps_the_last_good_checkpoint(tmp_path: Path) -> None:
    X, y = blobs(40)
    X *= 1e3
    path = tmp_path / "c.npz"
    net = Network([4, 30, 3], "relu", "identity", dtype="float32", seed=0)
    net.fit(X, y, epochs=2, batch_size=5, eta=1e-9, checkpoint=path)
    before = path.read_bytes()
    with pytest.raises(DivergenceError, match=r"of epoch 3 .*eta = 1e\+10") as info:
        net.fit(X, y, epochs=4, batch_size=5, eta=1e10, checkpoint=path, resume=True)
    assert info.value.epoch == 3
    assert path.read_bytes() == before  # the diverged state was never written
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]
    # resume from the last good epoch with a smaller learning rate
    history = net.fit(X, y, epochs=4, batch_size=5, eta=1e-9, checkpoint=path, resume=True)
    assert history["eta"] == [1e-9] * 4 and load_checkpoint(path).state.epoch == 4


def test_non_finite_parameters_after_the_last_batch_are_never_saved(tmp_path: Path) -> None:
    # one mini-batch per epoch: its cost (before the update) is finite, the update overflows
    X, y = blobs(20)
    X *= 1e10
    path = tmp_path / "c.npz"
    net = Network([4, 3], "relu", "identity", dtype="float32", seed=0)
    net.fit(X, y, epochs=1, batch_size=20, eta=1e-30, checkpoint=path)
    before = path.read_bytes()
    good = params(net)
    with pytest.raises(
        DivergenceError,
        match=r"update of mini-batch 1 of epoch 2 made the "
        r"weights inf or NaN.*start of epoch 2",
    ) as info:
        net.fit(X, y, epochs=3, batch_size=20, eta=1e30, checkpoint=path, resume=True)
    assert (info.value.epoch, info.value.batch) == (2, 1)
    assert path.read_bytes() == before
    assert params(net) == good  # back to the weights of the last good epoch


def test_existing_checkpoint_is_never_overwritten_without_resume(tmp_path: Path) -> None:
    X, y = blobs()
    path = tmp_path / "c.npz"
    Network([4, 3], seed=0).fit(X, y, epochs=1, checkpoint=path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match=r"already exists: pass resume=True"):
        Network([4, 3], seed=0).fit(X, y, epochs=2, checkpoint=path)
    assert path.read_bytes() == before
    fresh = tmp_path / "fresh.npz"  # resume=True with no file yet: a new run
    history = Network([4, 3], seed=0).fit(X, y, epochs=2, checkpoint=fresh, resume=True)
    assert len(history) == 2 and load_checkpoint(fresh).state.epoch == 2


@pytest.mark.parametrize(
    ("net_kwargs", "fit_kwargs", "message"),
    [
        ({"sizes": [4, 7, 3]}, {}, r"sizes \(4, 6, 3\) \(this network: \(4, 7, 3\)\)"),
        ({"dtype": "float64"}, {}, r"dtype 'float32' \(this network: 'float64'\)"),
        ({"activation": "tanh"}, {}, r"activation 'sigmoid'"),
        ({}, {"batch_size": 8}, r"batch_size=7 \(this run: 8\)"),
        ({}, {"shuffle": False}, r"shuffle=True \(this run: False\)"),
        ({}, {"data": "other"}, r"other training data \(50 samples, fingerprint"),
    ],
)
def test_resume_refuses_what_does_not_fit(tmp_path: Path, net_kwargs, fit_kwargs, message):
    X, y = blobs()
    path = tmp_path / "c.npz"
    Network([4, 6, 3], seed=1).fit(X, y, epochs=1, checkpoint=path, **FIT)
    before = path.read_bytes()
    kwargs = {**FIT, **fit_kwargs}
    if kwargs.pop("data", None):
        X = X + 1.0
    net = Network(**{"sizes": [4, 6, 3], **net_kwargs})
    with pytest.raises(ValueError, match=message):
        net.fit(X, y, epochs=3, checkpoint=path, resume=True, **kwargs)
    assert path.read_bytes() == before


def test_epochs_and_eta_may_change_on_resume(tmp_path: Path) -> None:
    X, y = blobs()
    path = tmp_path / "c.npz"
    Network([4, 3], seed=0).fit(X, y, epochs=2, checkpoint=path, **FIT)
    history = Network([4, 3], seed=0).fit(
        X, y, epochs=3, checkpoint=path, resume=True, **{**FIT, "eta": 0.5}
    )
    assert history["eta"] == [1.5, 1.5, 0.5]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"resume": True}, ValueError, "resume=True needs checkpoint=PATH"),
        (
            {"checkpoint": "c.npz", "checkpoint_every": 0},
            ValueError,
            "checkpoint_every must be a positive integer, got 0",
        ),
        ({"checkpoint": "c.npz", "resume": "yes"}, ValueError, "resume must be True or False"),
    ],
)
def test_bad_checkpoint_options(tmp_path, monkeypatch, kwargs, error, message) -> None:
    monkeypatch.chdir(tmp_path)
    X, y = blobs(10)
    with pytest.raises(error, match=message):
        Network([4, 3], seed=0).fit(X, y, epochs=1, **kwargs)


def test_stale_temporaries_of_a_killed_writer_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    stale = [tmp_path / ".c.npz.0123abcd.tmp", tmp_path / ".c.npz.ffffffff.tmp"]
    keep = [tmp_path / ".other.npz.0123abcd.tmp", tmp_path / ".c.npz.tmp"]
    for p in stale + keep:
        p.write_bytes(b"partial")
    assert sorted(remove_stale_temporaries(path)) == sorted(stale)
    X, y = blobs(10)
    stale[0].write_bytes(b"partial")
    Network([4, 3], seed=0).fit(X, y, epochs=1, checkpoint=path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["c.npz"] + [p.name for p in keep])


def test_checkpoint_callback_with_a_trainer(tmp_path: Path) -> None:
    X, y = blobs()
    X, Y = X.astype(np.float32), np.eye(3, dtype=np.float32)[y]
    net = Network([4, 3], seed=0)
    saver = Checkpoint(tmp_path / "c.npz", every=3)
    Trainer(net, TrainConfig(epochs=4, batch_size=10, seed=0), callbacks=[saver]).run(X, Y)
    assert saver.saved_epoch == 4  # epoch 3 on schedule, epoch 4 at the end
    ck = load_checkpoint(tmp_path / "c.npz")
    assert ck.data is None and params(ck.network) == params(net)


def test_history_that_is_not_plain_data_is_refused(tmp_path: Path) -> None:
    net = Network([2, 1], seed=0)
    state = TrainState(
        1,
        dict(np.random.default_rng(0).bit_generator.state),
        {},
        History([{"epoch": 1, "odd": object()}]),
    )
    with pytest.raises(TypeError, match=r"history row 1\['odd'\] holds a object"):
        save_checkpoint(tmp_path / "c.npz", net, TrainConfig(), state)
    assert list(tmp_path.iterdir()) == []


# checkpoint files that are wrong in ways the fuzzer would take long to find


def nested(depth: int) -> list[Any]:
    tree: list[Any] = []
    for _ in range(depth):
        tree = [tree]
    return tree


def _raw(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    with zipfile.ZipFile(path) as z:
        names = [n.removesuffix(".npy") for n in z.namelist()]
    with np.load(path, allow_pickle=False) as f:
        arrays = {n: f[n] for n in names}
    meta = json.loads(arrays.pop("__meta__").tobytes())
    return meta, arrays


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m, a: m.update(format="deltaprop-model"), "not a deltaprop checkpoint"),
        (lambda m, a: m.update(version=2), "version 2 is not supported"),
        (lambda m, a: m.update(epoch=0), "'epoch' must be a positive integer"),
        (lambda m, a: m["rng_state"].update(bit_generator="MT19937"), "not the state of a PCG64"),
        (lambda m, a: m["rng_state"]["state"].update(inc=-1), "not the state of a PCG64"),
        (lambda m, a: m["rng_state"]["state"].update(state=2**130), "not the state of a PCG64"),
        (lambda m, a: m["rng_state"].pop("state"), "not the state of a PCG64"),
        (lambda m, a: m["training"].update(batch_size=0), "invalid training configuration"),
        (lambda m, a: m["network"].update(cost="nope"), "invalid network configuration"),
        (lambda m, a: m.update(epoch=3), "2 history rows for 3 epochs"),
        (
            lambda m, a: m["optimizer"].update(
                state={"array": "opt_0", "shape": [2**40], "dtype": "float64", "scalar": False}
            ),
            r"'opt_0' declares shape \(1099511627776,\) .* more than the network's largest",
        ),
        (
            lambda m, a: m["optimizer"].update(
                state={"array": "opt_0", "shape": [20], "dtype": "float64", "scalar": False}
            ),
            r"missing array\(s\) opt_0",
        ),
        (
            lambda m, a: m["optimizer"].update(
                state=[
                    {"array": f"opt_{i}", "shape": [20], "dtype": "float64", "scalar": False}
                    for i in range(4000)
                ]
            ),
            r"the training state declares 80000 numbers in all, more than the",
        ),
        (lambda m, a: m.update(history_bytes=2 * 65536 + 3), "more than 65536 bytes per epoch"),
        (
            lambda m, a: m["optimizer"].update(
                state={"array": "__import__", "shape": [], "dtype": "float64", "scalar": False}
            ),
            "not of the form opt_N",
        ),
        (
            lambda m, a: m["optimizer"].update(
                state={"array": "opt_0", "shape": [1], "dtype": "object", "scalar": False}
            ),
            "dtype 'object' is not one a checkpoint may hold",
        ),
        (
            lambda m, a: m["optimizer"].update(state={"pickle": "cos\nsystem\n"}),
            "unrecognised entry",
        ),
        (lambda m, a: m["optimizer"].update(state=nested(40)), "nested deeper than 32"),
        (lambda m, a: m.update(data={"n": 5}), "'data' must hold exactly"),
        (lambda m, a: a.update(w_2=a["w_2"].astype(np.float64)), "dtype float64, expected float32"),
        (
            lambda m, a: (
                a.update(history=np.frombuffer(b'[{"dict": 1}]', np.uint8))
                or m.update(history_bytes=13)
            ),
            "a dict must hold a list of",
        ),
    ],
)
def test_inconsistent_checkpoint_files_are_format_errors(tmp_path: Path, change, message) -> None:
    X, y = blobs(20)
    path = tmp_path / "c.npz"
    Network([4, 5, 3], seed=0).fit(X, y, epochs=2, checkpoint=path)
    meta, arrays = _raw(path)
    change(meta, arrays)
    write_npz(path, arrays, meta)
    with pytest.raises(FormatError, match=message) as info:
        load_checkpoint(path)
    assert str(info.value).startswith(str(path))
    with pytest.raises(FormatError):
        Network([4, 5, 3], seed=0).fit(X, y, epochs=3, checkpoint=path, resume=True)
