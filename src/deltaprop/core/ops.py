"""The core's one escape hatch from the Array API standard: writing results into given arrays.

The standard has in-place operators (``a += b``, ``a *= b``) but no ``out=`` argument, so
``xp.tanh(z)`` or ``a @ w.T`` always allocates a new array. NumPy, CuPy and PyTorch do accept
``out=``, and on a mini-batch of 10 rows the allocations and the Python scalar conversions cost
as much as the arithmetic. ``ops_for(xp)`` returns the handful of operations the training loop
needs, each taking ``out`` (an array or None) and returning the result:

- for NumPy, CuPy and PyTorch, written into ``out`` when it is given;
- for any other namespace (``array_api_strict``, say), a new array, ``out`` being ignored.

Callers always use the returned array, so the same line of the core is correct either way.
Everything else in ``deltaprop.core`` is plain Array API code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import numpy as np

Array = Any


@dataclass(frozen=True)
class Ops:
    """Operations with an optional ``out`` array, for one array namespace."""

    #: whether ``out`` is honoured (and the library's slices and reshapes are views that can
    #: be written through, so parameters may live in one flat buffer)
    writes_into: bool
    matmul: Callable[..., Array]  # (a, b, out=None) → a @ b
    multiply: Callable[..., Array]  # (x, y, out=None) → x * y, y an array or a number
    subtract: Callable[..., Array]  # (x, y, out=None) → x − y, both arrays
    tanh: Callable[..., Array]  # (x, out=None)
    sum_rows: Callable[..., Array]  # (x, out=None) → Σ over the rows, shape (n,)
    sum_products: Callable[[Array, Array], Array]  # (x, y) → Σ x ⊙ y over every entry, 0-d
    softplus: Callable[..., Array]  # (z, out=None) → ln(1 + e^z), without overflow
    #: (z, out=None) → 1/(1 + e^−z) and its derivative, accurate to a few ulp everywhere
    sigmoid: Callable[..., Array]
    sigmoid_prime: Callable[..., Array]
    take_rows: Callable[..., Array]  # (X, idx, out=None) → X[idx] for integer row indices
    #: a number as the library's fastest operand of that dtype: NumPy treats Python floats
    #: through a slower promotion path (about 1 µs per call), so it gets 0-d arrays
    scalar: Callable[[float, Any], Any]
    #: numbers per piece when a long elementwise update is done piecewise so that its
    #: temporary stays in the CPU's cache (None: in one go, as a GPU wants it)
    cache_block: int | None = None


def _numpy_ops() -> Ops:
    # ``partial`` objects call straight into NumPy's C functions: no Python frame per call.
    return Ops(
        writes_into=True,
        matmul=np.matmul,
        multiply=np.multiply,
        subtract=np.subtract,
        tanh=np.tanh,
        sum_rows=partial(np.add.reduce, axis=0),
        sum_products=np.vdot,
        softplus=lambda z, out=None: np.logaddexp(_numpy_scalar(0.0, z.dtype), z, out=out),
        sigmoid=_numpy_sigmoid,
        sigmoid_prime=_numpy_sigmoid_prime,
        # mode="clip" lets NumPy write straight into ``out`` (the default buffers it); the
        # indices are a permutation of valid rows, so clipping never changes them.
        take_rows=partial(np.take, axis=0, mode="clip"),
        scalar=_numpy_scalar,
        cache_block=1 << 15,
    )


def _numpy_denominator(z: Array) -> Array:
    """1 + e^(−|z|), a new array: its exponential never overflows."""
    e = np.copysign(z, _numpy_scalar(-1.0, z.dtype))  # −|z|, in one call
    np.exp(e, out=e)  # in (0, 1]
    e += _numpy_scalar(1.0, e.dtype)
    return e


def _numpy_sigmoid(z: Array, out: Array = None) -> Array:
    # σ(z) = e^min(z, 0) / (1 + e^−|z|): e^z/(1 + e^z) for z < 0 and 1/(1 + e^−z) for z ≥ 0,
    # a few ulp of the true value in the far tail, where ½(1 + tanh(z/2)) rounds to 0 (for
    # z ≤ −20 in float32), and never an overflow. (``where=`` would cost 2 µs a call, more
    # than a second exponential.)
    denominator = _numpy_denominator(z)  # first: ``out`` may be z itself
    a = np.minimum(z, _numpy_scalar(0.0, z.dtype), out=out)
    np.exp(a, out=a)
    return np.divide(a, denominator, out=a)


def _numpy_sigmoid_prime(z: Array, out: Array = None) -> Array:
    # σ'(z) = σ(−|z|) σ(|z|) = e/(1 + e)² with e = e^(−|z|): a(1 − a) from a rounded σ(z) is
    # 0 where σ(z) rounds to 1 (z > 17 in float32), the true value being e^−z
    e = np.copysign(z, _numpy_scalar(-1.0, z.dtype), out=out)
    np.exp(e, out=e)
    denominator = e + _numpy_scalar(1.0, e.dtype)
    np.divide(e, denominator, out=e)
    return np.divide(e, denominator, out=e)


@lru_cache(maxsize=256)  # bounded: a learning-rate schedule brings a new η every epoch
def _numpy_scalar(value: float, dtype: Any) -> Array:
    return np.asarray(value, dtype=dtype)  # 0-d and read-only by convention: never written


def _cupy_ops() -> Ops:
    import cupy

    return Ops(
        writes_into=True,
        matmul=cupy.matmul,
        multiply=cupy.multiply,
        subtract=cupy.subtract,
        tanh=cupy.tanh,
        sum_rows=lambda x, out=None: cupy.sum(x, axis=0, out=out),
        sum_products=cupy.vdot,
        softplus=lambda z, out=None: cupy.logaddexp(0.0, z, out=out),
        sigmoid=partial(_generic_sigmoid, cupy),
        sigmoid_prime=partial(_generic_sigmoid_prime, cupy),
        take_rows=lambda X, idx, out=None: cupy.take(X, idx, axis=0, out=out),
        scalar=lambda value, dtype: value,
    )


def _torch_ops() -> Ops:
    import torch

    def sum_products(x: Array, y: Array) -> Array:
        return torch.dot(x.reshape(-1), y.reshape(-1))

    @lru_cache(maxsize=16)
    def zero(dtype: Any, device: Any) -> Array:  # made once, not on every training step
        return torch.zeros((), dtype=dtype, device=device)

    def softplus(z: Array, out: Array = None) -> Array:
        return torch.logaddexp(zero(z.dtype, z.device), z, out=out)

    return Ops(
        writes_into=True,
        matmul=torch.matmul,
        multiply=torch.mul,
        subtract=torch.sub,
        tanh=torch.tanh,
        sum_rows=lambda x, out=None: torch.sum(x, dim=0, out=out),
        sum_products=sum_products,
        softplus=softplus,
        sigmoid=partial(_generic_sigmoid, torch),
        sigmoid_prime=partial(_generic_sigmoid_prime, torch),
        take_rows=lambda X, idx, out=None: torch.index_select(X, 0, idx, out=out),
        scalar=lambda value, dtype: value,
    )


def _generic_sigmoid(xp: Any, z: Array, out: Array = None) -> Array:
    """σ(z) from e = e^(−|z|), in any namespace (new arrays; ``out`` is ignored)."""
    e = xp.exp(-xp.abs(z))
    s = e / (1 + e)  # σ(−|z|)
    return xp.where(z >= 0, 1 - s, s)


def _generic_sigmoid_prime(xp: Any, z: Array, out: Array = None) -> Array:
    e = xp.exp(-xp.abs(z))
    return e / ((1 + e) * (1 + e))


def _standard_ops(xp: Any) -> Ops:
    """Plain Array API operations: ``out`` is ignored and every call returns a new array."""
    return Ops(
        writes_into=False,
        matmul=lambda a, b, out=None: a @ b,
        multiply=lambda x, y, out=None: x * y,
        subtract=lambda x, y, out=None: x - y,
        tanh=lambda x, out=None: xp.tanh(x),
        sum_rows=lambda x, out=None: xp.sum(x, axis=0),
        sum_products=lambda x, y: xp.sum(x * y),
        softplus=lambda z, out=None: xp.logaddexp(xp.zeros_like(z), z),
        sigmoid=partial(_generic_sigmoid, xp),
        sigmoid_prime=partial(_generic_sigmoid_prime, xp),
        take_rows=lambda X, idx, out=None: xp.take(X, idx, axis=0),
        scalar=lambda value, dtype: value,
    )


_FACTORIES = {
    "numpy": _numpy_ops,
    "array_api_compat.numpy": _numpy_ops,
    "cupy": _cupy_ops,
    "array_api_compat.cupy": _cupy_ops,
    "torch": _torch_ops,
    "array_api_compat.torch": _torch_ops,
}
_CACHE: dict[int, tuple[Any, Ops]] = {}


def ops_for(xp: Any) -> Ops:
    """The :class:`Ops` of the array namespace ``xp`` (cached)."""
    hit = _CACHE.get(id(xp))
    if hit is not None and hit[0] is xp:
        return hit[1]
    factory = _FACTORIES.get(getattr(xp, "__name__", ""))
    ops = factory() if factory is not None else _standard_ops(xp)
    _CACHE[id(xp)] = (xp, ops)
    return ops
