"""Property tests: the model loader, the checkpoint loader and the IDX reader against hostile
files — truncations, bit flips, wrong magic, absurd declared sizes, NaN weights, mismatched
shapes, extra and missing arrays, pickled object arrays, lying zip headers.

Every file must either load as something valid or raise ``FormatError``/``ValueError``;
never another exception, a hang, an allocation beyond what the file holds, or code run by
unpickling. The default suite runs a few hundred examples per parser; the slow suite
(``pytest -m slow``) runs 10,000 each and prints the counts.
"""

from __future__ import annotations

import io
import math
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hostile import (
    UNPICKLED,
    Bomb,
    gz,
    idx,
    idx_header,
    meta_member,
    npy,
    npy_header,
    patch_sizes,
    read_members,
    set_encrypted,
    zip_members,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deltaprop
from deltaprop import FormatError, Network
from deltaprop.io.idx import read_idx
from deltaprop.training import TrainConfig, TrainState
from deltaprop.training.checkpoint import load_checkpoint, save_checkpoint

FAST, SLOW = 100, 10_000
SECONDS = 5.0  # per example, far above the milliseconds a load takes: a hang fails
MEMORY = 32 << 20  # bytes: the files here are < 100 kB; any big allocation is a failure
COUNTS: dict[str, int] = {}


def _valid_model() -> bytes:
    with tempfile.TemporaryDirectory() as d:
        Network([3, 4, 2], seed=0).save(Path(d) / "m.npz")
        return (Path(d) / "m.npz").read_bytes()


def _valid_checkpoint() -> bytes:
    net = Network([3, 4, 2], dtype="float64", seed=0)
    params = [*net.weights, *net.biases]
    optimizer_state = {
        "velocity": [np.ones_like(p) for p in params],
        "t": np.int64(3),
        "hyper": {"beta": 0.9, "pair": (1, 2.0)},
    }
    history = deltaprop.History([{"epoch": 1, "train_cost": 0.5, "val_cost": math.nan}])
    state = TrainState(
        1, dict(np.random.default_rng(0).bit_generator.state), optimizer_state, history
    )
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "c.npz"
        save_checkpoint(
            path,
            net,
            TrainConfig(epochs=3, seed=1),
            state,
            optimizer="momentum",
            data={"n": 10, "fingerprint": "0f" * 16},
        )
        return path.read_bytes()


MODEL, CHECKPOINT = _valid_model(), _valid_checkpoint()

# -- strategies ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**130)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(
        [0, -1, 2**31, 2**63, 2**64, 10**12, "float64", "object", "PCG64", "", "sigmoid", "softmax"]
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += _paths(v, (*prefix, i))
    return out


def _mutate_json(draw: st.DrawFn, meta: dict[str, Any]) -> Any:
    """Replace, delete or add one value anywhere in the metadata tree."""
    path = draw(st.sampled_from(_paths(meta)[1:]))
    parent = meta
    for key in path[:-1]:
        parent = parent[key]
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        parent[path[-1]] = draw(json_values)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.text(max_size=8))] = draw(json_values)
    else:
        parent.append(draw(json_values))
    return meta


HOSTILE_DTYPES = ["<f2", "<i4", "<c8", "|b1", ">f8", "<U3", "<f8", "<f4", "|u1"]


def _hostile_array(draw: st.DrawFn, shape: tuple[int, ...]) -> bytes:
    kind = draw(
        st.sampled_from(
            ["dtype", "shape", "huge", "nonfinite", "bomb", "struct", "garbage", "fortran"]
        )
    )
    if kind == "dtype":
        return npy(np.zeros(shape, dtype=draw(st.sampled_from(HOSTILE_DTYPES))))
    if kind == "shape":
        dims = draw(st.lists(st.integers(0, 6), max_size=3))
        return npy(np.zeros(tuple(dims)))
    if kind == "huge":  # a header that promises terabytes, and a little data
        dims = draw(st.lists(st.integers(0, 2**62), min_size=1, max_size=3))
        descr = draw(st.sampled_from(["<f8", "<f4", "|u1"]))
        return npy_header(descr, tuple(dims)) + draw(st.binary(max_size=64))
    if kind == "nonfinite":
        array = np.ones(shape)
        if array.size:
            array.flat[draw(st.integers(0, array.size - 1))] = draw(
                st.sampled_from([math.nan, math.inf, -math.inf])
            )
        return npy(array.astype(draw(st.sampled_from(["<f4", "<f8"]))))
    if kind == "bomb":
        return npy(np.array([Bomb()] * max(1, math.prod(shape)), dtype=object))
    if kind == "struct":
        return npy(np.zeros(shape, dtype=[("a", "<f8")]))
    if kind == "fortran":  # a valid variant: column-major, big-endian
        return npy(np.asfortranarray(np.ones(shape, dtype=">f8")))
    return draw(st.binary(max_size=200))


@st.composite
def hostile_npz(draw: st.DrawFn, valid: bytes) -> bytes:
    """A file derived from a valid one by one of many kinds of damage."""
    kind = draw(st.sampled_from(["bytes", "meta", "meta-text", "array", "members", "zip"]))
    if kind == "bytes":  # truncation, flips, inserted garbage
        blob = bytearray(valid)
        for _ in range(draw(st.integers(0, 8))):
            blob[draw(st.integers(0, len(blob) - 1))] ^= draw(st.integers(1, 255))
        if draw(st.booleans()):
            at = draw(st.integers(0, len(blob)))
            blob[at:at] = draw(st.binary(max_size=32))
        return bytes(blob[: draw(st.integers(0, len(blob)))])
    meta, members = read_members(valid)
    if kind == "meta":
        meta = _mutate_json(draw, meta)
    if kind == "meta-text":  # NaN and Infinity tokens, deep nesting, odd JSON
        meta = draw(
            json_values | st.just({**meta, "epoch": math.nan}) | st.just([[[[[[[[[[meta]]]]]]]]]])
        )
    names = sorted(members)
    if kind == "array":
        name = draw(st.sampled_from(names))
        shape = np.load(io.BytesIO(members[name]), allow_pickle=False).shape
        members[name] = _hostile_array(draw, shape)
    if kind == "members":
        action = draw(st.sampled_from(["drop", "extra", "rename"]))
        name = draw(st.sampled_from(names))
        if action == "drop":
            del members[name]
        else:
            other = draw(
                st.sampled_from(
                    [
                        "w_9",
                        "opt_99",
                        "../evil",
                        "__meta__",
                        "a" * 300,
                        "history",
                        "w_2",
                        "b_3",
                        "x.npy",
                        "",
                    ]
                )
            )
            data = members.pop(name) if action == "rename" else npy(np.zeros(2))
            members[other] = data
    pairs = [("__meta__.npy", meta_member(meta, allow_nan=True))]  # NaN, Infinity tokens too
    pairs += [(name + ".npy", data) for name, data in members.items()]
    compression = zipfile.ZIP_STORED
    if kind == "zip":
        action = draw(st.sampled_from(["deflate", "duplicate", "not-npy", "sizes", "encrypt"]))
        if action == "deflate":
            compression = zipfile.ZIP_DEFLATED
        elif action == "duplicate":
            pairs.append(draw(st.sampled_from(pairs)))
        elif action == "not-npy":
            pairs.append(("notes.txt", b"hello"))
        blob = zip_members(pairs, compression)
        if action == "sizes":
            index = draw(st.integers(0, len(pairs) - 1))
            return patch_sizes(blob, index, draw(st.integers(0, 2**32)))
        if action == "encrypt":
            return set_encrypted(blob)
        return blob
    return zip_members(pairs, compression)


@st.composite
def hostile_idx(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["mutated", "header", "huge"]))
    if kind == "mutated":
        array = np.arange(3 * 4 * 5, dtype=draw(st.sampled_from(["uint8", "int16", "float64"])))
        blob = bytearray(idx(array.reshape(3, 4, 5)))
        if draw(st.booleans()):
            blob = bytearray(gz(bytes(blob)))
        for _ in range(draw(st.integers(0, 6))):
            blob[draw(st.integers(0, len(blob) - 1))] ^= draw(st.integers(1, 255))
        blob = blob[: draw(st.integers(0, len(blob)))]
    else:
        code = draw(st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]) | st.integers(0, 255))
        n = draw(st.integers(0, 6))
        big = st.integers(0, 2**32 - 1) if kind == "huge" else st.integers(0, 5)
        dims = draw(st.lists(big, min_size=n, max_size=n))
        zeros = draw(st.sampled_from([(0, 0), (0, 0), (0, 0), (1, 0), (0, 8)]))
        blob = bytearray(idx_header(code, dims, zeros) + draw(st.binary(max_size=300)))
        if draw(st.booleans()):
            blob = bytearray(gz(bytes(blob)))
    return bytes(blob)


# -- the properties ---------------------------------------------------------------------------


def check_file(directory: Path, name: str, blob: bytes, load: Callable[[Path], Any]) -> Any:
    """Load ``blob``; return the result, or None after a FormatError/ValueError."""
    COUNTS[name] = COUNTS.get(name, 0) + 1
    path = directory / f"{name}.bin"
    path.write_bytes(blob)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = load(path)
    except ValueError as exc:  # FormatError is a ValueError
        assert str(exc), "an error must say what is wrong"
        result = None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.perf_counter() - start < SECONDS
    assert peak < MEMORY, f"{peak} bytes allocated for a {len(blob)}-byte file"
    assert UNPICKLED == [], "a pickle in the file was run"
    return result


def check_network(net: Network) -> None:
    assert net.sizes == tuple(int(n) for n in net.sizes)
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        assert w.shape == (net.sizes[i + 1], net.sizes[i]) and b.shape == (net.sizes[i + 1],)
        assert np.isfinite(w).all() and np.isfinite(b).all()


def model_property(directory: Path, blob: bytes) -> None:
    net = check_file(directory, "model", blob, deltaprop.load)
    if net is not None:
        check_network(net)


def checkpoint_property(directory: Path, blob: bytes) -> None:
    ck = check_file(directory, "checkpoint", blob, load_checkpoint)
    if ck is not None:
        check_network(ck.network)
        assert len(ck.state.history) == ck.state.epoch >= 1


def idx_property(directory: Path, blob: bytes) -> None:
    array = check_file(directory, "idx", blob, read_idx)
    if array is not None:
        assert isinstance(array, np.ndarray) and array.nbytes <= 300 * 8


def _suite(name: str, strategy: st.SearchStrategy[bytes], prop: Callable[..., None]) -> Any:
    def run(examples: int) -> Callable[..., None]:
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=examples == FAST,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(blob=strategy)
        def examples_of(directory: Path, blob: bytes) -> None:
            prop(directory, blob)

        def test(tmp_path_factory: pytest.TempPathFactory) -> None:
            before = COUNTS.get(name, 0)
            examples_of(tmp_path_factory.mktemp(name))
            tried = COUNTS[name] - before
            print(f"\n{name}: {tried} hostile files, each a FormatError/ValueError or valid")
            assert tried >= examples

        return test

    return run(FAST), pytest.mark.slow(run(SLOW))


test_model_files, test_model_files_slow = _suite("model", hostile_npz(MODEL), model_property)
test_checkpoint_files, test_checkpoint_files_slow = _suite(
    "checkpoint", hostile_npz(CHECKPOINT), checkpoint_property
)
test_idx_files, test_idx_files_slow = _suite("idx", hostile_idx(), idx_property)


def peak_and_error(load: Callable[[Path], Any], path: Path) -> tuple[int, Exception | None]:
    """The bytes allocated at most while loading ``path``, and the error it raised."""
    tracemalloc.start()
    error = None
    try:
        load(path)
    except Exception as exc:
        error = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, error


# -- cases worth stating on their own -----------------------------------------------------------


@pytest.mark.parametrize(
    ("valid", "load"),
    [(MODEL, deltaprop.load), (CHECKPOINT, load_checkpoint)],
    ids=["model", "checkpoint"],
)
def test_a_tiny_file_claiming_a_huge_member_allocates_nothing(tmp_path, valid, load) -> None:
    meta, members = read_members(valid)
    pairs = [("__meta__.npy", meta_member(meta))] + [(n + ".npy", d) for n, d in members.items()]
    for index in range(len(pairs)):
        path = tmp_path / f"lying{index}.npz"
        path.write_bytes(patch_sizes(zip_members(pairs), index, 3_200_000_128))
        peak, error = peak_and_error(load, path)
        assert isinstance(error, FormatError)
        assert "beyond the end of the" in str(error) or "more than the file's" in str(error)
        assert peak < 1 << 20


def test_pickled_object_arrays_never_run(tmp_path: Path) -> None:
    meta, members = read_members(CHECKPOINT)
    members["w_2"] = npy(np.array([Bomb()] * 12, dtype=object))
    pairs = [("__meta__.npy", meta_member(meta))] + [(n + ".npy", d) for n, d in members.items()]
    (tmp_path / "c.npz").write_bytes(zip_members(pairs))
    with pytest.raises(FormatError, match=r"dtype object is not allowed"):
        load_checkpoint(tmp_path / "c.npz")
    assert UNPICKLED == []


def test_gzip_bomb_idx_is_refused_before_decompressing(tmp_path: Path) -> None:
    # 4 GiB declared, 32 MiB of zeros really compressed into about 32 kB
    (tmp_path / "bomb.gz").write_bytes(
        gz(idx_header(0x08, [4, 1024, 1024, 1024]) + bytes(32 << 20))
    )
    assert (tmp_path / "bomb.gz").stat().st_size < 64 << 10
    peak, error = peak_and_error(read_idx, tmp_path / "bomb.gz")
    assert isinstance(error, FormatError) and "more than the limit" in str(error)
    assert peak < 4 << 20
