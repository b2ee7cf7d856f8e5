"""Class labels that are names: read_table maps the distinct names, sorted, to the classes
0 … k − 1 (or to a network's classes, given), and refuses a class column it cannot read as
names with one message naming the cell."""

from __future__ import annotations

import io
import string

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltaprop.errors import FormatError
from deltaprop.io.tables import Limits, read_table

IRIS = b"""sepal,petal,species
5.1,3.5,setosa
6.3,2.8,virginica
5.9,3,versicolor
4.9,3,setosa
"""


def _npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_names_are_the_classes_in_sorted_order():
    table = read_table("iris.csv", IRIS)
    assert table.classes == ("setosa", "versicolor", "virginica")
    assert table.y.tolist() == [0, 2, 1, 0] and table.y.dtype == np.int64
    assert table.n_classes == 3 and table.columns == ("sepal", "petal")
    np.testing.assert_array_equal(table.X, [[5.1, 3.5], [6.3, 2.8], [5.9, 3], [4.9, 3]])


def test_without_a_header_the_first_row_is_data_when_the_next_class_is_a_name_too():
    rows = b"5.1,3.5, setosa \n6.3,2.8,virginica\n"  # spaces around a name are dropped
    table = read_table("iris.csv", rows)
    assert table.columns is None and table.X.shape == (2, 2)
    assert table.classes == ("setosa", "virginica") and table.y.tolist() == [0, 1]
    assert read_table("one.csv", b"5.1,3.5,setosa\n").classes == ("setosa",)
    # a first line whose only word is over a class column of numbers names that column
    numbered = read_table("t.csv", b"1,2,class\n3,4,0\n5,6,1\n")
    assert numbered.columns == ("1", "2") and numbered.classes is None
    assert numbered.y.tolist() == [0, 1]


def test_a_named_label_column_and_quoted_names():
    text = b'species,a,b\n"Iris, setosa",1,2\nvirginica,3,4\n"Iris, setosa",5,6\n'
    table = read_table("t.csv", text, label="species")
    assert table.classes == ("Iris, setosa", "virginica") and table.y.tolist() == [0, 1, 0]
    np.testing.assert_array_equal(table.X, [[1, 2], [3, 4], [5, 6]])


def test_the_classes_given_decide_the_labels():
    classes = ["setosa", "versicolor", "virginica"]
    table = read_table("t.csv", b"1,2,virginica\n3,4,virginica\n", classes=classes)
    assert table.y.tolist() == [2, 2] and table.classes == tuple(classes)
    assert table.n_classes == 3  # the network's classes, not only those in the file
    with pytest.raises(
        FormatError,
        match=r"t.csv, row 2, column 3: 'Setosa' is not one of the "
        r"classes 'setosa', 'versicolor', 'virginica'; give one of them",
    ):
        read_table("t.csv", b"1,2,setosa\n3,4,Setosa\n", classes=classes)
    with pytest.raises(
        FormatError,
        match=r"the class column holds numbers, but the classes "
        r"have names \('setosa', 'versicolor', 'virginica'\)",
    ):
        read_table("t.csv", b"1,2,0\n3,4,2\n", classes=classes)


def test_predict_reads_names_only_in_the_column_after_the_inputs():
    labelled = read_table("t.csv", b"1,2,b\n3,4,a\n", inputs=2)
    assert labelled.y.tolist() == [1, 0] and labelled.classes == ("a", "b")
    unlabelled = read_table("t.csv", b"1,2\n3,4\n", inputs=2, classes=["a", "b"])
    assert unlabelled.y is None and unlabelled.X.shape == (2, 2)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"1,2,setosa\n3,4,virginica\n5,6,2\n",
            r"row 3, column 3: '2' is a number, but 2 of the 3 rows give their class as "
            r"names; give every class as a name, or every class as a number",
        ),
        (
            b"1,2,0\n3,4,1\n5,6,x\n",
            r"row 3, column 3: 'x' is a name, but 2 of the 3 rows give "
            r"their class as numbers",
        ),
        (b"1,2,setosa\n3,4,\n", r"t.csv, row 2, column 3: the class is empty; give every row"),
        (b"a,b,c\n1,2,0\n3,4,\n", r"t.csv, row 3, column 3 \('c'\): the class is empty"),
        (b"1,2,setosa\n3,x,virginica\n", r"row 2, column 2: 'x' is not a number; every cell"),
        (b"1,2,setosa\n3,4,virginica,5\n", r"row 2: 4 columns, but the first row has 3"),
        (
            b'1,2,a\n3,4,"b\x1b[2J"\n',
            r"row 2, column 3: the class name 'b\\x1b\[2J' holds a "
            r"character that cannot be printed",
        ),
        (
            b"1,2,a\n3,4," + b"b" * 101 + b"\n",
            r"row 2, column 3: a class name of 101 characters "
            r"\('bbbbbbbbbbbbbbbbbbbb'…\), more than the 100 allowed; is column 3 the class\?",
        ),
    ],
)
def test_a_class_column_that_is_not_names_is_one_message(content, message):
    with pytest.raises(FormatError, match=message) as info:
        read_table("t.csv", content)
    assert "\n" not in str(info.value)


def test_regression_targets_and_no_target_never_take_names():
    with pytest.raises(FormatError, match=r"row 2, column 3 \('setosa'\): 'virginica' is not a "):
        read_table("t.csv", b"1,2,setosa\n3,4,virginica\n", targets="values")
    with pytest.raises(FormatError, match=r"'virginica' is not a number"):
        read_table("t.csv", b"1,2,setosa\n3,4,virginica\n", label=None)


def test_the_names_are_within_the_limits():
    with pytest.raises(
        FormatError,
        match=r"t.csv, column 3: 3 different class names, more than "
        r"the 2 allowed; is column 3 the class\?",
    ):
        read_table("t.csv", b"1,2,a\n3,4,b\n5,6,c\n", limits=Limits(max_classes=2))
    with pytest.raises(FormatError, match=r"a class name of 4 characters"):
        read_table("t.csv", b"1,2,abcd\n3,4,b\n", limits=Limits(max_name=3))


def test_an_npz_y_of_strings_is_names():
    X = np.arange(6.0).reshape(3, 2)
    table = read_table("t.npz", _npz(X=X, y=np.array(["dog", "cat", "dog"])))
    assert table.classes == ("cat", "dog") and table.y.tolist() == [1, 0, 1]
    given_classes = read_table("t.npz", _npz(X=X, y=np.array(["b", "a", "b"])), classes="abc")
    assert given_classes.y.tolist() == [1, 0, 1]
    with pytest.raises(FormatError, match=r"t.npz\[y\], row 2, column 1: the class is empty"):
        read_table("t.npz", _npz(X=X, y=np.array(["b", "", "b"])))
    with pytest.raises(FormatError, match=r"t.npz\[y\]: the targets are names \('a', 'b'\); "):
        read_table("t.npz", _npz(X=X, y=np.array(["b", "a", "b"])), targets="values")
    with pytest.raises(FormatError, match=r"t.npz\[X\]: dtype <U1; give an array of numbers"):
        read_table("t.npz", _npz(X=np.array([["a", "b"]]), y=np.array(["a"])))
    with pytest.raises(FormatError, match=r"dtype \|S1; give .* or, for y, strings"):
        read_table("t.npz", _npz(X=X, y=np.array([b"a", b"b", b"a"])))


NAME = st.text(string.ascii_letters + " -_'", min_size=1, max_size=12).map(str.strip)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(NAME.filter(lambda n: n and not _is_number(n)), min_size=1, max_size=12),
    columns=st.integers(1, 3),
    header=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_names_read_as_numpys_sorted_unique_says(names, columns, header, seed):
    """The labels are the names' positions in ``np.unique`` of the column (sorted, distinct),
    computed here on the names as written; the inputs are read as numbers, as ever."""
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(0, 10, (len(names), columns)), 4)
    lines = [",".join([*map(repr, map(float, x)), name]) for x, name in zip(X, names)]
    if header:
        lines.insert(0, ",".join([*(f"c{j}" for j in range(columns)), "kind"]))
    table = read_table("t.csv", "\n".join(lines).encode())
    classes, labels = np.unique(names, return_inverse=True)
    assert table.classes == tuple(classes.tolist())
    assert table.y.tolist() == labels.tolist()
    np.testing.assert_array_equal(table.X, X)
    assert table.columns == (tuple(f"c{j}" for j in range(columns)) if header else None)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
