"""The checkpoint file format: writing a snapshot, and checking everything on the way back.

See :mod:`deltaprop.training.checkpoint` for what a checkpoint holds. :func:`expected` is
the ``expect`` callback that :func:`deltaprop.io.npzfile.read_npz` calls
with the parsed metadata: it validates every field (raising
:class:`~deltaprop.errors.FormatError`, to which ``read_npz`` adds the file's name), keeps
what it parsed in a :class:`Parsed`, and returns the arrays the file must hold.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.model import Model, NetworkConfig
from ..errors import FormatError
from ..io.model import CHECKPOINT_FORMAT, network_config, network_fields, parameter_shapes
from ..io.npzfile import Expected, read_npz, require, write_npz
from ._plaindata import check_tree, decode, encode, parse_rows
from ._state_bounds import check_state_shapes
from .config import TrainConfig, options
from .history import History
from .optimizers import get_optimizer
from .schedules import get_schedule
from .state import TrainState

FORMAT = CHECKPOINT_FORMAT  # "deltaprop-checkpoint"; deltaprop.load reads its network too
VERSION = 3  # the options actually used, the optimiser's and schedule's settings, "stopped"
HISTORY = "history"  # the array holding the history rows as UTF-8 JSON
HISTORY_MAX_BYTES = 64 << 20
_PARAMS = ("float32", "float64")
_PLAIN = (bool, int, float, str, type(None))


def settings(obj: Any) -> dict[str, Any]:
    """The name and settings of an optimiser or schedule object, as plain data: what a
    checkpoint records and a resumed run must match (a user's own class included).

    Examples
    --------
    >>> from deltaprop.training.optimizers import Momentum
    >>> settings(Momentum(0.5))
    {'name': 'momentum', 'params': {'momentum': 0.5}}
    """
    is_instance = dataclasses.is_dataclass(obj) and not isinstance(obj, type)
    params = dataclasses.asdict(obj) if is_instance else {}
    plain = {k: v for k, v in params.items() if isinstance(v, _PLAIN)}
    return {"name": obj.name, "params": plain}


@dataclass
class Parsed:
    """What :func:`expected` found in the metadata."""

    network: NetworkConfig | None = None
    training: TrainConfig | None = None
    epoch: int = 0
    rng_state: dict[str, Any] = field(default_factory=dict)
    trees: dict[str, Any] = field(default_factory=dict)  # optimizer, schedule, stopping state
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)  # their settings
    stopped: str | None = None
    data: dict[str, Any] | None = None


def _training(meta: dict[str, Any]) -> TrainConfig:
    run = require(meta, "training", dict, "an object")
    names = [f.name for f in options()]
    if set(run) != set(names):
        raise FormatError(
            f"metadata field 'training' must hold exactly the options {', '.join(names)}"
        )
    try:
        return TrainConfig(
            **{k: require(run, k, _PLAIN, "a number, a string or null") for k in names}
        )
    except ValueError as exc:  # FormatError from require, or TrainConfig's own checks
        raise FormatError(f"invalid training configuration: {exc}") from None


def _rng_state(meta: dict[str, Any]) -> dict[str, Any]:
    """The shuffling generator's state, checked by NumPy itself."""
    state = require(meta, "rng_state", dict, "an object")
    generator = np.random.default_rng(0).bit_generator
    try:
        generator.state = state
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise FormatError(
            f"metadata field 'rng_state' is not the state of a "
            f"{type(generator).__name__} generator: {exc}"
        ) from None
    return state


def _data(meta: dict[str, Any]) -> dict[str, Any] | None:
    data = require(meta, "data", (dict, type(None)), "null or an object")
    if data is None:
        return None
    if set(data) != {"n", "fingerprint"}:
        raise FormatError("metadata field 'data' must hold exactly 'n' and 'fingerprint'")
    require(data, "n", int, "a positive integer", lambda n: n > 0)
    require(
        data,
        "fingerprint",
        str,
        "a hex digest",
        lambda s: 0 < len(s) <= 128 and all(c in "0123456789abcdef" for c in s),
    )
    return dict(data)


def _settings(meta: dict[str, Any], key: str) -> dict[str, Any]:
    node = require(meta, key, dict, "an object")
    name = require(node, "name", str)
    params = require(node, "params", dict, "an object")
    if not all(isinstance(v, _PLAIN) for v in params.values()):
        raise FormatError(f"metadata field '{key}' has settings that are not plain values")
    if "state" not in node:
        raise FormatError(f"metadata field '{key}' has no 'state'")
    return {"name": name, "params": dict(params)}


def expected(meta: dict[str, Any], parsed: Parsed) -> Expected:
    """Validate a checkpoint's metadata into ``parsed``; return the arrays it must hold."""
    if meta.get("format") != FORMAT:
        raise FormatError(
            f"not a deltaprop checkpoint (its format field is {meta.get('format')!r})"
        )
    version = require(meta, "version", int)
    if version != VERSION:
        raise FormatError(
            f"checkpoint format version {version} is not supported by this deltaprop (it "
            f"reads version {VERSION}); resume it with the deltaprop that wrote it"
        )
    parsed.network = network = network_config(require(meta, "network", dict, "an object"))
    parsed.training = _training(meta)
    parsed.epoch = require(meta, "epoch", int, "a positive integer", lambda e: e > 0)
    parsed.rng_state = _rng_state(meta)
    parsed.data = _data(meta)
    parsed.stopped = require(meta, "stopped", (str, type(None)), "null or a string")
    shapes: dict[str, Any] = {}
    try:
        for key in ("optimizer", "schedule"):
            parsed.objects[key] = _settings(meta, key)
            parsed.trees[key] = meta[key]["state"]
        parsed.trees["stopping"] = require(meta, "stopping", (dict, list, type(None)))
        for key, tree in parsed.trees.items():
            check_tree(tree, f"{key} state", shapes)
    except RecursionError:
        raise FormatError("optimizer state: nested too deeply") from None
    n_history = require(
        meta,
        "history_bytes",
        int,
        f"an integer from 0 to {HISTORY_MAX_BYTES}",
        lambda n: 0 <= n <= HISTORY_MAX_BYTES,
    )
    shapes[HISTORY] = ((n_history,), ("uint8",))
    shapes.update(parameter_shapes(network.sizes, (network.dtype,)))
    check_state_shapes(shapes, network.sizes, parsed.epoch)
    return shapes


@dataclass
class CheckpointData:
    """What :func:`load_checkpoint` returns.

    Attributes
    ----------
    network : Model
        The network's configuration and parameters (NumPy arrays).
    config : TrainConfig
        The options the run used.
    state : TrainState
        Epochs completed, the shuffling generator's state, the optimiser's state (NumPy
        arrays), the history, and why the run stopped itself if it did.
    optimizer : dict
        The optimiser's ``name`` and ``params`` (its settings), as the run used them.
    schedule : dict
        The schedule's, likewise.
    data : dict or None
        ``{"n": samples, "fingerprint": hex digest}`` of the training data, when recorded.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> history = net.fit(X, y, epochs=2, seed=0, optimizer="momentum", momentum=0.5,
    ...                   checkpoint="run.npz")
    >>> ck = load_checkpoint("run.npz")
    >>> ck.network.sizes, ck.config.epochs, ck.state.epoch, ck.optimizer, ck.data["n"]
    ((4, 3, 2), 2, 2, {'name': 'momentum', 'params': {'momentum': 0.5}}, 60)
    """

    network: Model
    config: TrainConfig
    state: TrainState
    optimizer: dict[str, Any]
    schedule: dict[str, Any]
    data: dict[str, Any] | None


def snapshot(
    model: Model,
    config: TrainConfig,
    state: TrainState,
    objects: dict[str, dict[str, Any]],
    data: Any,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and metadata of a checkpoint of this moment (copies, safe to keep);
    ``objects`` holds the :func:`settings` of the optimiser and the schedule."""
    arrays: dict[str, np.ndarray] = {}
    for i, (w, b) in enumerate(zip(model.weights, model.biases)):
        arrays[f"w_{i + 2}"] = np.array(model.to_numpy(w), copy=True)
        arrays[f"b_{i + 2}"] = np.array(model.to_numpy(b), copy=True)
    trees = {
        "optimizer": encode(state.optimizer_state, arrays, "opt", "the optimizer state"),
        "schedule": encode(state.schedule_state, arrays, "sched", "the schedule's state"),
    }
    stopping = encode(state.stopping_state, arrays, "stop", "early stopping's state")
    rows = [encode(row, None, "", f"history row {i + 1}") for i, row in enumerate(state.history)]
    history = json.dumps(rows, allow_nan=False, ensure_ascii=False).encode("utf-8")
    arrays[HISTORY] = np.frombuffer(history, dtype=np.uint8)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "network": network_fields(model.config),
        "training": dataclasses.asdict(config),
        "epoch": state.epoch,
        "rng_state": dict(state.rng_state),
        **{key: {**objects[key], "state": tree} for key, tree in trees.items()},
        "stopping": stopping,
        "stopped": state.stopped,
        "history_bytes": len(history),
        "data": data,
    }
    return arrays, meta


def save_checkpoint(
    path: str | os.PathLike[str],
    model: Model,
    config: TrainConfig,
    state: TrainState,
    *,
    optimizer: Any = None,
    schedule: Any = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Write a checkpoint of ``model`` and ``state`` to ``path``, atomically, recording the
    optimiser and schedule that ``config`` names (or the objects of the user's own given).

    Parameters
    ----------
    path : str or os.PathLike
        The file to write; its directory must exist.
    model : Model
        Its configuration and parameters are saved (a ``Network`` is a Model).
    config : TrainConfig
        The run's options.
    state : TrainState
        Where the run stands.
    optimizer, schedule : str or object, optional
        The optimiser or schedule the run uses, when not the one ``config`` names (a name,
        or an object of the user's own).
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
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> history = net.fit(X, y, epochs=2, seed=0, checkpoint="run.npz")
    >>> ck = load_checkpoint("run.npz")
    >>> save_checkpoint("copy.npz", ck.network, ck.config, ck.state, data=ck.data)
    >>> load_checkpoint("copy.npz").state.epoch
    2
    """
    objects = {
        "optimizer": settings(get_optimizer(optimizer or config.optimizer_object())),
        "schedule": settings(get_schedule(schedule or config.schedule_object())),
    }
    arrays, meta = snapshot(model, config, state, objects, data)
    bad = [k for k, a in arrays.items() if a.dtype.kind in "fc" and not np.isfinite(a).all()]
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
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> history = net.fit(X, y, epochs=2, seed=0, checkpoint="run.npz")
    >>> load_checkpoint("run.npz").state.history["epoch"]
    [1, 2]
    >>> net.save("model.npz")
    >>> load_checkpoint("model.npz")
    Traceback (most recent call last):
    ...
    deltaprop.errors.FormatError: ...
    """
    parsed = Parsed()
    _, arrays = read_npz(path, lambda meta: expected(meta, parsed))
    assert parsed.network is not None and parsed.training is not None  # set by expected()
    where = os.fspath(path)
    rows = parse_rows(arrays[HISTORY], f"{where}: array {HISTORY!r}")
    if len(rows) != parsed.epoch:
        raise FormatError(f"{where}: {len(rows)} history rows for {parsed.epoch} epochs")
    n = len(parsed.network.sizes) - 1
    model = Model.from_parameters(
        parsed.network,
        [arrays[f"w_{i + 2}"] for i in range(n)],
        [arrays[f"b_{i + 2}"] for i in range(n)],
    )
    trees = {
        key: ({} if tree is None else decode(tree, arrays)) for key, tree in parsed.trees.items()
    }
    state = TrainState(
        parsed.epoch,
        parsed.rng_state,
        trees["optimizer"],
        History(rows),
        trees["schedule"],
        trees["stopping"],
        parsed.stopped,
    )
    return CheckpointData(
        model,
        parsed.training,
        state,
        parsed.objects["optimizer"],
        parsed.objects["schedule"],
        parsed.data,
    )
