"""The contenders ``compare.py`` times beside deltaprop, each doing the same SGD epoch.

Each function takes the data (X of shape (n, n_1), Y one-hot of shape (n, n_L), in the dtype
being measured), the initial weights and biases (NumPy, shapes as in the notation), the batch
order, the batch size m, the learning rate η and the cost, trains in place for the given
mini-batches and returns the trained (weights, biases) as NumPy arrays. Sigmoid neurons
throughout. The compiled ones (``torch_compiled``, ``jax_jit_step``, ``jax_scan``) also take
``epochs`` and a list ``times`` that receives each epoch's seconds (the first compiles); the
JAX ones a ``device`` ("cpu" or "gpu").
"""

from __future__ import annotations

import functools
import time

import numpy as np


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def per_sample_loop(X, Y, weights, biases, order, m, eta, cost, n_batches):
    """The algorithm of docs/notation.md as the classic implementation writes it: one
    sample at a time as a column vector, gradients summed over the mini-batch, then
    w → w − (η/m) Σ."""
    weights = [w.copy() for w in weights]
    biases = [b.reshape(-1, 1).copy() for b in biases]
    for k in range(n_batches):
        batch = order[k * m : (k + 1) * m]
        grad_w = [np.zeros_like(w) for w in weights]
        grad_b = [np.zeros_like(b) for b in biases]
        for i in batch:
            activation = X[i].reshape(-1, 1)
            activations, zs = [activation], []
            for w, b in zip(weights, biases):
                z = w @ activation + b
                zs.append(z)
                activation = _sigmoid(z)
                activations.append(activation)
            delta = activations[-1] - Y[i].reshape(-1, 1)  # BP1
            if cost == "quadratic":
                delta = delta * activations[-1] * (1 - activations[-1])
            for j in range(len(weights) - 1, -1, -1):
                grad_b[j] += delta  # BP3
                grad_w[j] += delta @ activations[j].T  # BP4
                if j > 0:
                    a = activations[j]
                    delta = (weights[j].T @ delta) * a * (1 - a)  # BP2
        for w, b, gw, gb in zip(weights, biases, grad_w, grad_b):
            w -= (eta / len(batch)) * gw
            b -= (eta / len(batch)) * gb
    return weights, [b[:, 0] for b in biases]


def numpy_inline(X, Y, weights, biases, order, m, eta, cost, n_batches):
    """The same arithmetic as deltaprop's step written inline in NumPy, with none of a
    library's structure: preallocated arrays, in-place ufuncs with ``out=``, deltaprop's
    accurate σ and σ' (σ = 1/(1 + 1/e^z), σ' = σ/(1 + e^z), σ' kept from the forward pass),
    −η/m folded into δ^L once, each mini-batch gathered into one fixed array, no cost computed.
    It is the floor for any implementation that calls NumPy once per operation."""
    dtype = X.dtype
    W = [w.copy() for w in weights]
    B = [b.copy() for b in biases]
    sizes = [W[0].shape[1]] + [w.shape[0] for w in W]
    x, y = np.empty((m, sizes[0]), dtype), np.empty((m, sizes[-1]), dtype)
    acts = [x] + [np.empty((m, n), dtype) for n in sizes[1:]]
    primes = [None] + [np.empty((m, n), dtype) for n in sizes[1:]]
    deltas = [None] + [np.empty((m, n), dtype) for n in sizes[1:]]
    grad_w, grad_b = [np.empty_like(w) for w in W], [np.empty_like(b) for b in B]
    one, scale = np.asarray(1.0, dtype), np.asarray(-eta / m, dtype)
    mm, mul, div, add, exp = np.matmul, np.multiply, np.divide, np.add, np.exp
    red, take = np.add.reduce, np.take
    quadratic, L = cost == "quadratic", len(W)
    with np.errstate(over="ignore", divide="ignore"):
        for k in range(n_batches):
            rows = order[k * m : (k + 1) * m]
            if rows.size < m:
                break  # a short last mini-batch: skipped here, a negligible share of the epoch
            take(X, rows, axis=0, out=x, mode="clip")
            take(Y, rows, axis=0, out=y, mode="clip")
            for j in range(L):  # eq. 25, σ and σ' as deltaprop computes them
                a, sp = acts[j + 1], primes[j + 1]
                mm(acts[j], W[j].T, out=a)
                add(a, B[j], out=a)
                exp(a, out=sp)  # e^z
                div(one, sp, out=a)
                add(sp, one, out=sp)
                add(a, one, out=a)
                div(one, a, out=a)  # σ(z)
                div(a, sp, out=sp)  # σ'(z) = σ(z)/(1 + e^z)
            delta = deltas[L]
            np.subtract(acts[L], y, out=delta)  # BP1
            if quadratic:
                mul(delta, primes[L], out=delta)
            mul(delta, scale, out=delta)  # −η/m, once
            for j in range(L, 0, -1):
                red(deltas[j], axis=0, out=grad_b[j - 1])  # BP3
                mm(deltas[j].T, acts[j - 1], out=grad_w[j - 1])  # BP4
                if j > 1:
                    mm(deltas[j], W[j - 1], out=deltas[j - 1])  # BP2
                    mul(deltas[j - 1], primes[j - 1], out=deltas[j - 1])
            for p, g in zip(W + B, grad_w + grad_b):
                add(p, g, out=p)
    return W, B


def torch_by_hand(X, Y, weights, biases, order, m, eta, cost, n_batches, device="cpu"):
    """PyTorch tensors, BP1–BP4 written by hand, updates in place: the fast way to write it.
    The data moves to ``device`` once, before the epoch."""
    import torch

    with torch.no_grad():
        Xt, Yt = torch.as_tensor(X, device=device), torch.as_tensor(Y, device=device)
        idx = torch.as_tensor(order, device=device)
        W = [torch.tensor(w, device=device) for w in weights]
        B = [torch.tensor(b, device=device) for b in biases]
        for k in range(n_batches):
            batch = idx[k * m : (k + 1) * m]
            x, y = Xt[batch], Yt[batch]
            acts = [x]
            for w, b in zip(W, B):
                acts.append(torch.sigmoid(torch.addmm(b, acts[-1], w.T)))
            a = acts[-1]
            delta = a - y
            if cost == "quadratic":
                delta *= a * (1 - a)
            scale = eta / x.shape[0]
            for j in range(len(W) - 1, -1, -1):
                grad_w = delta.T @ acts[j]
                grad_b = delta.sum(0)
                if j > 0:
                    a = acts[j]
                    delta = (delta @ W[j]) * a * (1 - a)
                W[j].sub_(grad_w, alpha=scale)
                B[j].sub_(grad_b, alpha=scale)
    return [w.cpu().numpy() for w in W], [b.cpu().numpy() for b in B]


def torch_autograd(X, Y, weights, biases, order, m, eta, cost, n_batches, device="cpu"):
    """The idiomatic PyTorch: ``nn.Linear`` layers, autograd and ``optim.SGD``."""
    import torch

    model, optimizer = _torch_model(weights, biases, eta, device)
    Xt, Yt = torch.as_tensor(X, device=device), torch.as_tensor(Y, device=device)
    idx = torch.as_tensor(order, device=device)
    for k in range(n_batches):
        batch = idx[k * m : (k + 1) * m]
        x, y = Xt[batch], Yt[batch]
        z = model(x)
        if cost == "quadratic":
            loss = 0.5 * ((torch.sigmoid(z) - y) ** 2).sum(1).mean()
        else:
            bce = torch.nn.functional.binary_cross_entropy_with_logits
            loss = bce(z, y, reduction="sum") / x.shape[0]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return _torch_parameters(model)


def sklearn_mlp(X, Y, weights, biases, order, m, eta, cost, n_batches):
    """scikit-learn's MLPClassifier with plain SGD (no momentum, no L2), from the same weights.

    Its output layer is always softmax with the log-loss, and it shuffles with its own
    generator: the same architecture and work per step, not the same numbers.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    labels = np.argmax(Y, axis=1)
    rows = order[: n_batches * m]
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(w.shape[0] for w in weights[:-1]),
        activation="logistic",
        solver="sgd",
        alpha=0.0,
        momentum=0.0,
        nesterovs_momentum=False,
        learning_rate="constant",
        learning_rate_init=eta,
        batch_size=m,
        max_iter=1,
        shuffle=True,
        random_state=0,
        tol=0.0,
        early_stopping=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(X[:m], labels[:m], classes=np.arange(Y.shape[1]))  # builds the layers
        clf.set_params(warm_start=True)  # then fit continues from the weights set here
        clf.coefs_ = [w.T.copy() for w in weights]
        clf.intercepts_ = [b.copy() for b in biases]
        clf.fit(X[rows], labels[rows])  # one epoch over the same rows
    return [c.T for c in clf.coefs_], list(clf.intercepts_)


def bare_products(X, Y, weights, biases, order, m, eta, cost, n_batches):
    """Only the matrix products of the steps, in deltaprop's layouts, into preallocated arrays:
    a @ wᵀ per layer (eq. 25), δᵀ a per layer (BP4) and δ w per layer but the first (BP2)."""
    rng = np.random.default_rng(0)
    dtype = X.dtype
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    acts = [rng.random((m, n)).astype(dtype) for n in sizes]
    deltas = [rng.random((m, n)).astype(dtype) for n in sizes]
    grads = [np.empty_like(w) for w in weights]
    for k in range(n_batches):
        acts[0] = X[k * m : (k + 1) * m] if (k + 1) * m <= X.shape[0] else acts[0]
        for j, w in enumerate(weights):
            np.matmul(acts[j], w.T, out=acts[j + 1])
        for j in range(len(weights) - 1, -1, -1):
            np.matmul(deltas[j + 1].T, acts[j], out=grads[j])
            if j > 0:
                np.matmul(deltas[j + 1], weights[j], out=deltas[j])
    return weights, biases


def torch_compiled(X, Y, weights, biases, order, m, eta, cost, n_batches, epochs=1, times=None):
    """The idiomatic PyTorch of ``torch_autograd`` with its whole training step (forward,
    autograd's backward, the SGD update) compiled by ``torch.compile``. It trains ``epochs``
    epochs over the same batches and appends each one's seconds to ``times``: the first
    includes the compilation."""
    import torch

    model, optimizer = _torch_model(weights, biases, eta, "cpu")
    quadratic = cost == "quadratic"

    def step(x, y):
        z = model(x)
        if quadratic:
            loss = 0.5 * ((torch.sigmoid(z) - y) ** 2).sum(1).mean()
        else:
            bce = torch.nn.functional.binary_cross_entropy_with_logits
            loss = bce(z, y, reduction="sum") / x.shape[0]
        optimizer.zero_grad(set_to_none=False)
        loss.backward()
        optimizer.step()

    compiled = torch.compile(step)
    Xt, Yt, idx = torch.as_tensor(X), torch.as_tensor(Y), torch.as_tensor(order)
    full = min(n_batches, order.shape[0] // m)  # one shape: a short batch would compile again
    for _ in range(epochs):
        t0 = time.perf_counter()
        for k in range(full):
            batch = idx[k * m : (k + 1) * m]
            compiled(Xt[batch], Yt[batch])
        if times is not None:
            times.append(time.perf_counter() - t0)
    return _torch_parameters(model)


def _torch_model(weights, biases, eta, device):
    import torch
    from torch import nn

    layers = []
    for w, b in zip(weights, biases):
        linear = nn.Linear(w.shape[1], w.shape[0], dtype=torch.from_numpy(w).dtype, device=device)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, nn.Sigmoid()]
    model = nn.Sequential(*layers[:-1])  # the last sigmoid is applied in the loss
    return model, torch.optim.SGD(model.parameters(), lr=eta)


def _torch_parameters(model):
    from torch import nn

    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    return (
        [layer.weight.detach().cpu().numpy() for layer in linears],
        [layer.bias.detach().cpu().numpy() for layer in linears],
    )


def _jax_loss(cost):
    """The mean cost of a mini-batch as JAX's examples write it: the network as a function
    of the parameter list, differentiated by ``jax.grad``."""
    import jax
    import jax.numpy as jnp

    def loss(params, x, y):
        a = x
        for w, b in params[:-1]:
            a = jax.nn.sigmoid(a @ w.T + b)
        w, b = params[-1]
        z = a @ w.T + b
        if cost == "quadratic":
            return 0.5 * jnp.sum((jax.nn.sigmoid(z) - y) ** 2) / x.shape[0]
        return jnp.sum(jnp.logaddexp(0, z) - y * z) / x.shape[0]  # cross-entropy, from z

    return loss


@functools.cache
def _jax_programs(cost, eta):
    """The jitted SGD step and the jitted epoch (a ``lax.scan`` of the same step), made once
    per cost and η so that a second epoch reuses the compilation."""
    import jax

    grad = jax.grad(_jax_loss(cost))

    def step(params, X, Y, rows):
        x, y = X[rows], Y[rows]
        g = grad(params, x, y)
        return [(w - eta * gw, b - eta * gb) for (w, b), (gw, gb) in zip(params, g)]

    def epoch(params, X, Y, rows):
        return jax.lax.scan(lambda p, r: (step(p, X, Y, r), None), params, rows)[0]

    return jax.jit(step), jax.jit(epoch)


def _jax_run(X, Y, weights, biases, order, m, n_batches, epochs, times, one_epoch, device):
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(X.dtype == np.float64):
        dev = jax.devices(device)[0]
        params = [(jax.device_put(w, dev), jax.device_put(b, dev)) for w, b in zip(weights, biases)]
        full = min(n_batches, order.shape[0] // m)  # full mini-batches only: one shape
        rows = jnp.asarray(order[: full * m].reshape(full, m).astype(np.int32))
        Xd, Yd, rows = (jax.device_put(a, dev) for a in (X, Y, rows))
        for _ in range(epochs):
            t0 = time.perf_counter()
            params = jax.block_until_ready(one_epoch(params, Xd, Yd, rows))
            if times is not None:
                times.append(time.perf_counter() - t0)
        return [np.asarray(w) for w, _ in params], [np.asarray(b) for _, b in params]


def jax_jit_step(
    X, Y, weights, biases, order, m, eta, cost, n_batches, epochs=1, times=None, device="cpu"
):
    """JAX as its examples write it: the loss differentiated by ``jax.grad``, the SGD step
    compiled with ``jax.jit`` and called once per mini-batch from Python, the data on the
    device once. ``epochs`` and ``times`` as for ``torch_compiled``."""
    step, _ = _jax_programs(cost, eta)

    def one_epoch(params, X, Y, rows):
        for k in range(rows.shape[0]):
            params = step(params, X, Y, rows[k])
        return params

    return _jax_run(X, Y, weights, biases, order, m, n_batches, epochs, times, one_epoch, device)


def jax_scan(
    X, Y, weights, biases, order, m, eta, cost, n_batches, epochs=1, times=None, device="cpu"
):
    """The same SGD step with the whole epoch in one jitted ``jax.lax.scan`` over the
    mini-batches: one compiled program per epoch, JAX's own fastest way to write it."""
    _, epoch = _jax_programs(cost, eta)
    return _jax_run(X, Y, weights, biases, order, m, n_batches, epochs, times, epoch, device)
