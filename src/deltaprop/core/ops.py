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
    #: (z, out=None) → σ(z) = 1/(1 + e^−z), accurate to a few ulp everywhere
    sigmoid: Callable[..., Array]
    #: (z, out=None, prime_out=None) → (σ(z), σ'(z)), the two sharing one exponential
    sigmoid_and_prime: Callable[..., tuple[Array, Array]]
    #: (z, out=None, prime_out=None) → (tanh(z), tanh'(z)); tanh'(z) = 1 − tanh²(z) from
    #: e^(−2|z|), accurate where 1 − tanh² would lose every digit
    tanh_and_prime: Callable[..., tuple[Array, Array]]
    take_rows: Callable[..., Array]  # (X, idx, out=None) → X[idx] for integer row indices
    #: a number as the library's fastest operand of that dtype: NumPy treats Python floats
    #: through a slower promotion path (about 1 µs per call), so it gets 0-d arrays
    scalar: Callable[[float, Any], Any]
    #: numbers per piece when a long elementwise update is done piecewise so that its
    #: temporary stays in the CPU's cache (None: in one go, as a GPU wants it)
    cache_block: int | None = None
    #: ``sigmoid_and_prime`` for a caller that already ignores overflow and division by zero
    #: (``np.errstate`` held around many calls, as the training loop holds it around an epoch:
    #: its errstate costs about 1 µs a call, a fifth of σ and σ' on 10 rows); None: the same
    sigmoid_and_prime_in_errstate: Callable[..., tuple[Array, Array]] | None = None


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
        sigmoid_and_prime=_numpy_sigmoid_and_prime,
        tanh_and_prime=_numpy_tanh_and_prime,
        # mode="clip" lets NumPy write straight into ``out`` (the default buffers it); the
        # indices are a permutation of valid rows, so clipping never changes them.
        take_rows=partial(np.take, axis=0, mode="clip"),
        scalar=_numpy_scalar,
        # 1 MiB (float32) or 2 MiB (float64) pieces: an update of up to 262,144 numbers in
        # one go, larger ones in pieces that fit a core's L2 cache (BENCHMARKS.md)
        cache_block=1 << 18,
        sigmoid_and_prime_in_errstate=_numpy_sigmoid_and_prime_raw,
    )


def _numpy_sigmoid(z: Array, out: Array = None) -> Array:
    # σ(z) = 1/(1 + e^−z) with e^−z = 1/e^z: four passes over the array, one exponential, and
    # a few ulp of the true value everywhere, also in the far tail where ½(1 + tanh(z/2))
    # rounds to 0 (z ≤ −20 in float32). Past the exponential's range (|z| > 88 in float32,
    # > 709 in float64) e^z is inf or 0 and the result the right limit, 1 or 0: the
    # floating-point flags that raises are expected here, not a user's error.
    with np.errstate(over="ignore", divide="ignore"):
        a = np.exp(z, out=out)  # e^z; ``out`` may be z itself
        np.divide(_numpy_scalar(1.0, a.dtype), a, out=a)  # e^−z
        a += _numpy_scalar(1.0, a.dtype)
        return np.divide(_numpy_scalar(1.0, a.dtype), a, out=a)


def _numpy_sigmoid_and_prime(z: Array, out: Array = None, prime_out: Array = None) -> tuple:
    with np.errstate(over="ignore", divide="ignore"):  # the tails' flags, as in σ above
        return _numpy_sigmoid_and_prime_raw(z, out, prime_out)


def _numpy_sigmoid_and_prime_raw(z: Array, out: Array = None, prime_out: Array = None) -> tuple:
    # σ(z) as above and σ'(z) = σ(z) σ(−z) = σ(z)/(1 + e^z): six passes in all, where σ by
    # itself takes four; no cancellation anywhere (a(1 − a) from a rounded a is 0 wherever
    # a rounds to 1, z > 17 in float32). ``out`` or ``prime_out`` may be z itself. The caller
    # ignores the tails' overflow and division by zero (the errstate of the function above).
    one = _numpy_scalar(1.0, z.dtype)
    e = np.exp(z, out=prime_out)  # e^z
    a = np.divide(one, e, out=out)  # e^−z
    e += one  # 1 + e^z
    a += one  # 1 + e^−z
    np.divide(one, a, out=a)  # σ(z)
    return a, np.divide(a, e, out=e)  # σ(z)/(1 + e^z) = σ'(z)


def _numpy_tanh_and_prime(z: Array, out: Array = None, prime_out: Array = None) -> tuple:
    # tanh'(z) = 1 − tanh²(z) = 4e/(1 + e)² with e = e^(−2|z|) ≤ 1 (1 − a² from a rounded a
    # is 0 wherever a rounds to ±1, |z| > 9 in float32): never an overflow.
    if out is z:  # tanh(z) is computed last, from z: ``out`` holds 1 + e until then
        out = None
    if prime_out is z:
        prime_out = None
    two = _numpy_scalar(2.0, z.dtype)
    e = np.abs(z, out=prime_out)
    e *= _numpy_scalar(-2.0, z.dtype)  # −2|z|, exactly
    np.exp(e, out=e)
    d = np.add(e, _numpy_scalar(1.0, z.dtype), out=out)  # 1 + e
    np.divide(two, d, out=d)  # 2/(1 + e)
    e *= d
    e *= d  # e (2/(1 + e))² = tanh'(z)
    return np.tanh(z, out=d), e


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
        sigmoid_and_prime=partial(_generic_sigmoid_and_prime, cupy),
        tanh_and_prime=partial(_generic_tanh_and_prime, cupy),
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
        sigmoid_and_prime=partial(_generic_sigmoid_and_prime, torch),
        tanh_and_prime=partial(_generic_tanh_and_prime, torch),
        take_rows=lambda X, idx, out=None: torch.index_select(X, 0, idx, out=out),
        scalar=lambda value, dtype: value,
    )


def _generic_sigmoid(xp: Any, z: Array, out: Array = None) -> Array:
    """σ(z) from e = e^(−|z|), in any namespace (new arrays; ``out`` is ignored)."""
    e = xp.exp(-xp.abs(z))
    s = e / (1 + e)  # σ(−|z|)
    return xp.where(z >= 0, 1 - s, s)


def _generic_sigmoid_and_prime(
    xp: Any, z: Array, out: Array = None, prime_out: Array = None
) -> tuple[Array, Array]:
    """σ(z) and σ'(z) = e/(1 + e)² from one e = e^(−|z|), in any namespace (new arrays)."""
    e = xp.exp(-xp.abs(z))
    d = 1 + e
    s = e / d  # σ(−|z|)
    return xp.where(z >= 0, 1 - s, s), s / d


def _generic_tanh_and_prime(
    xp: Any, z: Array, out: Array = None, prime_out: Array = None
) -> tuple[Array, Array]:
    """tanh(z) and tanh'(z) = 4e/(1 + e)² with e = e^(−2|z|), in any namespace (new arrays)."""
    e = xp.exp(-2 * xp.abs(z))
    d = 1 + e
    return xp.tanh(z), 4 * e / (d * d)


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
        sigmoid_and_prime=partial(_generic_sigmoid_and_prime, xp),
        tanh_and_prime=partial(_generic_tanh_and_prime, xp),
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
