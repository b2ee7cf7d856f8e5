"""Model files: a network's parameters and configuration in one ``.npz`` file.

The file holds the arrays ``w_2``, ``b_2``, … ``w_L``, ``b_L`` (layers numbered as in the notation)
and a JSON metadata member naming the format, its version and the ``NetworkConfig`` fields.
It is written atomically and read without pickle, checking every shape against the metadata
before any array data is read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import FormatError
from .npzfile import Expected, read_npz, require, write_npz

if TYPE_CHECKING:
    from ..network import Network

FORMAT = "deltaprop-model"
VERSION = 1
_DTYPES = ("float32", "float64")
CHECKPOINT_FORMAT = "deltaprop-checkpoint"  # a checkpoint also holds a network


class _Checkpoint(FormatError):
    """Raised by ``expected_arrays`` for a checkpoint file, which ``load`` reads another way."""


def save(net: Network, path: str | os.PathLike[str]) -> None:
    """Write ``net`` to ``path`` (conventionally ``*.npz``), atomically."""
    c = net.config
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "sizes": list(c.sizes),
        "activation": c.activation,
        "output_activation": c.output_activation,
        "cost": c.cost,
        "init": c.init,
        "dtype": c.dtype,
        "seed": c.seed,
    }
    arrays = {}
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        arrays[f"w_{i + 2}"] = net.to_numpy(w)
        arrays[f"b_{i + 2}"] = net.to_numpy(b)
    write_npz(path, arrays, meta)


def expected_arrays(meta: Mapping[str, Any]) -> Expected:
    """The arrays a model file with this metadata must hold, with their shapes and dtypes.

    Raises FormatError (``read_npz`` adds the file's name) for metadata that is not a
    deltaprop model's.
    """
    fmt = meta.get("format")
    if fmt == CHECKPOINT_FORMAT:
        raise _Checkpoint("a checkpoint")
    if fmt != FORMAT:
        raise FormatError(f"not a deltaprop model file (its format field is {fmt!r})")
    version = require(meta, "version", int)
    if not 1 <= version <= VERSION:
        raise FormatError(
            f"model format version {version} is not supported by this deltaprop "
            f"(it reads versions 1 … {VERSION}); upgrade deltaprop to load it"
        )
    sizes = require(
        meta, "sizes", list, "a list of at least two positive integers",
        lambda s: len(s) >= 2 and all(type(n) is int and n > 0 for n in s),
    )  # fmt: skip
    shapes: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        shapes[f"w_{i + 2}"] = ((n_out, n_in), _DTYPES)
        shapes[f"b_{i + 2}"] = ((n_out,), _DTYPES)
    return shapes


def load(path: str | os.PathLike[str]) -> Network:
    """Read a network written by :meth:`Network.save` (or the network in a checkpoint).

    Parameters
    ----------
    path : str or os.PathLike
        A ``.npz`` file written by :meth:`Network.save`, ``deltaprop train --save``, or a
        training checkpoint.

    Returns
    -------
    Network
        On the NumPy backend, with the saved configuration and parameters.

    Raises
    ------
    FormatError
        If the file is not a deltaprop model, is truncated or corrupt, holds arrays of the
        wrong shape or type (object arrays included), or non-finite parameters.
    FileNotFoundError
        If there is no such file.

    Examples
    --------
    >>> net = deltaprop.Network([4, 3, 2], cost="cross-entropy", seed=0)
    >>> net.save("net.npz")
    >>> same = deltaprop.load("net.npz")
    >>> same
    Network([4, 3, 2], ..., cost='cross-entropy', dtype='float32')
    >>> all(np.array_equal(w, v) for w, v in zip(same.weights, net.weights))
    True
    >>> with open("not_a_model.npz", "w") as f:
    ...     _ = f.write("hello")
    >>> deltaprop.load("not_a_model.npz")
    Traceback (most recent call last):
    ...
    deltaprop.errors.FormatError: not_a_model.npz: not a valid .npz (zip) file, or truncated ...
    """
    from ..network import Network, NetworkConfig

    where = os.fspath(path)
    try:
        meta, arrays = read_npz(path, expected_arrays)
    except FormatError as exc:
        if not isinstance(exc.__cause__, _Checkpoint):
            raise
        from ..training.checkpoint import load_checkpoint

        return load_checkpoint(path).network
    try:
        config = NetworkConfig(
            tuple(meta["sizes"]),
            activation=require(meta, "activation", str),
            output_activation=require(meta, "output_activation", str),
            cost=require(meta, "cost", str),
            init=require(meta, "init", str),
            dtype=require(meta, "dtype", str),
            seed=meta.get("seed"),
        )
    except ValueError as exc:  # FormatError from require, or NetworkConfig's own checks
        raise FormatError(f"{where}: invalid network configuration: {exc}") from None
    n_layers = len(config.sizes) - 1
    weights = [arrays[f"w_{i + 2}"] for i in range(n_layers)]
    biases = [arrays[f"b_{i + 2}"] for i in range(n_layers)]
    return Network.from_parameters(config, weights, biases)
