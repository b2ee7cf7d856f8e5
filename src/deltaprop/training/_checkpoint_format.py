"""The checkpoint file format: writing a snapshot, and checking everything on the way back.

See :mod:`deltaprop.training.checkpoint` for what a checkpoint holds. :func:`expected` is
the ``expect`` callback that :func:`deltaprop.io.npzfile.read_npz` calls
with the parsed metadata: it validates every field (raising
:class:`~deltaprop.errors.FormatError`, to which ``read_npz`` adds the file's name), keeps
what it parsed in a :class:`Parsed`, and returns the arrays the file must hold.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import FormatError
from ..io.model import CHECKPOINT_FORMAT
from ..io.npzfile import Expected, read_npz, require, write_npz
from ._plaindata import decode, encode, expected_arrays
from ._state_bounds import check_state_shapes
from .config import TrainConfig
from .history import History
from .loop import TrainState

if TYPE_CHECKING:
    from ..network import Network, NetworkConfig

NETWORK_FIELDS = ("sizes", "activation", "output_activation", "cost", "init", "dtype", "seed")
TRAINING_FIELDS = tuple(f.name for f in fields(TrainConfig))  # every one, plain values
FORMAT = CHECKPOINT_FORMAT  # "deltaprop-checkpoint"; deltaprop.load reads its network too
VERSION = 2  # 2: every TrainConfig field, and the schedule's and early stopping's state
HISTORY = "history"  # the array holding the history rows as UTF-8 JSON
HISTORY_MAX_BYTES = 64 << 20
_PARAMS = ("float32", "float64")
_U128 = 1 << 128


@dataclass
class Parsed:
    """What :func:`expected` found in the metadata."""

    network: NetworkConfig | None = None
    training: TrainConfig | None = None
    epoch: int = 0
    rng_state: dict[str, Any] = field(default_factory=dict)
    optimizer: str = ""
    optimizer_tree: Any = None
    schedule_tree: Any = None  # None in version 1 files
    stopping_tree: Any = None
    data: dict[str, Any] | None = None

    def optimizer_state(self, arrays: dict[str, np.ndarray]) -> Any:
        return decode(self.optimizer_tree, arrays)

    def state(self, tree: Any, arrays: dict[str, np.ndarray]) -> Any:
        return {} if tree is None else decode(tree, arrays)


def _network(meta: dict[str, Any]) -> NetworkConfig:
    from ..network import NetworkConfig

    net = require(meta, "network", dict, "an object")
    sizes = require(
        net, "sizes", list, "a list of at least two positive integers",
        lambda s: len(s) >= 2 and all(type(n) is int and n > 0 for n in s),
    )  # fmt: skip
    try:
        return NetworkConfig(
            tuple(sizes),
            activation=require(net, "activation", str),
            output_activation=require(net, "output_activation", str),
            cost=require(net, "cost", str),
            init=require(net, "init", str),
            dtype=require(net, "dtype", str, "'float32' or 'float64'", lambda d: d in _PARAMS),
            seed=require(net, "seed", (int, type(None)), "null or an integer"),
        )
    except ValueError as exc:  # FormatError from require, or NetworkConfig's own checks
        raise FormatError(f"invalid network configuration: {exc}") from None


def _training(meta: dict[str, Any]) -> TrainConfig:
    run = require(meta, "training", dict, "an object")
    try:
        # Version 1 files hold only these five; the other fields then keep their defaults
        # (plain SGD, no regularisation, a constant η), which is what those runs used.
        given = dict(
            epochs=require(run, "epochs", int),
            batch_size=require(run, "batch_size", int),
            eta=require(run, "eta", float),
            shuffle=require(run, "shuffle", bool),
            seed=require(run, "seed", (int, type(None)), "null or an integer"),
        )
        plain = (bool, int, float, str, type(None))
        for name in TRAINING_FIELDS:
            if name not in given and name in run:
                given[name] = require(run, name, plain, "a number, a string or null")
        return TrainConfig(**given)  # checks every value
    except ValueError as exc:
        raise FormatError(f"invalid training configuration: {exc}") from None


def _rng_state(meta: dict[str, Any]) -> dict[str, Any]:
    """The shuffling generator's state: that of ``numpy.random.default_rng`` (PCG64)."""
    generator = np.random.default_rng(0).bit_generator
    kind = type(generator).__name__
    state = require(meta, "rng_state", dict, "an object")

    def u(bound: int) -> Any:
        return lambda v: type(v) is int and 0 <= v < bound

    if require(state, "bit_generator", str) != kind or set(state) != {
        "bit_generator", "state", "has_uint32", "uinteger"
    }:  # fmt: skip
        raise FormatError(f"metadata field 'rng_state' is not the state of a {kind} generator")
    inner = require(state, "state", dict, "an object")
    if set(inner) != {"state", "inc"}:
        raise FormatError("metadata field 'rng_state' must hold exactly 'state' and 'inc'")
    require(inner, "state", int, "an unsigned 128-bit integer", u(_U128))
    require(inner, "inc", int, "an unsigned 128-bit integer", u(_U128))
    require(state, "has_uint32", int, "0 or 1", u(2))
    require(state, "uinteger", int, "an unsigned 32-bit integer", u(1 << 32))
    try:
        generator.state = state  # numpy's own check
    except (ValueError, TypeError, OverflowError) as exc:
        raise FormatError(f"metadata field 'rng_state' is not usable: {exc}") from None
    return state


def _data(meta: dict[str, Any]) -> dict[str, Any] | None:
    data = require(meta, "data", (dict, type(None)), "null or an object")
    if data is None:
        return None
    if set(data) != {"n", "fingerprint"}:
        raise FormatError("metadata field 'data' must hold exactly 'n' and 'fingerprint'")
    require(data, "n", int, "a positive integer", lambda n: n > 0)
    require(
        data, "fingerprint", str, "a hex digest",
        lambda s: 0 < len(s) <= 128 and all(c in "0123456789abcdef" for c in s),
    )  # fmt: skip
    return dict(data)


def expected(meta: dict[str, Any], parsed: Parsed) -> Expected:
    """Validate a checkpoint's metadata into ``parsed``; return the arrays it must hold."""
    if meta.get("format") != FORMAT:
        raise FormatError(
            f"not a deltaprop checkpoint (its format field is {meta.get('format')!r})"
        )
    version = require(meta, "version", int)
    if not 1 <= version <= VERSION:
        raise FormatError(
            f"checkpoint format version {version} is not supported by this deltaprop (it "
            f"reads versions 1 … {VERSION}); upgrade deltaprop to resume from it"
        )
    parsed.network = network = _network(meta)
    parsed.training = _training(meta)
    parsed.epoch = require(meta, "epoch", int, "a positive integer", lambda e: e > 0)
    parsed.rng_state = _rng_state(meta)
    parsed.data = _data(meta)
    opt = require(meta, "optimizer", dict, "an object")
    parsed.optimizer = require(opt, "name", str)
    if "state" not in opt:
        raise FormatError("metadata field 'optimizer' has no 'state'")
    parsed.optimizer_tree = opt["state"]
    shapes: dict[str, Any] = {}
    try:
        expected_arrays(opt["state"], "optimizer state", shapes)
        for key in ("schedule", "stopping"):  # from version 2
            if key in meta:
                setattr(parsed, f"{key}_tree", meta[key])
                expected_arrays(meta[key], f"{key} state", shapes)
    except RecursionError:
        raise FormatError("optimizer state: nested too deeply") from None
    n_history = require(
        meta, "history_bytes", int, f"an integer from 0 to {HISTORY_MAX_BYTES}",
        lambda n: 0 <= n <= HISTORY_MAX_BYTES,
    )  # fmt: skip
    shapes[HISTORY] = ((n_history,), ("uint8",))
    dtype = (network.dtype,)
    for i, (n_in, n_out) in enumerate(zip(network.sizes[:-1], network.sizes[1:])):
        shapes[f"w_{i + 2}"] = ((n_out, n_in), dtype)
        shapes[f"b_{i + 2}"] = ((n_out,), dtype)
    check_state_shapes(shapes, network.sizes, parsed.epoch)
    return shapes


def parse_history(raw: np.ndarray, where: str) -> list[dict[str, Any]]:
    """The history rows stored as UTF-8 JSON in the ``history`` array."""

    def reject(text: str) -> float:
        raise ValueError(f"{text} is not allowed in a checkpoint's history")

    def finite(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"{text} is not a finite number")
        return value

    label = f"{where}: array {HISTORY!r}"
    try:
        rows = json.loads(raw.tobytes().decode("utf-8"), parse_constant=reject,
                          parse_float=finite)  # fmt: skip
    except (ValueError, RecursionError) as exc:
        raise FormatError(f"{label} is not valid UTF-8 JSON ({exc})") from None
    if not isinstance(rows, list):
        raise FormatError(f"{label} must be a list of rows")
    out = []
    for i, node in enumerate(rows, start=1):
        found: dict[str, Any] = {}
        if not (isinstance(node, dict) and set(node) == {"dict"}):
            raise FormatError(f"{label}: row {i} is not an object")
        try:
            expected_arrays(node, f"{label}: row {i}", found)
        except RecursionError:
            raise FormatError(f"{label}: row {i} is nested too deeply") from None
        if found:
            raise FormatError(f"{label}: row {i} refers to arrays; rows hold plain values")
        out.append(decode(node, {}))
    return out


@dataclass
class CheckpointData:
    """What :func:`load_checkpoint` returns.

    Attributes
    ----------
    network : Network
        The network with the checkpoint's parameters (NumPy arrays).
    config : TrainConfig
        The run's hyper-parameters.
    state : TrainState
        Epochs completed, the shuffling generator's state, the optimiser's state (NumPy
        arrays) and the history.
    optimizer : str
        The optimiser's name.
    data : dict or None
        ``{"n": samples, "fingerprint": hex digest}`` of the training data, when recorded.

    Examples
    --------
    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
    >>> history = net.fit(X, y, epochs=2, seed=0, checkpoint="run.npz")
    >>> ck = load_checkpoint("run.npz")
    >>> ck.network.sizes, ck.config.epochs, ck.state.epoch, ck.optimizer, ck.data["n"]
    ((4, 3, 2), 2, 2, 'sgd', 60)
    """

    network: Network
    config: TrainConfig
    state: TrainState
    optimizer: str
    data: dict[str, Any] | None


def snapshot(
    net: Network, config: TrainConfig, state: TrainState, optimizer: str, data: Any
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and metadata of a checkpoint of this moment (copies, safe to keep)."""
    arrays: dict[str, np.ndarray] = {}
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        arrays[f"w_{i + 2}"] = np.array(net.to_numpy(w), copy=True)
        arrays[f"b_{i + 2}"] = np.array(net.to_numpy(b), copy=True)
    opt_tree = encode(state.optimizer_state, arrays, "opt", "the optimizer state")
    schedule_tree = encode(state.schedule_state, arrays, "sched", "the schedule's state")
    stopping_tree = encode(state.stopping_state, arrays, "stop", "early stopping's state")
    rows = [encode(row, None, "", f"history row {i + 1}") for i, row in enumerate(state.history)]
    history = json.dumps(rows, allow_nan=False, ensure_ascii=False).encode("utf-8")
    arrays[HISTORY] = np.frombuffer(history, dtype=np.uint8)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "network": {k: getattr(net.config, k) for k in NETWORK_FIELDS},
        "training": {k: getattr(config, k) for k in TRAINING_FIELDS},
        "epoch": state.epoch,
        "rng_state": dict(state.rng_state),
        "optimizer": {"name": optimizer, "state": opt_tree},
        "schedule": schedule_tree,
        "stopping": stopping_tree,
        "history_bytes": len(history),
        "data": data,
    }
    meta["network"]["sizes"] = list(net.config.sizes)
    return arrays, meta


def non_finite(arrays: dict[str, np.ndarray]) -> list[str]:
    return [k for k, a in arrays.items() if a.dtype.kind in "fc" and not np.isfinite(a).all()]


def save_checkpoint(
    path: str | os.PathLike[str],
    net: Network,
    config: TrainConfig,
    state: TrainState,
    *,
    optimizer: str = "sgd",
    data: dict[str, Any] | None = None,
) -> None:
    """Write a checkpoint of ``net`` and ``state`` to ``path``, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write; its directory must exist.
    net : Network
        Its configuration and parameters are saved.
    config : TrainConfig
        The run's options.
    state : TrainState
        Where the run stands.
    optimizer : str, default "sgd"
        The optimiser's name.
    data : dict, optional
        :func:`~deltaprop.training.checkpoint.data_fingerprint` of the training data.

    Raises
    ------
    ValueError
        If a parameter or optimiser array holds NaN or inf (a diverged state is never saved).
    TypeError
        If the optimiser state or the history holds something that is not plain data.

    Examples
    --------
    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
    >>> history = net.fit(X, y, epochs=2, seed=0, checkpoint="run.npz")
    >>> ck = load_checkpoint("run.npz")
    >>> save_checkpoint("copy.npz", ck.network, ck.config, ck.state, optimizer=ck.optimizer,
    ...                 data=ck.data)
    >>> load_checkpoint("copy.npz").state.epoch
    2
    """
    arrays, meta = snapshot(net, config, state, optimizer, data)
    bad = non_finite(arrays)
    if bad:
        raise ValueError(f"not saving a checkpoint whose {', '.join(bad)} hold NaN or inf")
    write_npz(path, arrays, meta)


def load_checkpoint(path: str | os.PathLike[str]) -> CheckpointData:
    """Read a checkpoint, validating every field and array.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save_checkpoint` or ``Network.fit(checkpoint=...)``.

    Returns
    -------
    CheckpointData

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    deltaprop.errors.FormatError
        If the file is not a deltaprop checkpoint, or is truncated, corrupt or inconsistent;
        the message names the file and what is wrong.

    Examples
    --------
    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
    >>> history = net.fit(X, y, epochs=2, seed=0, checkpoint="run.npz")
    >>> load_checkpoint("run.npz").state.history["epoch"]
    [1, 2]
    >>> net.save("model.npz")
    >>> load_checkpoint("model.npz")
    Traceback (most recent call last):
    ...
    deltaprop.errors.FormatError: ...
    """
    from ..network import Network

    parsed = Parsed()
    _, arrays = read_npz(path, lambda meta: expected(meta, parsed))
    assert parsed.network is not None and parsed.training is not None  # set by expected()
    where = os.fspath(path)
    rows = parse_history(arrays[HISTORY], where)
    if len(rows) != parsed.epoch:
        raise FormatError(f"{where}: {len(rows)} history rows for {parsed.epoch} epochs")
    n = len(parsed.network.sizes) - 1
    net = Network.from_parameters(
        parsed.network, [arrays[f"w_{i + 2}"] for i in range(n)],
        [arrays[f"b_{i + 2}"] for i in range(n)],
    )  # fmt: skip
    state = TrainState(parsed.epoch, parsed.rng_state, parsed.optimizer_state(arrays),
                       History(rows), parsed.state(parsed.schedule_tree, arrays),
                       parsed.state(parsed.stopping_tree, arrays))  # fmt: skip
    return CheckpointData(net, parsed.training, state, parsed.optimizer, parsed.data)
