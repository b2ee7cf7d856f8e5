"""Model files: a network's configuration and parameters in one ``.npz`` file.

The file holds the arrays ``w_2``, ``b_2``, … ``w_L``, ``b_L`` (layers numbered from the input,
as in ``docs/notation.md``) and a JSON metadata member naming the format, its version and the
:class:`~deltaprop.core.model.NetworkConfig` fields, and, for a network trained on classes
that have names, ``classes``: the name of each output neuron's class (files without it, older
ones included, load as before; :func:`read_classes` reads it). It is written atomically and
read without pickle, checking every shape against the metadata before any array data is read.

This module reads and writes a configuration and arrays; ``deltaprop.load`` turns them into a
``Network`` (and reads the network in a checkpoint as well).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..core.model import NetworkConfig
from ..errors import FormatError
from .npzfile import Expected, read_npz, require, write_npz

__all__ = [
    "FORMAT",
    "VERSION",
    "CheckpointFile",
    "network_config",
    "network_fields",
    "read_classes",
    "read_model",
    "write_model",
]

FORMAT = "deltaprop-model"
"""The metadata's ``format`` field in every model file."""
VERSION = 1
"""The model file format's version, which this deltaprop writes and reads."""
CHECKPOINT_FORMAT = "deltaprop-checkpoint"  # a checkpoint also holds a network
_DTYPES = ("float32", "float64")


class CheckpointFile(FormatError):
    """Raised by :func:`read_model` for a training checkpoint, which holds a network too but
    is read by :func:`deltaprop.training.checkpoint.load_checkpoint`.

    Examples
    --------
    >>> net = deltaprop.Network([3, 2], seed=0)
    >>> _ = net.fit(np.eye(3), [0, 1, 0], epochs=1, checkpoint="ck.npz", verbose=0)
    >>> read_model("ck.npz")
    Traceback (most recent call last):
    ...
    deltaprop.io.model.CheckpointFile: a training checkpoint, not a model file
    """


def network_fields(config: NetworkConfig) -> dict[str, Any]:
    """The :class:`NetworkConfig` as the plain JSON fields model files and checkpoints store.

    Parameters
    ----------
    config : NetworkConfig
        The network's configuration.

    Returns
    -------
    dict
        ``sizes`` (a list), ``activation``, ``output_activation``, ``cost``, ``init``,
        ``dtype`` and ``seed``.

    Examples
    --------
    >>> network_fields(NetworkConfig((4, 3, 2), seed=1))["sizes"]
    [4, 3, 2]
    """
    return {
        "sizes": list(config.sizes),
        "activation": config.activation,
        "output_activation": config.output_activation,
        "cost": config.cost,
        "init": config.init,
        "dtype": config.dtype,
        "seed": config.seed,
    }


def network_config(fields: Mapping[str, Any]) -> NetworkConfig:
    """The :class:`NetworkConfig` stored as :func:`network_fields`, every field checked.

    Parameters
    ----------
    fields : mapping
        The metadata of a model file or checkpoint.

    Returns
    -------
    NetworkConfig
        The configuration the fields describe.

    Raises
    ------
    FormatError
        Naming the field that is missing or wrong.

    Examples
    --------
    >>> network_config(network_fields(NetworkConfig((4, 3, 2)))).sizes
    (4, 3, 2)
    >>> network_config({"sizes": [4, 0]})
    Traceback (most recent call last):
    ...
    deltaprop.errors.FormatError: invalid network configuration: ...
    """
    try:
        sizes = require(
            fields,
            "sizes",
            list,
            "a list of at least two positive integers",
            lambda s: len(s) >= 2 and all(type(n) is int and n > 0 for n in s),
        )
        return NetworkConfig(
            tuple(sizes),
            activation=require(fields, "activation", str),
            output_activation=require(fields, "output_activation", str),
            cost=require(fields, "cost", str),
            init=require(fields, "init", str),
            dtype=require(fields, "dtype", str, "'float32' or 'float64'", lambda d: d in _DTYPES),
            seed=require(fields, "seed", (int, type(None)), "null or an integer"),
        )
    except ValueError as exc:  # FormatError from require, or NetworkConfig's own checks
        raise FormatError(f"invalid network configuration: {exc}") from None


def parameter_shapes(sizes: Any, dtypes: tuple[str, ...]) -> Expected:
    """The arrays ``w_2``, ``b_2`` … of a network of ``sizes``, with shapes and dtypes."""
    shapes: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        shapes[f"w_{i + 2}"] = ((n_out, n_in), dtypes)
        shapes[f"b_{i + 2}"] = ((n_out,), dtypes)
    return shapes


def write_model(
    path: str | os.PathLike[str],
    config: NetworkConfig,
    weights: list[Any],
    biases: list[Any],
    classes: Sequence[str] | None = None,
) -> None:
    """Write a model file: ``config`` and the NumPy arrays w^l, b^l for l = 2 … L, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write; its directory must exist.
    config : NetworkConfig
        The network's configuration (its ``sizes`` give the arrays' shapes).
    weights, biases : list of numpy.ndarray
        w^l of shape (n_l, n_{l-1}) and b^l of shape (n_l,), for l = 2 … L.
    classes : sequence of str, optional
        When the classes have names, the name of each output neuron's class (label i is
        ``classes[i]``); :func:`read_classes` reads them back.

    Raises
    ------
    ValueError
        If ``classes`` are not distinct names, one per output neuron.

    Examples
    --------
    >>> config = NetworkConfig((2, 1))
    >>> write_model("tiny.npz", config, [np.ones((1, 2), np.float32)], [np.zeros(1, np.float32)])
    >>> read_model("tiny.npz")[1]
    [array([[1., 1.]], dtype=float32)]
    >>> w, b = [np.zeros((2, 2), np.float32)], [np.zeros(2, np.float32)]
    >>> write_model("iris.npz", NetworkConfig((2, 2)), w, b, classes=["setosa", "virginica"])
    >>> read_classes("iris.npz")
    ('setosa', 'virginica')
    """
    meta: dict[str, Any] = {"format": FORMAT, "version": VERSION, **network_fields(config)}
    if classes is not None:
        meta["classes"] = list(classes)
        if not _names_fit(config.sizes)(meta["classes"]):
            raise ValueError(f"classes must be {_names_wanted(config.sizes)}, got {classes!r}")
    arrays = {}
    for i, (w, b) in enumerate(zip(weights, biases)):
        arrays[f"w_{i + 2}"] = np.asarray(w)
        arrays[f"b_{i + 2}"] = np.asarray(b)
    write_npz(path, arrays, meta)


def _names_wanted(sizes: Any) -> str:
    return f"a list of {sizes[-1]} distinct, non-empty class names, one per output neuron"


def _names_fit(sizes: Any) -> Any:
    def fit(names: list[Any]) -> bool:
        strings = all(isinstance(n, str) and n for n in names)
        return strings and len(names) == sizes[-1] and len(set(names)) == len(names)

    return fit


def _expected(meta: Mapping[str, Any]) -> Expected:
    """The arrays a model file with this metadata must hold (``read_npz``'s ``expect``)."""
    fmt = meta.get("format")
    if fmt == CHECKPOINT_FORMAT:
        raise CheckpointFile("a training checkpoint, not a model file")
    if fmt != FORMAT:
        raise FormatError(f"not a deltaprop model file (its format field is {fmt!r})")
    version = require(meta, "version", int)
    if version != VERSION:
        raise FormatError(
            f"model format version {version} is not supported by this deltaprop (it reads "
            f"version {VERSION}); upgrade deltaprop to load it"
        )
    sizes = require(
        meta,
        "sizes",
        list,
        "a list of at least two positive integers",
        lambda s: len(s) >= 2 and all(type(n) is int and n > 0 for n in s),
    )
    if "classes" in meta:
        require(meta, "classes", list, _names_wanted(sizes), _names_fit(sizes))
    return parameter_shapes(sizes, _DTYPES)


def read_model(path: str | os.PathLike[str]) -> tuple[NetworkConfig, list[Any], list[Any]]:
    """Read a model file: its configuration and the NumPy arrays w^l and b^l.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`write_model` (``Network.save``, ``deltaprop train --save``).

    Returns
    -------
    config : NetworkConfig
        The network's configuration.
    weights, biases : list of numpy.ndarray
        w^l of shape (n_l, n_{l-1}) and b^l of shape (n_l,), for l = 2 … L.

    Raises
    ------
    CheckpointFile
        If the file is a training checkpoint (``deltaprop.load`` reads those as well).
    FormatError
        If the file is not a deltaprop model, is truncated or corrupt, holds arrays of the
        wrong shape or type, or non-finite parameters; the message names the file.
    FileNotFoundError
        If there is no such file.

    Examples
    --------
    >>> with open("not_a_model.npz", "w") as f:
    ...     _ = f.write("hello")
    >>> read_model("not_a_model.npz")
    Traceback (most recent call last):
    ...
    deltaprop.errors.FormatError: not_a_model.npz: not a valid .npz (zip) file, or truncated ...
    """
    try:
        meta, arrays = read_npz(path, _expected)
    except FormatError as exc:
        if isinstance(exc.__cause__, CheckpointFile):
            raise exc.__cause__ from None
        raise
    try:
        config = network_config(meta)
    except FormatError as exc:
        raise FormatError(f"{os.fspath(path)}: {exc}") from None
    n_layers = len(config.sizes) - 1
    weights = [arrays[f"w_{i + 2}"] for i in range(n_layers)]
    biases = [arrays[f"b_{i + 2}"] for i in range(n_layers)]
    return config, weights, biases


def read_classes(path: str | os.PathLike[str]) -> tuple[str, ...] | None:
    """The class names a model file keeps, one per output neuron.

    Parameters
    ----------
    path : str or os.PathLike
        A model file (or a training checkpoint).

    Returns
    -------
    tuple of str, or None
        Label i's name is the i-th; None for a file without names (classes that are
        numbers, a file written before class names, or a training checkpoint).

    Raises
    ------
    FormatError
        If the file is not a valid model file (as :func:`read_model`).

    Examples
    --------
    >>> write_model("tiny.npz", NetworkConfig((2, 1)), [np.ones((1, 2))], [np.zeros(1)])
    >>> read_classes("tiny.npz") is None
    True
    """
    try:
        meta, _ = read_npz(path, _expected)
    except FormatError as exc:
        if isinstance(exc.__cause__, CheckpointFile):
            return None
        raise
    return tuple(meta["classes"]) if "classes" in meta else None
