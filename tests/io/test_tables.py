"""read_table: the one reader of the user's .csv, .npy and .npz tables (the command line's
--data, predict and evaluate, and the explorer's upload)."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib import format as npy_format

from deltaprop.errors import FormatError
from deltaprop.io.tables import Limits, read_table


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def _npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_csv_without_a_header_the_last_column_is_the_class():
    table = read_table("t.csv", b"0.5,1,0\n2,-1e3,2\n\n3,4,1\n")  # a blank line is skipped
    np.testing.assert_array_equal(table.X, [[0.5, 1], [2, -1000], [3, 4]])
    assert table.y.tolist() == [0, 2, 1] and table.y.dtype == np.int64
    assert table.columns is None and table.n_classes == 3


def test_csv_with_a_header_and_a_named_label():
    text = b"\xef\xbb\xbfclass,width,height\n1,0.5,2\n0,1.5,3\n"  # a UTF-8 byte-order mark
    table = read_table("t.csv", text, label="class")
    np.testing.assert_array_equal(table.X, [[0.5, 2], [1.5, 3]])
    assert table.y.tolist() == [1, 0] and table.columns == ("width", "height")
    with pytest.raises(FormatError, match=r"no column is named 'kind'; the header names 'class'"):
        read_table("t.csv", text, label="kind")
    with pytest.raises(FormatError, match="no header line names the columns"):
        read_table("t.csv", b"1,2,0\n", label="class")


def test_regression_targets_and_no_target():
    table = read_table("t.csv", b"1,2,0.25\n3,4,-7.5\n", targets="values")
    assert table.y.tolist() == [0.25, -7.5] and table.y.dtype == np.float64
    assert table.n_classes == 0
    assert read_table("t.csv", b"1,2,0.25\n", label=None).X.shape == (1, 3)


def test_inputs_decides_whether_the_last_column_is_the_class():
    assert read_table("t.csv", b"1,2\n3,4\n", inputs=2).y is None
    assert read_table("t.csv", b"1,2,1\n3,4,0\n", inputs=2).y.tolist() == [1, 0]
    with pytest.raises(FormatError, match="4 columns, but the network takes 2 inputs; give 2"):
        read_table("t.csv", b"1,2,3,4\n", inputs=2)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"1,2,0\n3,x,1\n", r"t.csv, row 2, column 2: 'x' is not a number"),
        (b"a,b,c\n1,2,0\n3,,1\n", r"t.csv, row 3, column 2 \('b'\): '' is not a number"),
        (b"1,2,0\n3,4\n", r"t.csv, row 2: 2 columns, but the first row has 3"),
        (b"a,b,c\n1,2,0\n\n1,nan,1\n", r"row 4, column 2 \('b'\): nan is not a finite number"),
        (b"1,inf,0\n", r"row 1, column 2: inf is not a finite number"),
        (b"1e300,1,0\n", r"row 1, column 1: 1e\+300 is larger in magnitude than 1e\+15"),
        (b"1,2,1e20\n", r"row 1, column 3: 1e\+20 is not a class label; the class column must"),
        (b"1,2,0.5\n", r"row 1, column 3: 0.5 is not a class label"),
        (b"1,2,-1\n", r"row 1, column 3: -1 is not a class label"),
        (b"1,2,1000\n", r"1000 is not a class label.*below 1000"),
        (b"1,2,nan\n", r"row 1, column 3: nan is not a class label"),
        (b"\xff\xfe1,2\n", r"not UTF-8 text \(byte 0xff at offset 0\)"),
        (b"", r"t.csv: no rows"),
        (b"a,b\n", r"a header line and no rows"),
        (b"a,b\n1,2,3\n", r"the header line names 2 columns but the rows have 3"),
        (b"5\n6\n", r"one column; give the inputs and then the class"),
    ],
)
def test_bad_csv_is_one_message_naming_the_cell(content, message):
    with pytest.raises(FormatError, match=message) as info:
        read_table("t.csv", content)
    assert "\n" not in str(info.value)


def test_npy_and_npz():
    table = np.array([[0.5, 1, 0], [2, 3, 1]])
    assert read_table("t.npy", _npy(table)).y.tolist() == [0, 1]
    assert read_table("t.npy", _npy(table.astype(np.float32).T.copy().T)).X.shape == (2, 2)
    from_xy = read_table("t.npz", _npz(X=table[:, :2], y=np.array([1, 0])))
    np.testing.assert_array_equal(from_xy.X, table[:, :2])
    assert from_xy.y.tolist() == [1, 0]
    assert read_table("t.npz", _npz(data=table)).y.tolist() == [0, 1]
    assert read_table("t.npy", _npy(np.array([[1, 2, 3]], dtype=np.uint8))).y.tolist() == [3]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.npy", _npy(np.zeros(5)), r"an array of shape \(5,\); give a 2-D array"),
        ("t.npy", _npy(np.array([["a", "b"]])), r"dtype <U1; give an array of numbers"),
        ("t.npy", _npy(np.zeros((2, 2), complex)), r"dtype complex128; give an array of numbers"),
        ("t.npy", _npy(np.zeros((4, 3)))[:-8], r"but 88 bytes follow; the file is truncated"),
        ("t.npy", b"not an array", r"t.npy: not a readable .npy array"),
        ("t.npz", b"PK\x03\x04 nonsense", r"t.npz: not a readable .npz archive"),
        ("t.npz", _npz(X=np.zeros((2, 2)), y=np.zeros(3)), r"X has 2 rows but y has 3"),
        ("t.npz", _npz(X=np.zeros((2, 2)), y=np.array([0, 1e20])), r"t.npz\[y\], row 2, col"),
        ("t.npz", _npz(a=np.zeros((2, 2)), b=np.zeros(2)), r"holds arrays \['a', 'b'\]"),
        ("t.txt", b"1,2,3", r"give a .csv, .npy or .npz file"),
    ],
)
def test_bad_arrays_are_refused(name, content, message):
    with pytest.raises(FormatError, match=message):
        read_table(name, content)


def test_an_object_array_is_never_unpickled():
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(FormatError, match="never loaded"):
        read_table("evil.npy", buf.getvalue())


def test_a_huge_declared_shape_is_refused_before_allocating():
    """A .npy header that declares 10¹² × 2 float64 (16 TB) is refused from the header."""
    header = io.BytesIO()
    npy_format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**12, 2)}
    )
    tracemalloc.start()
    with pytest.raises(FormatError, match="1,000,000,000,000 rows; give 1 … 10,000,000"):
        read_table("big.npy", header.getvalue() + b"\0" * 64)
    with pytest.raises(FormatError, match="1,000,000,000,000 rows"):
        read_table("big.npz", _zip({"X.npy": header.getvalue() + b"\0" * 64}))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1 << 20


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def test_a_compressed_npz_is_refused():
    content = _zip({"X.npy": _npy(np.zeros((1000, 3)))}, zipfile.ZIP_DEFLATED)
    with pytest.raises(FormatError, match="compressed zip member"):
        read_table("t.npz", content)


def test_limits():
    limits = Limits(max_bytes=100, max_rows=2, max_columns=3, max_classes=2, max_abs=10)
    for content, message in [
        (b"1," * 60, r"more than the 0.0 MiB allowed"),
        (b"1,0\n1,0\n1,1\n", r"3 rows; give 1 … 2 samples"),
        (b"1,1,1,1,0\n", r"5 columns; give 1 … 3"),
        (b"1,2\n", r"2 is not a class label.*below 2"),
        (b"11,1\n", r"11 is larger in magnitude than 10"),
    ]:
        with pytest.raises(FormatError, match=message):
            read_table("t.csv", content, limits=limits)


def test_files_are_read_from_disk(tmp_path: Path):
    path = tmp_path / "train.csv"
    path.write_text("x,y,class\n1,2,0\n3,4,1\n")
    assert read_table(path).y.tolist() == [0, 1]
    with pytest.raises(FileNotFoundError):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(FormatError, match="is a directory, not a regular file"):
        read_table(tmp_path / "dir.csv") if (tmp_path / "dir.csv").mkdir() is None else None


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 6),
    columns=st.integers(1, 4),
    seed=st.integers(0, 2**16),
    header=st.booleans(),
)
def test_csv_and_npy_say_the_same(rows, columns, seed, header):
    """A table written as .csv (with or without a header) and as .npy reads back the same."""
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(0, 100, (rows, columns)), 6)
    y = rng.integers(0, 5, rows)
    table = np.column_stack([X, y])
    lines = [",".join(repr(float(v)) for v in row) for row in table]
    if header:
        lines.insert(0, ",".join(f"c{j}" for j in range(columns + 1)))
    from_csv = read_table("t.csv", "\n".join(lines).encode())
    from_npy = read_table("t.npy", _npy(table))
    np.testing.assert_array_equal(from_csv.X, X)
    np.testing.assert_array_equal(from_npy.X, X)
    assert from_csv.y.tolist() == from_npy.y.tolist() == y.tolist()


def test_a_header_cut_inside_a_bracket_is_a_format_error():
    """Found by fuzzing: numpy's header parser raises tokenize.TokenError on this one."""
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }        pe': (2, 3), }"
    content = b"\x93NUMPY\x01\x00v\x00" + header.ljust(117) + b"\n" + b"\0" * 32
    with pytest.raises(FormatError, match=r"not a readable .npy array \(TokenError"):
        read_table("t.npy", content)


def test_an_encrypted_npz_member_is_a_format_error():
    """Found by fuzzing: zipfile raises RuntimeError on reading an encrypted member."""
    content = bytearray(_npz(X=np.zeros((2, 3))))
    for start in range(len(content) - 4):  # the flags of each entry, in its central header
        if content[start : start + 4] == b"PK\x01\x02":
            content[start + 8] |= 0x1
    with pytest.raises(FormatError, match=r"t.npz\[X\]: an encrypted zip member; give an .npz"):
        read_table("t.npz", bytes(content))


def test_an_npz_of_y_alone_is_a_format_error():
    """Found by fuzzing: an archive whose one member is y raised StopIteration."""
    with pytest.raises(FormatError, match=r"t.npz: holds y only; give an .npz with arrays X"):
        read_table("t.npz", _npz(y=np.zeros(3)))
