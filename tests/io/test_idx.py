"""The IDX reader: round trips through files written by an independent encoder, and every
kind of malformed file."""

from __future__ import annotations

import gzip
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltaprop.errors import FormatError
from deltaprop.io.idx import read_idx, read_idx_images, read_idx_labels

DTYPES = ["uint8", "int8", "int16", "int32", "float32", "float64"]
MakeIdx = Callable[..., bytes]


def write(path: Path, data: bytes, *, compress: bool = False) -> Path:
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), (2, 1, 3, 2), (0, 4)])
def test_round_trip(tmp_path, make_idx, dtype, shape, compress):
    rng = np.random.default_rng(1)
    if dtype.startswith("float"):
        array = rng.standard_normal(shape).astype(dtype)
    else:
        info = np.iinfo(dtype)
        array = rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    path = write(tmp_path / "a.idx", make_idx(array), compress=compress)

    result = read_idx(path)

    assert result.shape == shape
    assert result.dtype == np.dtype(dtype)
    assert result.dtype.isnative
    assert result.flags.writeable
    np.testing.assert_array_equal(result, array)


def test_gzip_is_detected_by_content_not_name(tmp_path, make_idx):
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    gz_named_raw = write(tmp_path / "raw-but-called.gz", make_idx(array))
    raw_named_gz = write(tmp_path / "gzip-but-called.idx", make_idx(array), compress=True)
    np.testing.assert_array_equal(read_idx(gz_named_raw), array)
    np.testing.assert_array_equal(read_idx(raw_named_gz), array)


def test_images_and_labels(tmp_path, make_idx):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    labels = np.array([3, 7], dtype=np.uint8)
    images_path = write(tmp_path / "images", make_idx(images), compress=True)
    labels_path = write(tmp_path / "labels", make_idx(labels))
    np.testing.assert_array_equal(read_idx_images(images_path), images)
    np.testing.assert_array_equal(read_idx_labels(labels_path), labels)


def test_image_file_given_as_labels_names_file_and_magic(tmp_path, make_idx):
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    path = write(tmp_path / "train-labels-idx1-ubyte.gz", make_idx(images), compress=True)
    with pytest.raises(FormatError) as info:
        read_idx_labels(path)
    assert str(info.value) == (
        f"{path}: magic number 2051 means an image file, expected 2049 (labels)"
    )


def test_label_file_given_as_images(tmp_path, make_idx):
    path = write(tmp_path / "x", make_idx(np.zeros(3, dtype=np.uint8)))
    with pytest.raises(FormatError, match=r"magic number 2049 means a label file, expected 2051"):
        read_idx_images(path)


def test_other_type_given_as_images(tmp_path, make_idx):
    path = write(tmp_path / "x", make_idx(np.zeros((1, 2, 2), dtype=np.float32)))
    with pytest.raises(FormatError, match=r"type code 0x0D with 3 dimension\(s\), expected 2051"):
        read_idx_images(path)


@pytest.mark.parametrize(
    ("magic", "message"),
    [
        (b"\x01\x00\x08\x01", r"must start with two zero bytes, found 01 00"),
        (b"\x00\x07\x08\x01", r"must start with two zero bytes, found 00 07"),
        (b"\x00\x00\x0a\x01", r"unknown IDX type code 0x0A"),
        (b"\x00\x00\x08\x00", r"declares 0 dimensions; expected 1 to 4"),
        (b"\x00\x00\x08\x05", r"declares 5 dimensions; expected 1 to 4"),
    ],
)
@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_bad_magic(tmp_path, make_idx, magic, message, compress):
    path = write(
        tmp_path / "bad.idx", make_idx(np.zeros(3, np.uint8), magic=magic), compress=compress
    )
    with pytest.raises(FormatError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", r"too short for an IDX header: found 0 byte\(s\), expected at least 4"),
        (b"\x00\x00", r"too short for an IDX header: found 2 byte"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00", r"header truncated: 3 dimensions need 12"),
    ],
)
def test_truncated_header(tmp_path, data, message, compress):
    path = write(tmp_path / "short.idx", data, compress=compress)
    with pytest.raises(FormatError, match=message):
        read_idx(path)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_truncated_data_says_expected_and_found(tmp_path, make_idx, compress):
    data = make_idx(np.zeros((10, 4), dtype=np.int16))  # 80 bytes of data
    path = write(tmp_path / "cut.idx", data[:-5], compress=compress)
    with pytest.raises(FormatError, match=r"declares 80 bytes of data, found 75") as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_trailing_bytes(tmp_path, make_idx, compress):
    data = make_idx(np.zeros((10, 4), dtype=np.uint8)) + b"extra"
    path = write(tmp_path / "long.idx", data, compress=compress)
    with pytest.raises(FormatError, match=r"5 unexpected trailing byte\(s\) after the 40 bytes"):
        read_idx(path)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("dims", [(10**12 // 784, 28, 28), (2**32 - 1,) * 4, (2**30,)])
def test_huge_declared_dimensions_fail_fast_without_allocating(tmp_path, make_idx, dims, compress):
    small = np.zeros(1000, dtype=np.uint8)
    path = write(tmp_path / "huge.idx", make_idx(small, dims=dims), compress=compress)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(
            FormatError, match=r"declares \d+ bytes of data, (found|more than the limit)"
        ):
            read_idx(path)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 8 * 2**20  # nowhere near the declared size


def _gzip_with_bad_crc(data: bytes) -> bytes:
    blob = bytearray(gzip.compress(data, mtime=0))
    blob[-8] ^= 0xFF  # the CRC-32 of the trailer
    return bytes(blob)


@pytest.mark.parametrize(
    "corrupt",
    [
        _gzip_with_bad_crc,
        lambda data: gzip.compress(data, mtime=0)[:-10],  # truncated stream
        lambda data: gzip.compress(data, mtime=0)[:12],  # header only
        lambda data: gzip.compress(data, mtime=0) + b"garbage after the member",
        lambda data: b"\x1f\x8b" + b"\x00" * 30,  # gzip magic, broken header
    ],
    ids=["bad-crc", "truncated", "header-only", "trailing-garbage", "broken-header"],
)
def test_corrupt_gzip_is_a_format_error(tmp_path, make_idx, corrupt):
    data = make_idx(np.arange(200, dtype=np.uint8).reshape(10, 20))
    path = tmp_path / "corrupt.gz"
    path.write_bytes(corrupt(data))
    with pytest.raises(FormatError) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.idx")


# Property: any truncation or byte flip of a valid file gives a valid array or a FormatError.

_VALID = np.arange(3 * 4 * 5, dtype=np.int16).reshape(3, 4, 5)


def _check_garbled(directory: Path, data: bytes) -> None:
    path = directory / "garbled"
    path.write_bytes(data)
    try:
        result = read_idx(path)
    except FormatError:
        return
    assert isinstance(result, np.ndarray)


@pytest.fixture(scope="module")
def garble_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("garbled")


@settings(max_examples=150, deadline=None)
@given(data=st.data(), compress=st.booleans())
def test_property_truncations_and_flips(garble_dir, make_idx, data, compress):
    blob = bytearray(make_idx(_VALID))
    if compress:
        blob = bytearray(gzip.compress(bytes(blob), mtime=0))
    flips = data.draw(st.lists(st.integers(0, len(blob) - 1), max_size=3), label="flips")
    for position in flips:
        blob[position] ^= data.draw(st.integers(1, 255), label="xor")
    cut = data.draw(st.integers(0, len(blob)), label="cut")
    _check_garbled(garble_dir, bytes(blob[:cut]))
