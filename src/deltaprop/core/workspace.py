"""Memory the training loop reuses: per-layer workspaces and flat parameter buffers.

A :class:`Workspace` holds z^l, a^l, σ'(z^l), δ^l and one scratch array per layer for a
mini-batch of m rows; the forward pass and BP1–BP4 write into it (see ``ops``), so a training
step allocates nothing that grows with the number of steps. Without one (``workspace=None``)
the same functions return new arrays, which is what one-off calls such as ``Network.backprop``
want.

:func:`flat_arrays` lays per-layer arrays out as views of one contiguous 1-D buffer: an
optimiser can then update every parameter with one operation, and a distributed run can
all-reduce every gradient with one message. The per-layer arrays stay ordinary arrays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .ops import Array, Ops, ops_for


class ArrayList(list[Any]):
    """A list of arrays that may be views of one flat 1-D buffer, ``.flat`` (None if not).

    Code that treats each number alike (SGD, momentum, an all-reduce) may use ``.flat`` to do
    in one call what it would otherwise do per array; everything else uses the list.
    """

    def __init__(self, arrays: Iterable[Array] = (), flat: Array = None) -> None:
        super().__init__(arrays)
        self.flat = flat


def flat_arrays(
    shapes: Sequence[tuple[int, ...]], xp: Any, dtype: Any, device: Any = None
) -> ArrayList:
    """Zero arrays of the given shapes, as views of one flat buffer where the library allows.

    NumPy, CuPy and PyTorch slices and reshapes are views that can be written through; for
    other namespaces the standard does not promise that, so the arrays are separate and
    ``flat`` is None.
    """
    sizes = [_size(s) for s in shapes]
    if not ops_for(xp).writes_into:
        return ArrayList(xp.zeros(s, dtype=dtype, device=device) for s in shapes)
    flat = xp.zeros((sum(sizes),), dtype=dtype, device=device)
    arrays, start = [], 0
    for shape, size in zip(shapes, sizes):
        arrays.append(xp.reshape(flat[start : start + size], shape))
        start += size
    return ArrayList(arrays, flat)


def _size(shape: tuple[int, ...]) -> int:
    n = 1
    for k in shape:
        n *= k
    return n


class Workspace:
    """The arrays of one mini-batch of m rows, which the forward pass and BP1–BP4 write into.

    ``z[i]``, ``a[i]``, ``sigma_prime[i]``, ``delta[i]`` and ``scratch[i]`` have shape (m, n_l)
    for layer l = i + 2 (a^1 is the input itself and is not stored); the forward pass keeps
    σ'(z^l) in ``sigma_prime[i]`` for BP1 and BP2 where the activation computes it beside σ
    (``primed`` says whether it has: the backward pass relies on it only then);
    ``grad_w[i]`` and ``grad_b[i]``
    are ∂C/∂w^l and ∂C/∂b^l, views of the flat buffer ``grads``. The training loop keeps one
    workspace per mini-batch size and passes its own ``grads``, so a step allocates nothing;
    a one-off call (``deltaprop.core.backprop.backprop``) makes one with :meth:`like`.

    For a namespace whose ``ops`` do not write into arrays, the functions put their new result
    arrays into these lists instead, so callers read the lists either way.

    Examples
    --------
    >>> ws = Workspace((4, 3, 2), 5, np, np.float64)
    >>> [z.shape for z in ws.z], [g.shape for g in ws.grad_w], ws.grads.flat.shape
    ([(5, 3), (5, 2)], [(3, 4), (2, 3)], (23,))
    """

    def __init__(
        self,
        sizes: Sequence[int],
        m: int,
        xp: Any,
        dtype: Any,
        device: Any = None,
        grads: ArrayList | None = None,
    ) -> None:
        self.m = m
        self.ops: Ops = ops_for(xp)

        def rows() -> list[Array]:
            return [xp.zeros((m, n), dtype=dtype, device=device) for n in sizes[1:]]

        self.z, self.a, self.delta, self.scratch = rows(), rows(), rows(), rows()
        self.sigma_prime: list[Array] = rows()
        self.primed = False  # whether the forward pass wrote σ'(z^l) into ``sigma_prime``
        if grads is None:
            shapes = [(n, k) for k, n in zip(sizes[:-1], sizes[1:])] + [(n,) for n in sizes[1:]]
            grads = flat_arrays(shapes, xp, dtype, device)
        self.grads = grads
        n_layers = len(sizes) - 1
        self.grad_w, self.grad_b = list(grads[:n_layers]), list(grads[n_layers:])
        self.inv_m = self.ops.scalar(1.0 / max(m, 1), dtype)  # the 1/m of the mean over the rows

    @classmethod
    def like(cls, weights: Sequence[Array], x: Array, xp: Any) -> Workspace:
        """A workspace for the rows of ``x`` through layers of these ``weights``, of x's dtype
        and device (for one-off calls)."""
        sizes = [x.shape[1], *(w.shape[0] for w in weights)]
        return cls(sizes, x.shape[0], xp, x.dtype, getattr(x, "device", None))
