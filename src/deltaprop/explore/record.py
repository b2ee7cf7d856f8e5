"""The paused mini-batch: what the library's own step computed for it, kept whole, and the
part of it the page shows.

:func:`make_record` keeps, from the :class:`~deltaprop.training.callbacks.Step` the loop handed
the callback and from the trainer, everything one mini-batch's update was made of: its rows,
z, a, the dropout masks, δ, σ'(z), the gradient the optimiser used and the L2/L1 term in it,
the parameters and the optimiser's state before and after the update, η and the optimiser's
hyper-parameters. Nothing there is recomputed.

:func:`record_view` cuts out the shown neurons (at most 32 rows of the mini-batch) and adds
the quantities the page's equations name that the library does not keep, each computed in
float64 from the kept arrays by the equation the page shows beside it:

- the forward sums z_j = Σ_(shown k) w_jk ã_k + Σ_(other k) w_jk ã_k + b_j, with ã = a ⊙ r
  the masked activations when dropout is on;
- BP2's full sum Σ_k w^(l+1)_kj δ^(l+1)_k over all n_(l+1) neurons, and its part over the
  neurons not drawn;
- BP1's ∇_a C: a − y for the quadratic cost; for the cross-entropy (a − y)/(a(1 − a)) and for
  the log-likelihood −y/a, with a = σ(z^L) from z^L (the float32 a^L cannot give a(1 − a) to
  five digits near 0 or 1); for softmax outputs Σ_k a_k ∇_a C_k, the Jacobian's term;
- BP4, ∂C_0/∂w = the optimiser's gradient less the L2/L1 term (the cost's gradient alone);
- Adam's bias-corrected m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t) and η_t = η √(1 − β2^t)/(1 − β1^t).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..insight.layerstats import sigma_prime

if TYPE_CHECKING:
    from ..network import Network
    from ..training.callbacks import Step

#: the most rows of the mini-batch the page is sent (the sample chooser's range)
ROWS = 32


class Before(NamedTuple):
    """The parameters and the optimiser's state before the recorded mini-batch's update."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    optimizer_state: dict[str, Any]


def copy_state(state: Any) -> Any:
    """A deep copy of an optimiser's state (plain data: dicts, lists, arrays, numbers), or
    of a list of arrays."""
    if isinstance(state, dict):
        return {k: copy_state(v) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return [copy_state(v) for v in state]
    return np.array(state, copy=True) if isinstance(state, np.ndarray) else state


def before(net: Network, trainer: Any) -> Before:
    """The network's parameters and ``trainer``'s optimiser state, copied."""
    state = copy_state(trainer.state.optimizer_state)
    return Before([w.copy() for w in net.weights], [b.copy() for b in net.biases], state)


def _by_kind(state: dict[str, Any], n_layers: int) -> dict[str, Any]:
    """An optimiser's state with each list of arrays (laid out as the parameters, w^2 … w^L
    then b^2 … b^L) split into its weights' and its biases' part."""
    out: dict[str, Any] = {}
    for key, value in state.items():
        if isinstance(value, list) and len(value) == 2 * n_layers:
            out[key] = {"w": value[:n_layers], "b": value[n_layers:]}
        else:
            out[key] = value
    return out


def make_record(step: Step, trainer: Any, start: Before, net: Network, count: int) -> dict:
    """The recorded mini-batch, its arrays in full: ``step`` as the loop handed it, ``start``
    the state before its update, the trainer's after it; ``count`` the run's number of the
    mini-batch (the page's one numbering)."""
    n_layers, config, opt = len(net.weights), trainer.config, trainer.optimizer
    copies = copy_state  # of a list of arrays, or None
    layers = zip(net.sigmas, step.zs, step.activations[1:])
    sp = [None if f.name == "softmax" else sigma_prime(f, z, a, np) for f, z, a in layers]
    return {
        "epoch": step.epoch,
        "batch": step.batch,
        "n_batches": step.n_batches,
        "step": count,
        "cost": step.cost,
        "m": int(step.x.shape[0]),
        "n": trainer.n_samples,
        "cost_name": net.cost_function.name,
        "sigmas": [f.name for f in net.sigmas],
        "x": np.array(step.x),
        "y": np.array(step.y),
        "zs": copies(step.zs),
        "activations": copies(step.activations),
        "masks": copies(step.masks),
        "deltas": copies(step.deltas),
        "sigma_prime": sp,
        "grad_w": copies(step.grad_w),
        "grad_b": copies(step.grad_b),
        "penalty": copies(step.penalty),
        "l2": config.l2,
        "l1": config.l1,
        "dropout": config.dropout,
        "weights_before": start.weights,
        "biases_before": start.biases,
        "weights_after": [w.copy() for w in net.weights],
        "biases_after": [b.copy() for b in net.biases],
        "optimizer": {"name": opt.name, "eta": trainer.eta, **dataclasses.asdict(opt)},
        "state_before": _by_kind(start.optimizer_state, n_layers),
        "state_after": _by_kind(copy_state(trainer.state.optimizer_state), n_layers),
    }


def _f64(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _others(n: int, shown: list[int]) -> list[int]:
    """The neurons of a layer of n that are not drawn."""
    drawn = set(shown)
    return [k for k in range(n) if k not in drawn]


def grad_a(cost: str, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> tuple[Any, Any]:
    """∇_a C_x of each row, BP1's first factor, in float64, and the a^L it is of (see the
    module's docstring); inf where the cross-entropy's a is 0 or 1 even in float64."""
    y = _f64(y)
    if cost == "quadratic":
        return _f64(a) - y, _f64(a)
    z = _f64(z)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if cost == "cross-entropy":  # sigmoid outputs
            a = 1.0 / (1.0 + np.exp(-z))
            return (a - y) / (a * (1.0 - a)), a
        e = np.exp(z - z.max(axis=1, keepdims=True))  # log-likelihood: softmax outputs
        a = e / e.sum(axis=1, keepdims=True)
        return -y / a, a


def _forward(r: dict, i: int, shown: list[list[int]], s: int) -> dict[str, Any]:
    """Layer l = i + 2's forward pass for the shown neurons: the masked inputs ã, the sums
    of z over the shown inputs and over the others, z, a, and the layer's own mask."""
    rows, cols = shown[i + 1], shown[i]
    w = _f64(r["weights_before"][i])
    masks = r["masks"]
    a_in = _f64(r["activations"][i][:s])
    if masks is not None and i > 0:
        a_in = a_in * _f64(masks[i - 1][:s])  # layer l sees ã = a^(l−1) ⊙ r^(l−1)
    rest = _others(w.shape[1], cols)
    out = {
        "a_in": a_in[:, cols],
        "z": r["zs"][i][:s, rows],
        "a": r["activations"][i + 1][:s, rows],
        "w": w[np.ix_(rows, cols)],
        "b": r["biases_before"][i][rows],
        "sum_shown": a_in[:, cols] @ w[np.ix_(rows, cols)].T,
        "sum_rest": a_in[:, rest] @ w[np.ix_(rows, rest)].T,
        "n_rest": len(rest),
        "mask": None,
        "a_masked": None,
    }
    if masks is not None and i < len(masks):  # a hidden layer: its own mask r^l
        mask = masks[i][:s, rows]
        out["mask"], out["a_masked"] = mask, r["activations"][i + 1][:s, rows] * mask
    return out


def _backward(r: dict, i: int, shown: list[list[int]], s: int) -> dict[str, Any]:
    """Layer l = i + 2's backward pass for the shown neurons: δ, σ'(z), and BP1's ∇_a C
    (the output layer) or BP2's sum over every neuron of layer l + 1 (a hidden layer)."""
    rows = shown[i + 1]
    sp = r["sigma_prime"][i]
    out: dict[str, Any] = {"delta": r["deltas"][i][:s, rows], "sigma_prime": None}
    if sp is not None:
        out["sigma_prime"] = sp[:s, rows]
    if i == len(r["zs"]) - 1:  # BP1
        g, a = grad_a(r["cost_name"], r["zs"][i][:s], r["activations"][i + 1][:s], r["y"][:s])
        out["grad_a"], out["jac_dot"] = g[:, rows], None
        if sp is None:  # softmax: δ_j = a_j (∇_a C_j − Σ_k a_k ∇_a C_k), over all outputs k
            with np.errstate(invalid="ignore"):
                out["jac_dot"] = np.nansum(a * g, axis=1)
        return out
    w_next, delta_next = _f64(r["weights_before"][i + 1]), _f64(r["deltas"][i + 1][:s])
    rest = _others(w_next.shape[0], shown[i + 2])  # BP2 sums over all n_(l+1) neurons k
    out["bp2_sum"] = (delta_next @ w_next)[:, rows]
    out["bp2_rest"] = delta_next[:, rest] @ w_next[np.ix_(rest, rows)]
    out["n_rest"] = len(rest)
    return out


def _update(r: dict, i: int, shown: list[list[int]]) -> dict[str, Any]:
    """Layer l = i + 2's update for the shown weights and biases: BP3, BP4, the L2/L1 term,
    the gradient the optimiser used, the optimiser's state before and after, and the
    parameters before and after."""
    cut = np.ix_(shown[i + 1], shown[i])
    rows = shown[i + 1]
    g = _f64(r["grad_w"][i])
    penalty = None if r["penalty"] is None else _f64(r["penalty"][i])
    out: dict[str, Any] = {
        "grad_b": r["grad_b"][i][rows],
        "grad_w": g[cut],
        "bp4": (g if penalty is None else g - penalty)[cut],
        "penalty": None if penalty is None else penalty[cut],
        "w": r["weights_before"][i][cut],
        "w_after": r["weights_after"][i][cut],
        "b": r["biases_before"][i][rows],
        "b_after": r["biases_after"][i][rows],
    }
    state: dict[str, Any] = {}
    for key, value in r["state_after"].items():
        if isinstance(value, dict):  # arrays shaped like the parameters
            old = r["state_before"][key]
            state[key] = {
                "w_before": old["w"][i][cut],
                "w_after": value["w"][i][cut],
                "b_before": old["b"][i][rows],
                "b_after": value["b"][i][rows],
            }
    opt = r["optimizer"]
    if opt["name"] == "adam":  # the bias corrections at the step's t
        t = r["state_after"]["t"]
        c1, c2 = 1.0 - opt["beta1"] ** t, 1.0 - opt["beta2"] ** t
        for kind in ("w", "b"):
            state["m"][f"{kind}_hat"] = _f64(state["m"][f"{kind}_after"]) / c1
            state["v"][f"{kind}_hat"] = _f64(state["v"][f"{kind}_after"]) / c2
    out["state"] = state
    return out


def record_view(r: dict, shown: list[list[int]]) -> dict[str, Any]:
    """What the page shows of the record ``r``: for each layer l = 2 … L, its forward pass,
    backward pass and update for the shown neurons and at most ROWS rows of the mini-batch,
    with the run's settings the equations need."""
    s = min(ROWS, r["m"])
    layers = []
    for i in range(len(r["zs"])):
        layers.append(
            {**_forward(r, i, shown, s), **_backward(r, i, shown, s), **_update(r, i, shown)}
        )
    opt = dict(r["optimizer"])
    if opt["name"] == "adam":
        t = r["state_after"]["t"]
        opt.update(
            t_before=r["state_before"]["t"],
            t=t,
            eta_t=opt["eta"] * (1.0 - opt["beta2"] ** t) ** 0.5 / (1.0 - opt["beta1"] ** t),
        )
    keys = (
        "epoch",
        "batch",
        "n_batches",
        "step",
        "cost",
        "m",
        "n",
        "cost_name",
        "sigmas",
        "l2",
        "l1",
        "dropout",
    )
    return json_ready(
        {
            **{k: r[k] for k in keys},
            "optimizer": opt,
            "rows": s,
            "x": r["x"][:s, shown[0]],
            "y": r["y"][:s, shown[-1]],
            "layers": layers,
        }
    )


def json_ready(tree: Any) -> Any:
    """``tree`` with its arrays as nested lists, inf and NaN as None (JSON has neither)."""
    if isinstance(tree, dict):
        return {k: json_ready(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [json_ready(v) for v in tree]
    if isinstance(tree, (np.ndarray, np.generic, float)):
        a = np.asarray(tree, dtype=np.float64)
        if np.isfinite(a).all():
            return a.tolist()
        out = a.astype(object)
        out[~np.isfinite(a)] = None
        return out.tolist()
    return tree
