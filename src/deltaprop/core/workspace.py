"""Memory the training loop reuses: per-layer workspaces and flat parameter buffers.

A :class:`Workspace` holds z^l, a^l, δ^l and one scratch array per layer for a mini-batch of m
rows; the forward pass and BP1–BP4 write into it (see ``ops``), so a training step allocates
nothing that grows with the number of steps. Without one (``workspace=None``) the same
functions return new arrays, which is what one-off calls such as ``Network.backprop`` want.

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
    """Arrays for one mini-batch size m, reused by every step of that size.

    ``z[i]``, ``a[i]``, ``delta[i]`` and ``scratch[i]`` have shape (m, n_l) for layer
    l = i + 2 (a^1 is the input itself and is not stored). For a namespace whose ``ops`` do
    not write into arrays, every entry is None and each step allocates as plain Array API
    code does.
    """

    def __init__(self, sizes: Sequence[int], m: int, xp: Any, dtype: Any, device: Any = None):
        self.m = m
        self.ops: Ops = ops_for(xp)
        n_layers = len(sizes) - 1
        if self.ops.writes_into:

            def empty() -> list[Array]:
                return [xp.empty((m, n), dtype=dtype, device=device) for n in sizes[1:]]

            self.z, self.a, self.delta, self.scratch = empty(), empty(), empty(), empty()
        else:
            self.z = self.a = self.delta = self.scratch = [None] * n_layers
        self.inv_m = self.ops.scalar(1.0 / m, dtype)  # the 1/m of the mean over the rows


class _Unbuffered:
    """Stands in for a workspace when there is none: every buffer is None."""

    class _Nones:
        def __getitem__(self, i: int) -> None:
            return None

    z = a = delta = scratch = _Nones()


UNBUFFERED: Any = _Unbuffered()
