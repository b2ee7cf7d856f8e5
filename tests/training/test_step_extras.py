"""What a Step hands a callback besides the gradient: dropout's masks and the L2/L1 term, and
what each option's metadata says it accepts (the explorer builds its controls from it)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from deltaprop import Callback, Network, Step, TrainConfig
from deltaprop.core.backprop import backward


class Keep(Callback):
    """Keeps the first step, with copies of the parameters before and after it."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.before = [w.copy() for w in net.weights]
        self.biases = [b.copy() for b in net.biases]
        self.step: Step | None = None

    def on_batch_end(self, step: Step) -> None:
        if self.step is None:
            copy = [a.copy() if a is not None else None for a in step.penalty or []]
            self.step = step._replace(
                zs=[z.copy() for z in step.zs],
                activations=[a.copy() for a in step.activations],
                deltas=[d.copy() for d in step.deltas],
                grad_w=[g.copy() for g in step.grad_w],
                masks=None if step.masks is None else [r.copy() for r in step.masks],
                penalty=copy or None,
            )


def _first_step(**options: Any) -> tuple[Keep, Network]:
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 3)), rng.integers(0, 2, 40)
    net = Network([3, 6, 5, 2], dtype="float64", seed=1)
    keep = Keep(net)
    net.fit(X, y, epochs=1, batch_size=8, eta=0.5, seed=2, callbacks=[keep], **options)
    assert keep.step is not None
    return keep, net


def test_a_plain_step_has_no_masks_and_no_penalty() -> None:
    keep, _ = _first_step()
    assert keep.step is not None and keep.step.masks is None and keep.step.penalty is None


def test_the_masks_are_those_the_step_used() -> None:
    keep, net = _first_step(dropout=0.5)
    step = keep.step
    assert step is not None and step.masks is not None
    assert [r.shape for r in step.masks] == [(8, 6), (8, 5)]  # hidden layers only
    for r in step.masks:
        assert set(np.unique(r)) <= {0.0, 2.0}  # 0 or 1/(1 − p)
    # eq. 25 with the mask: layer l+1 sees a^l ⊙ r^l
    for i in (1, 2):
        masked = step.activations[i] * step.masks[i - 1]
        z = masked @ keep.before[i].T + keep.biases[i]
        np.testing.assert_allclose(z, step.zs[i], rtol=1e-12, atol=1e-14)
    # the same BP1–BP4 with the masks gives the step's δ and gradient
    grad_w, _, deltas, _ = backward(
        keep.before,
        net.sigmas,
        net.cost_function,
        step.zs,
        step.activations,
        step.y,
        np,
        masks=step.masks,
    )
    for d, e in zip(deltas, step.deltas):
        np.testing.assert_allclose(d, e, rtol=1e-12, atol=1e-15)
    for g, h in zip(grad_w, step.grad_w):
        np.testing.assert_allclose(g, h, rtol=1e-12, atol=1e-15)
    assert np.all(step.deltas[0][step.masks[0] == 0] == 0)  # a dropped neuron passes no δ


@pytest.mark.parametrize(("l2", "l1"), [(3.0, 0.0), (0.0, 2.0), (3.0, 2.0)])
def test_the_penalty_is_the_term_grad_w_includes(l2: float, l1: float) -> None:
    keep, net = _first_step(l2=l2, l1=l1)
    step = keep.step
    assert step is not None and step.penalty is not None
    n = 40  # the training set's size
    grad_w, _, _, _ = backward(
        keep.before, net.sigmas, net.cost_function, step.zs, step.activations, step.y, np
    )
    for w, p, g, data in zip(keep.before, step.penalty, step.grad_w, grad_w):
        np.testing.assert_allclose(p, l2 / n * w + l1 / n * np.sign(w), rtol=1e-14)
        np.testing.assert_allclose(g, data + p, rtol=1e-12, atol=1e-15)


def _inside(value: float, r: dict[str, Any]) -> bool:
    low_ok = value > r["min"] if r["min_open"] else value >= r["min"]
    high_ok = r["max"] is None or (value < r["max"] if r["max_open"] else value <= r["max"])
    return low_ok and high_ok


def test_each_options_range_is_what_its_check_accepts() -> None:
    for f in dataclasses.fields(TrainConfig):
        r, check = f.metadata["range"], f.metadata["check"]
        if f.metadata["choices"] is not None:
            for name in f.metadata["choices"]:
                assert check(f.name, name) == name
            with pytest.raises(ValueError, match="choose one of"):
                check(f.name, "no such name")
        if r is None:
            continue
        number = int if r["type"] == "int" else float
        edges = [r["min"], r["min"] + 1, r["min"] - 1] + ([] if r["max"] is None else [r["max"]])
        if r["type"] == "float":
            edges += [math.nextafter(r["min"], math.inf), 0.5]
        for value in edges:
            value = number(value)
            if _inside(value, r):
                check(f.name, value)
            else:
                with pytest.raises(ValueError):
                    check(f.name, value)
