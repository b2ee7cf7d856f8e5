"""Model-file primitives: atomic write_npz, and read_npz that trusts nothing in the file."""

from __future__ import annotations

import io
import itertools
import json
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltaprop.errors import FormatError
from deltaprop.io import npzfile
from deltaprop.io.npzfile import read_npz, require, write_npz

FLOATS = ("float32", "float64")
META = {"sizes": [4, 3, 2], "activation": "sigmoid", "eta": 3.0}


def arrays_for(sizes, dtype="float64"):
    rng = np.random.default_rng(0)
    arrays = {}
    for layer, (n_in, n_out) in enumerate(itertools.pairwise(sizes), start=2):
        arrays[f"w_{layer}"] = rng.standard_normal((n_out, n_in)).astype(dtype)
        arrays[f"b_{layer}"] = rng.standard_normal(n_out).astype(dtype)
    return arrays


def expect_network(meta):
    """An expect-callback like the model loader's: shapes follow from meta['sizes']."""
    sizes = require(
        meta,
        "sizes",
        list,
        "a list of positive integers",
        lambda v: all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in v),
    )
    expected = {}
    for layer, (n_in, n_out) in enumerate(itertools.pairwise(sizes), start=2):
        expected[f"w_{layer}"] = ((n_out, n_in), FLOATS)
        expected[f"b_{layer}"] = ((n_out,), FLOATS)
    return expected


@pytest.fixture
def model(tmp_path) -> Path:
    path = tmp_path / "model.npz"
    write_npz(path, arrays_for(META["sizes"]), META)
    return path


def npy(array, *, allow_pickle=False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def meta_npy(meta) -> bytes:
    return npy(np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))


def craft(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> Path:
    """Write a zip holding exactly these members (names without .npy), bypassing write_npz."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name + ".npy", data)
    return path


def header_only(descr: str, shape: tuple[int, ...], data: bytes = b"") -> bytes:
    """A .npy file written by hand: any header, any amount of data after it."""
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data


def test_round_trip(model):
    meta, arrays = read_npz(model, expect_network)
    assert meta == META
    original = arrays_for(META["sizes"])
    assert arrays.keys() == original.keys()
    for name, array in arrays.items():
        np.testing.assert_array_equal(array, original[name])
        assert array.dtype == np.float64
        assert array.flags.writeable and array.flags.c_contiguous
    # an ordinary .npz: numpy opens it without pickles
    with np.load(model, allow_pickle=False) as loaded:
        np.testing.assert_array_equal(loaded["w_2"], original["w_2"])


def test_round_trip_layouts_and_dtypes(tmp_path):
    arrays = {
        "fortran": np.asfortranarray(np.arange(12.0).reshape(3, 4)),
        "big_endian": np.arange(5, dtype=">f4"),
        "ints": np.arange(6, dtype=np.int32).reshape(2, 3),
        "scalar": np.array(2.5),
        "empty": np.zeros((0, 3)),
    }
    write_npz(tmp_path / "m.npz", arrays, {})
    expect = {
        "fortran": ((3, 4), FLOATS),
        "big_endian": ((5,), FLOATS),
        "ints": ((2, 3), ("int32",)),
        "scalar": ((), FLOATS),
        "empty": ((0, 3), FLOATS),
    }
    meta, loaded = read_npz(tmp_path / "m.npz", lambda meta: expect)
    assert meta == {}
    for name, array in arrays.items():
        np.testing.assert_array_equal(loaded[name], array)
        assert loaded[name].flags.c_contiguous and loaded[name].dtype.isnative


def test_compressed_npz_is_refused(tmp_path):
    # deltaprop writes no compressed members; one could expand far beyond the file's size
    path = craft(
        tmp_path / "c.npz",
        {
            "__meta__": meta_npy({"sizes": [2, 1]}),
            "w_2": npy(np.ones((1, 2))),
            "b_2": npy(np.ones(1)),
        },
        zipfile.ZIP_DEFLATED,
    )
    with pytest.raises(FormatError, match=r"__meta__.npy: compressed zip member \(DEFLATE\)"):
        read_npz(path, expect_network)


def test_missing_and_extra_arrays_are_named(tmp_path):
    arrays = arrays_for(META["sizes"])
    del arrays["b_3"]
    arrays["velocity_2"] = np.zeros(3)
    write_npz(tmp_path / "m.npz", arrays, META)
    with pytest.raises(FormatError) as info:
        read_npz(tmp_path / "m.npz", expect_network)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'm.npz'}: ")
    assert "missing array(s) b_3" in message and "unexpected array(s) velocity_2" in message


def test_wrong_shape(tmp_path):
    write_npz(tmp_path / "m.npz", arrays_for([4, 3, 2]), {"sizes": [4, 5, 2]})
    with pytest.raises(FormatError, match=r"array 'w_2': shape \(3, 4\), expected \(5, 4\)"):
        read_npz(tmp_path / "m.npz", expect_network)


def test_wrong_dtype(tmp_path):
    write_npz(tmp_path / "m.npz", arrays_for([4, 3, 2], "float16"), META)
    with pytest.raises(FormatError, match=r"dtype float16, expected float32 or float64"):
        read_npz(tmp_path / "m.npz", expect_network)


UNPICKLED = []


def record(what):
    UNPICKLED.append(what)


class Bomb:
    """Unpickling this calls record(): the reader must never get that far."""

    def __reduce__(self):
        return (record, ("unpickled!",))


def test_object_array_is_never_unpickled(tmp_path):
    bomb = np.array([Bomb(), Bomb()], dtype=object)
    data = npy(bomb, allow_pickle=True)
    assert b"unpickled!" in data  # it really holds a pickle
    path = craft(tmp_path / "evil.npz", {"__meta__": meta_npy({}), "x": data})
    with pytest.raises(FormatError, match=r"array 'x': dtype object is not allowed"):
        read_npz(path, lambda meta: {"x": ((2,), ("object",))})
    assert UNPICKLED == []
    # control: a trusting loader does run the payload
    with np.load(path, allow_pickle=True) as loaded:
        loaded["x"]
    assert UNPICKLED == ["unpickled!", "unpickled!"]
    UNPICKLED.clear()


def test_object_metadata_is_never_unpickled(tmp_path):
    path = craft(tmp_path / "evil.npz", {"__meta__": npy(np.array([Bomb()]), allow_pickle=True)})
    with pytest.raises(FormatError, match=r"__meta__.npy: dtype object is not allowed"):
        read_npz(path, lambda meta: {})
    assert UNPICKLED == []


def test_nan_is_rejected_naming_the_array(tmp_path):
    bad = np.ones((3, 4))
    bad[1, 2] = np.nan
    bad[0, 0] = np.inf
    members = {name: npy(a) for name, a in arrays_for([4, 3, 2]).items()}
    members["w_2"] = npy(bad)
    path = craft(tmp_path / "nan.npz", {"__meta__": meta_npy({"sizes": [4, 3, 2]}), **members})
    with pytest.raises(FormatError, match=r"array 'w_2' holds 2 non-finite value\(s\)"):
        read_npz(path, expect_network)


@pytest.mark.parametrize(
    "member",
    [
        header_only("<f8", (10**6, 10**6)),  # matches what meta promises; data absent
        header_only("<f8", (10**6, 10**6), b"\x00" * 64),
    ],
)
def test_huge_declared_shape_fails_fast(tmp_path, member):
    path = craft(tmp_path / "huge.npz", {"__meta__": meta_npy({"n": 10**6}), "w": member})

    def expect(meta):
        return {"w": ((meta["n"], meta["n"]), FLOATS)}  # 8 TB, as the file says

    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(FormatError, match=r"needs 8000000000000 bytes of data, the zip entry"):
            read_npz(path, expect)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 1.0
    assert peak < 8 * 2**20


def test_huge_declared_shape_mismatching_expectation(tmp_path):
    member = header_only("<f8", (2**40, 2**40))
    path = craft(tmp_path / "huge.npz", {"__meta__": meta_npy({}), "w": member})
    with pytest.raises(
        FormatError, match=r"shape \(1099511627776, 1099511627776\), expected \(2,\)"
    ):
        read_npz(path, lambda meta: {"w": ((2,), FLOATS)})


@pytest.mark.parametrize(
    ("meta_member", "message"),
    [
        (npy(np.frombuffer(b"[1, 2]", np.uint8)), r"metadata must be a JSON object, got list"),
        (npy(np.frombuffer(b"{not json", np.uint8)), r"metadata is not valid UTF-8 JSON"),
        (npy(np.frombuffer(b'{"a": NaN}', np.uint8)), r"NaN is not a finite number"),
        (npy(np.frombuffer(b'{"a": [1e999]}', np.uint8)), r"1e999 is not a finite number"),
        (npy(np.frombuffer(b'{"a": "\xff"}', np.uint8)), r"not valid UTF-8 JSON.*utf-8"),
        (npy(np.frombuffer(b"[" * 100000, np.uint8)), r"not valid UTF-8 JSON"),
        (npy(np.zeros(3, np.float32)), r"__meta__.npy: dtype float32, expected uint8"),
        (npy(np.zeros((2, 2), np.uint8)), r"shape \(2, 2\), expected a 1-d array"),
        (header_only("|u1", (10**9,)), r"1000000000 bytes, more than the 1048576 allowed"),
        (b"not a npy file at all", r"__meta__.npy: corrupt or invalid .*magic string"),
    ],
)
def test_bad_metadata(tmp_path, meta_member, message):
    path = craft(tmp_path / "m.npz", {"__meta__": meta_member})
    with pytest.raises(FormatError, match=message):
        read_npz(path, lambda meta: {})


def test_no_metadata(tmp_path):
    path = craft(tmp_path / "m.npz", {"w": npy(np.zeros(2))})
    with pytest.raises(FormatError, match=r"no __meta__.npy member; this is not a deltaprop file"):
        read_npz(path, lambda meta: {})


def test_duplicate_member(tmp_path):
    path = tmp_path / "dup.npz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate
        craft(path, {"__meta__": meta_npy({})})
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("__meta__.npy", meta_npy({"a": 1}))
    with pytest.raises(FormatError, match=r"duplicate '__meta__.npy'"):
        read_npz(path, lambda meta: {})


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really", b"plain text"])
def test_not_a_zip(tmp_path, content):
    path = tmp_path / "m.npz"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=r"m\.npz: not a valid \.npz \(zip\) file, or truncated"):
        read_npz(path, lambda meta: {})


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope.npz"):
        read_npz(tmp_path / "nope.npz", expect_network)


def test_every_truncation_is_a_format_error(model, tmp_path):
    data = model.read_bytes()
    cut = tmp_path / "cut.npz"
    for length in range(0, len(data), 7):
        cut.write_bytes(data[:length])
        with pytest.raises(FormatError, match=r"cut\.npz"):
            read_npz(cut, expect_network)


def test_crc_error(model):
    data = bytearray(model.read_bytes())
    position = data.find(arrays_for(META["sizes"])["w_3"].tobytes())
    data[position + 3] ^= 0x10
    model.write_bytes(bytes(data))
    with pytest.raises(FormatError, match=r"array 'w_3': corrupt or invalid .*CRC"):
        read_npz(model, expect_network)


@pytest.fixture(scope="module")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("garbled") / "model.npz"
    write_npz(path, arrays_for([3, 2]), {"sizes": [3, 2]})
    return path


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_property_garbled_files(small_model, data):
    """Any truncation or byte flip gives a FormatError or finite arrays of the right shapes."""
    path = small_model.with_name("garbled.npz")
    blob = bytearray(small_model.read_bytes())
    for position in data.draw(st.lists(st.integers(0, len(blob) - 1), max_size=3)):
        blob[position] ^= data.draw(st.integers(1, 255))
    path.write_bytes(bytes(blob[: data.draw(st.integers(0, len(blob)))]))
    try:
        meta, arrays = read_npz(path, expect_network)
    except FormatError:
        return
    expected = expect_network(meta)
    for name, array in arrays.items():
        assert array.shape == expected[name][0] and np.isfinite(array).all()


# require


def test_require():
    meta = {"n": 3, "flag": True, "eta": 1, "name": "x"}
    assert require(meta, "n", int) == 3
    assert require(meta, "eta", float) == 1  # a JSON integer is an acceptable float
    assert require(meta, "name", (str, type(None))) == "x"
    with pytest.raises(FormatError, match=r"metadata field 'flag' must be of type int, got True"):
        require(meta, "flag", int)
    with pytest.raises(FormatError, match=r"field 'missing' is missing; it must be a list"):
        require(meta, "missing", list, "a list of layer sizes")
    with pytest.raises(FormatError, match=r"'n' must be an even number, got 3"):
        require(meta, "n", int, "an even number", lambda v: v % 2 == 0)


def test_expect_errors_are_prefixed_with_the_file(tmp_path):
    write_npz(tmp_path / "model.npz", {}, {"sizes": [784, -1]})
    with pytest.raises(FormatError) as info:
        read_npz(tmp_path / "model.npz", expect_network)
    assert str(info.value) == (
        f"{tmp_path / 'model.npz'}: metadata field 'sizes' must be a list of positive integers, "
        "got [784, -1]"
    )


# write_npz


def test_write_refuses_bad_input(tmp_path):
    path = tmp_path / "m.npz"
    with pytest.raises(TypeError, match=r"array 'x' has dtype object"):
        write_npz(path, {"x": np.array([{}], dtype=object)}, {})
    with pytest.raises(TypeError, match=r"structured"):
        write_npz(path, {"x": np.zeros(2, dtype=[("a", "f8")])}, {})
    with pytest.raises(ValueError, match=r"array 'x' contains NaN or inf"):
        write_npz(path, {"x": np.array([1.0, np.inf])}, {})
    for name in ("__meta__", "a/b", "", ".hidden"):
        with pytest.raises(ValueError, match=r"array name .* is not allowed"):
            write_npz(path, {name: np.zeros(2)}, {})
    with pytest.raises(TypeError, match=r"meta cannot be stored as JSON"):
        write_npz(path, {}, {"f": object()})
    with pytest.raises(ValueError, match=r"meta cannot be stored as JSON"):
        write_npz(path, {}, {"eta": float("nan")})
    with pytest.raises(TypeError, match=r"meta must be a mapping with string keys"):
        write_npz(path, {}, {1: 2})
    with pytest.raises(ValueError, match=r"the limit is 1048576"):
        write_npz(path, {}, {"big": "x" * 2**20})
    with pytest.raises(FileNotFoundError, match=r"directory .*no-such-dir does not exist"):
        write_npz(tmp_path / "no-such-dir" / "m.npz", {}, {})
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_previous_file(model, monkeypatch):
    before = model.read_bytes()
    real_write_array = npzfile.npy_format.write_array
    calls = []

    def fail_midway(file, array, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        real_write_array(file, array, **kwargs)

    monkeypatch.setattr(npzfile.npy_format, "write_array", fail_midway)
    with pytest.raises(OSError, match="disk full"):
        write_npz(model, arrays_for([4, 3, 2]), {"sizes": [4, 3, 2], "other": 1})
    assert model.read_bytes() == before
    assert [p.name for p in model.parent.iterdir()] == ["model.npz"]


def test_overwrite(model):
    write_npz(model, arrays_for([2, 1]), {"sizes": [2, 1]})
    meta, arrays = read_npz(model, expect_network)
    assert meta == {"sizes": [2, 1]} and arrays["w_2"].shape == (1, 2)
    assert [p.name for p in model.parent.iterdir()] == ["model.npz"]
