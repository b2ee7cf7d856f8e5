"""Plain data ⇄ JSON plus named arrays, for checkpoints.

A training run's state is plain data: the optimiser's state is whatever ``Optimizer.init``
returns (a dict of arrays, lists of arrays, numbers), the history is rows of numbers and
strings. :func:`encode` turns such a value into a JSON-ready tree, moving every array into a
separate mapping of named arrays (stored as ``.npy`` members of the checkpoint); :func:`decode`
rebuilds the value. The JSON tree is self-describing and checked on the way back in:

- ``None``, ``bool``, ``int``, ``str`` and finite ``float`` stand for themselves;
- ``{"float": "nan"}`` (or ``"inf"``, ``"-inf"``) is a non-finite float, which JSON lacks;
- a JSON list is a list; ``{"tuple": [...]}`` a tuple; ``{"dict": [[key, value], ...]}`` a
  dict with string keys, in order (JSON objects may be reordered: the file's are sorted);
- ``{"array": NAME, "shape": [...], "dtype": "float32", "scalar": false}`` is the array NAME
  (``"scalar": true``: a NumPy scalar such as ``np.int64(3)``, stored as a 0-d array).

Decoding never trusts the tree: unknown node kinds, bad shapes, unknown dtypes, arrays named
twice and trees nested deeper than :data:`MAX_DEPTH` raise :class:`~deltaprop.errors.FormatError`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import FormatError

#: deepest nesting accepted in a tree
MAX_DEPTH = 32
#: most dimensions accepted for a stored array
MAX_NDIM = 32
#: the array dtypes an optimiser's state may hold
DTYPES = frozenset(
    [
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
    ]
)
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _is_array(value: Any) -> bool:
    """An array of some namespace (NumPy, or one following the Array API standard)."""
    return isinstance(value, np.ndarray) or (
        hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "__dlpack__")
    )


def encode(value: Any, arrays: dict[str, np.ndarray] | None, prefix: str, where: str) -> Any:
    """The JSON tree of ``value``; arrays are copied into ``arrays`` as ``PREFIX_0``, ….

    ``arrays=None`` forbids arrays (for the history). ``where`` names the value in messages.
    Raises TypeError for values that are not plain data (objects, sets, non-str dict keys).
    """
    if isinstance(value, np.generic) and arrays is None:  # np.float64 is also a float
        return encode(value.item(), None, prefix, where)
    plain = not isinstance(value, np.generic)
    if value is None or (plain and isinstance(value, (bool, int, str))):
        return value
    if plain and isinstance(value, float):
        if math.isfinite(value):
            return value
        return {"float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, np.generic) or _is_array(value):
        if arrays is None:
            raise TypeError(f"{where} holds an array; only numbers and strings can be stored")
        array = np.array(np.asarray(value), copy=True)  # a snapshot, on the host
        if array.dtype.name not in DTYPES:
            raise TypeError(f"{where} holds an array of dtype {array.dtype}; it cannot be stored")
        name = f"{prefix}_{len(arrays)}"
        arrays[name] = array
        scalar = isinstance(value, np.generic)
        return {
            "array": name,
            "shape": list(array.shape),
            "dtype": array.dtype.name,
            "scalar": scalar,
        }
    if isinstance(value, list):
        return [encode(v, arrays, prefix, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, tuple):
        return {"tuple": [encode(v, arrays, prefix, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, Mapping):
        pairs = []
        for key, v in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} has a key {key!r}; only string keys can be stored")
            pairs.append([key, encode(v, arrays, prefix, f"{where}[{key!r}]")])
        return {"dict": pairs}
    raise TypeError(
        f"{where} holds a {type(value).__name__}, which a checkpoint cannot store; keep "
        "training state to numbers, strings, arrays, lists and dicts"
    )


def _kind(node: Any, where: str) -> str:
    if isinstance(node, dict):
        if len(node) == 1 and next(iter(node)) in ("float", "tuple", "dict"):
            return next(iter(node))
        if set(node) == {"array", "shape", "dtype", "scalar"}:
            return "array"
        raise FormatError(f"{where}: unrecognised entry with keys {sorted(node)[:5]}")
    return "list" if isinstance(node, list) else "leaf"


def check_tree(
    node: Any, where: str, found: dict[str, tuple[tuple[int, ...], tuple[str]]], depth: int = 0
) -> None:
    """Check the tree's structure and collect, for each array it names, (shape, (dtype,))."""
    if depth > MAX_DEPTH:
        raise FormatError(f"{where}: nested deeper than {MAX_DEPTH} levels")
    kind = _kind(node, where)
    if kind == "leaf":
        if node is not None and not isinstance(node, (bool, int, str, float)):
            raise FormatError(f"{where}: unexpected value {node!r}")
    elif kind == "float":
        if not isinstance(node["float"], str) or node["float"] not in _NON_FINITE:
            raise FormatError(f"{where}: {node['float']!r} is not nan, inf or -inf")
    elif kind in ("list", "tuple"):
        items = node if kind == "list" else node["tuple"]
        if not isinstance(items, list):
            raise FormatError(f"{where}: a tuple must hold a list")
        for i, item in enumerate(items):
            check_tree(item, f"{where}[{i}]", found, depth + 1)
    elif kind == "dict":
        pairs = node["dict"]
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in pairs
        ):
            raise FormatError(f"{where}: a dict must hold a list of [key, value] pairs")
        if len({key for key, _ in pairs}) != len(pairs):
            raise FormatError(f"{where}: a dict has a key twice")
        for key, item in pairs:
            check_tree(item, f"{where}[{key!r}]", found, depth + 1)
    else:
        name, shape, dtype = node["array"], node["shape"], node["dtype"]
        # opt_N: the optimiser's state; sched_N and stop_N: the schedule's and early stopping's
        if not isinstance(name, str) or not re.fullmatch(r"(opt|sched|stop)_[0-9]{1,6}", name):
            raise FormatError(f"{where}: array name {name!r} is not of the form opt_N")
        if name in found:
            raise FormatError(f"{where}: array {name!r} is named twice")
        if not (
            isinstance(shape, list)
            and len(shape) <= MAX_NDIM
            and all(type(n) is int and n >= 0 for n in shape)
        ):
            raise FormatError(f"{where}: shape must be a list of non-negative integers")
        if not isinstance(dtype, str) or dtype not in DTYPES or type(node["scalar"]) is not bool:
            raise FormatError(f"{where}: dtype {dtype!r} is not one a checkpoint may hold")
        if node["scalar"] and shape:
            raise FormatError(f"{where}: a scalar must have shape []")
        found[name] = (tuple(shape), (dtype,))


def decode(node: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    """The value a tree stands for (checked first by :func:`check_tree`)."""
    kind = _kind(node, "")
    if kind == "leaf":
        return node
    if kind == "float":
        return _NON_FINITE[node["float"]]
    if kind == "list":
        return [decode(item, arrays) for item in node]
    if kind == "tuple":
        return tuple(decode(item, arrays) for item in node["tuple"])
    if kind == "dict":
        return {key: decode(item, arrays) for key, item in node["dict"]}
    array = arrays[node["array"]]
    return array[()] if node["scalar"] else array


def same_structure(a: Any, b: Any) -> bool:
    """Whether two decoded values have the same structure: types, keys, array shapes, dtypes."""
    if _is_array(a) or isinstance(a, np.generic):
        return (_is_array(b) or isinstance(b, np.generic)) and (
            tuple(a.shape) == tuple(b.shape) and np.dtype(a.dtype) == np.dtype(b.dtype)
        )
    if isinstance(a, Mapping):
        return (
            isinstance(b, Mapping)
            and list(a) == list(b)
            and all(same_structure(a[k], b[k]) for k in a)
        )
    if isinstance(a, (list, tuple)):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(same_structure(x, y) for x, y in zip(a, b))
        )
    return type(a) is type(b) or (isinstance(a, (int, float)) and isinstance(b, (int, float)))


def arrays_in(value: Any) -> list[Any]:
    """Every array in a plain-data value (an optimiser's state), depth first."""
    if _is_array(value):
        return [value]
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [a for item in value for a in arrays_in(item)]
    return []


def parse_rows(raw: np.ndarray, label: str) -> list[dict[str, Any]]:
    """Rows of plain values (a history's) stored as UTF-8 JSON in the bytes ``raw``; errors
    name ``label`` (the file and the array)."""

    def reject(text: str) -> float:
        raise ValueError(f"{text} is not allowed in a checkpoint's history")

    def finite(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"{text} is not a finite number")
        return value

    try:
        rows = json.loads(raw.tobytes().decode("utf-8"), parse_constant=reject, parse_float=finite)
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
            check_tree(node, f"{label}: row {i}", found)
        except RecursionError:
            raise FormatError(f"{label}: row {i} is nested too deeply") from None
        if found:
            raise FormatError(f"{label}: row {i} refers to arrays; rows hold plain values")
        out.append(decode(node, {}))
    return out
