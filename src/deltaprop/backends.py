"""Array backends: which library holds a network's numbers, and on which device.

deltaprop's core is written once against the Python Array API standard; a backend only picks
the namespace ``xp`` it computes with:

- ``"numpy"`` (the default): NumPy on the CPU; no dependency beyond NumPy.
- ``"cupy"``: CuPy on an NVIDIA GPU (``pip install cupy-cuda12x "deltaprop[backends]"``).
- ``"torch"``: PyTorch tensors on the CPU or, with ``device="cuda"``, a GPU
  (``pip install torch "deltaprop[backends]"``).
- ``"jax"``: NumPy holds the parameters, as for ``"numpy"``, and each epoch of training runs as
  one program compiled by JAX (``pip install "deltaprop[jax]"``), on the CPU or, with
  ``device="gpu"``, a GPU; see ``deltaprop.training.compiled``.
- an Array API namespace object itself, e.g. ``array_api_strict``, which the test suite uses to
  prove that the core needs nothing outside the standard.

CuPy and PyTorch are reached through array-api-compat's standard-conforming namespaces. Data
and parameters move to the device once (``Backend.asarray``) and back to NumPy only when asked
(``Backend.to_numpy``): model files always hold NumPy arrays.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _validation as v

__all__ = ["BACKENDS", "Backend", "BackendUnavailable", "get_backend", "to_numpy"]

BACKENDS = ("numpy", "cupy", "torch", "jax")
"""The backends known by name; any Array API namespace is accepted too."""


class BackendUnavailable(RuntimeError):
    """The requested backend's library or device is not available here.

    The message says what to install.

    Examples
    --------
    >>> try:
    ...     backend = get_backend("cupy")
    ... except BackendUnavailable:        # no CuPy or no GPU here: the message says which
    ...     backend = get_backend("numpy")
    >>> backend.name in ("cupy", "numpy")
    True
    """


@dataclass(frozen=True)
class Backend:
    """An array namespace and a device.

    Attributes
    ----------
    name : str
        "numpy", "cupy", "torch", "jax", or the module name of a namespace passed in.
    xp : module
        The Array API namespace the core computes with (NumPy for "jax").
    device : object or None
        Where arrays are created (``None``: the library's default).
    compiled_on : object or None
        For "jax": the JAX device that each compiled epoch runs on; None for the others,
        whose training steps run one operation at a time.

    Examples
    --------
    >>> backend = get_backend("numpy")
    >>> backend.name, backend.device
    ('numpy', None)
    >>> backend.asarray([[1, 2]], "float32")            # shape (1, 2), on the backend
    array([[1., 2.]], dtype=float32)
    >>> backend.inputs([[0.5, 1.0]], 2, "float64").shape   # checked: (n, n_in)
    (1, 2)
    """

    name: str
    xp: Any
    device: Any = None
    compiled_on: Any = None

    @property
    def host(self) -> bool:
        """Whether the arrays are NumPy's, in host memory ("numpy" and "jax")."""
        return self.xp is np

    def dtype(self, name: str) -> Any:
        """The namespace's dtype object for "float32" or "float64"."""
        return getattr(self.xp, name)

    def asarray(self, array: Any, dtype: str | None = None) -> Any:
        """``array`` (NumPy or this backend's) as an array of this backend, on its device;
        no copy when it already is one of the right dtype."""
        kwargs: dict[str, Any] = {} if dtype is None else {"dtype": self.dtype(dtype)}
        if self.host:
            return np.asarray(array, **kwargs)
        if self.device is not None:
            kwargs["device"] = self.device
        return self.xp.asarray(array, **kwargs)

    def to_numpy(self, array: Any) -> np.ndarray:
        """``array`` as a NumPy array (copied from the device when it lives on one)."""
        return to_numpy(array)

    def inputs(self, X: Any, n_in: int, dtype: str, name: str = "X") -> Any:
        """Inputs checked (2-D, n_in columns, finite numbers) as a (n, n_in) array of ``dtype``
        on this backend. An array already on the device is checked there, not copied back."""
        if not self.host and self.owns(X):
            xp = self.xp
            if (
                X.ndim == 2
                and X.shape[0] > 0
                and X.shape[1] == n_in
                and xp.isdtype(X.dtype, ("real floating", "integral"))
            ):
                X = self.asarray(X, dtype)
                if bool(xp.all(xp.isfinite(X))):
                    return X
        # NumPy (or anything else) is checked on the host, with messages that say what is
        # wrong, and moved to the device once.
        return self.asarray(v.check_inputs(_host(X), n_in, dtype, name=name))

    def targets(
        self,
        y: Any,
        n: int,
        n_out: int,
        dtype: str,
        *,
        softmax: bool,
        name: str = "y",
        probabilities: bool = False,
    ) -> Any:
        """Targets as an (n, n_out) array of ``dtype`` on this backend; 1-D class labels are
        one-hot encoded (on the host: labels are small). ``probabilities``: the targets must
        lie in [0, 1] (the cross-entropy's)."""
        checked = v.check_targets(
            _host(y), n, n_out, dtype, softmax=softmax, name=name, probabilities=probabilities
        )
        return self.asarray(checked)

    def owns(self, array: Any) -> bool:
        """Whether ``array`` is already an array of this backend (not a NumPy array, unless
        the backend is NumPy)."""
        if self.host:
            return isinstance(array, np.ndarray)
        if isinstance(array, np.ndarray):
            return False
        module = type(array).__module__.split(".")[0]
        return module in (self.name, self.xp.__name__.split(".")[0], self.xp.__name__)


def _host(array: Any) -> Any:
    """An array of another library as NumPy, for checking; anything else unchanged."""
    if isinstance(array, (np.ndarray, list, tuple)) or not hasattr(array, "shape"):
        return array
    return to_numpy(array)


def to_numpy(array: Any) -> np.ndarray:
    """Any array (NumPy, CuPy, PyTorch, or one supporting DLPack) as a NumPy array.

    Parameters
    ----------
    array : array of any shape
        NumPy (returned as it is), CuPy (copied from the GPU), PyTorch (detached, copied to
        the host), or anything NumPy can read through DLPack or ``np.asarray``.

    Returns
    -------
    numpy.ndarray of the same shape

    Examples
    --------
    >>> to_numpy([[1.0, 2.0]]).shape
    (1, 2)
    """
    if isinstance(array, np.ndarray):
        return array
    module = type(array).__module__.split(".")[0]
    if module == "cupy":
        return array.get()
    if module == "torch":
        return array.detach().cpu().numpy()
    if hasattr(array, "__dlpack__"):
        try:
            return np.from_dlpack(array)
        except (TypeError, RuntimeError, BufferError):
            pass
    return np.asarray(array)


def get_backend(backend: Any = "numpy", device: Any = None) -> Backend:
    """Resolve ``backend`` (a name in ``BACKENDS`` or an Array API namespace) and ``device``.

    Parameters
    ----------
    backend : str, Backend or an Array API namespace, default "numpy"
        ``"numpy"``, ``"cupy"``, ``"torch"``, ``"jax"``, a :class:`Backend` (returned as it
        is), or a namespace such as ``array_api_strict``.
    device : str, int or None
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` for PyTorch; a GPU number or ``"cuda:N"`` for
        CuPy; ``"cpu"``, ``"gpu"`` or ``"gpu:N"`` (``"cuda"``, ``"cuda:N"``) for JAX; None for
        the library's default (JAX's: its GPU where it has one).

    Returns
    -------
    Backend

    Raises
    ------
    ValueError
        For an unknown backend name, or a device the backend cannot use.
    BackendUnavailable
        When the backend's library, or the device it needs, is missing here; the message says
        what to install.

    Examples
    --------
    >>> get_backend("numpy").xp is np
    True
    >>> get_backend("numpy", device="cuda")
    Traceback (most recent call last):
    ...
    ValueError: backend 'numpy' runs on the CPU only, got device='cuda'; ...
    """
    if isinstance(backend, Backend):
        return backend
    if not isinstance(backend, str):
        if hasattr(backend, "__array_api_version__") or hasattr(backend, "asarray"):
            return Backend(getattr(backend, "__name__", type(backend).__name__), backend, device)
        raise ValueError(
            f"backend must be one of {', '.join(map(repr, BACKENDS))} or an Array API "
            f"namespace, got {backend!r}"
        )
    if backend == "numpy":
        if device not in (None, "cpu"):
            raise ValueError(
                f"backend 'numpy' runs on the CPU only, got device={device!r}; use "
                f"backend='cupy' or backend='torch' with device='cuda' for a GPU"
            )
        return Backend("numpy", np, None)
    if backend == "cupy":
        return _cupy(device)
    if backend == "torch":
        return _torch(device)
    if backend == "jax":
        return _jax(device)
    raise ValueError(f"unknown backend {backend!r}; choose one of: {', '.join(BACKENDS)}")


def _import(module: str, message: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # the library, or one it needs, is missing or broken
        raise BackendUnavailable(f"{message} ({module} could not be imported: {exc})") from None


def _compat(name: str) -> Any:
    return _import(
        f"array_api_compat.{name}",
        f"backend {name!r} needs array-api-compat: pip install 'deltaprop[backends]'",
    )


def _cupy(device: Any) -> Backend:
    need = "backend 'cupy' needs CuPy and an NVIDIA GPU: pip install cupy-cuda12x"
    cupy = _import("cupy", need)
    try:
        n_gpus = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver or runtime missing: CuPy raises its own types
        raise BackendUnavailable(f"{need} (no usable CUDA device: {exc})") from None
    if n_gpus == 0:
        raise BackendUnavailable(f"{need} (CuPy sees no CUDA device)")
    index = _cuda_index(device, "cupy")
    if index >= n_gpus:
        raise ValueError(f"device {device!r} does not exist: CuPy sees {n_gpus} GPU(s)")
    return Backend("cupy", _compat("cupy"), cupy.cuda.Device(index))


def _cuda_index(device: Any, backend: str) -> int:
    if device is None or device == "cuda":
        return 0
    if isinstance(device, int) and not isinstance(device, bool) and device >= 0:
        return device
    if isinstance(device, str) and device.startswith("cuda:") and device[5:].isdigit():
        return int(device[5:])
    raise ValueError(
        f"backend {backend!r} takes device None, 'cuda', 'cuda:N' or a GPU number N, got {device!r}"
    )


def _torch(device: Any) -> Backend:
    torch = _import("torch", "backend 'torch' needs PyTorch: pip install torch")
    try:
        dev = torch.device("cpu" if device is None else device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"backend 'torch' got device={device!r}, which PyTorch does not accept: {exc}"
        ) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise BackendUnavailable(
            f"backend 'torch' with device={device!r} needs a CUDA build of PyTorch and an "
            f"NVIDIA GPU, but torch.cuda.is_available() is False (PyTorch {torch.__version__}); "
            f"use device='cpu', or install a CUDA build of PyTorch"
        )
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"backend 'torch' supports devices 'cpu' and 'cuda', got {device!r}")
    return Backend("torch", _compat("torch"), dev)


def _jax(device: Any) -> Backend:
    kind, index = _jax_device(device)
    jax = _import("jax", "backend 'jax' needs JAX: pip install 'deltaprop[jax]'")
    try:
        devices = jax.devices(kind)
    except RuntimeError as exc:  # JAX raises RuntimeError for a platform it does not have
        raise BackendUnavailable(
            f"backend 'jax' with device={device!r} needs a JAX build for that device "
            f"(pip install 'jax[cuda12]' for NVIDIA GPUs): {exc}"
        ) from None
    if index >= len(devices):
        raise ValueError(f"device {device!r} does not exist: JAX sees {len(devices)} of them")
    return Backend("jax", np, None, compiled_on=devices[index])


def _jax_device(device: Any) -> tuple[str | None, int]:
    """JAX's platform name (None: its default) and the device's number, from ``device``."""
    if device is None:
        return None, 0
    if isinstance(device, str):
        kind, _, number = device.partition(":")
        kind = {"cuda": "gpu"}.get(kind, kind)
        if kind in ("cpu", "gpu") and (number == "" or number.isdigit()):
            return kind, int(number or 0)
    raise ValueError(
        f"backend 'jax' takes device None, 'cpu', 'gpu' or 'gpu:N' ('cuda', 'cuda:N'), "
        f"got {device!r}"
    )
