"""Model files: a saved network loads back identical; a bad file is refused clearly."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import deltaprop
from deltaprop import FormatError, Network
from deltaprop.io.model import FORMAT, VERSION, read_classes, read_model, write_model
from deltaprop.io.npzfile import write_npz


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sizes": [5, 4, 3]},
        {
            "sizes": [6, 5, 4, 3],
            "activation": "relu",
            "output_activation": "softmax",
            "cost": "cross-entropy",
            "init": "scaled",
            "dtype": "float64",
            "seed": 3,
        },
        {"sizes": [2, 1], "activation": "tanh", "output_activation": "identity"},
    ],
)
def test_round_trip_keeps_configuration_and_parameters_exactly(tmp_path: Path, kwargs) -> None:
    net = Network(**kwargs)
    path = tmp_path / "net.npz"
    net.save(path)
    back = deltaprop.load(path)
    assert back.config == net.config
    for p, q in zip(net.weights + net.biases, back.weights + back.biases):
        assert p.dtype == q.dtype and p.tobytes() == q.tobytes()
    X = np.random.default_rng(0).random((3, net.sizes[0]))
    np.testing.assert_array_equal(back.feedforward(X), net.feedforward(X))


def test_save_replaces_an_existing_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "net.npz"
    Network([3, 2], seed=0).save(path)
    Network([3, 4, 2], seed=1).save(path)
    assert deltaprop.load(path).sizes == (3, 4, 2)
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]


def _meta(**changes: Any) -> dict[str, Any]:
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "sizes": [3, 2],
        "activation": "sigmoid",
        "output_activation": "sigmoid",
        "cost": "quadratic",
        "init": "normal",
        "dtype": "float32",
        "seed": None,
    }
    meta.update(changes)
    return meta


def _arrays(sizes: tuple[int, int] = (3, 2), **changes: Any) -> dict[str, np.ndarray]:
    arrays = {
        "w_2": np.zeros((sizes[1], sizes[0]), np.float32),
        "b_2": np.zeros(sizes[1], np.float32),
    }
    arrays.update(changes)
    return {k: v for k, v in arrays.items() if v is not None}


@pytest.mark.parametrize(
    ("meta", "arrays", "message"),
    [
        (_meta(format="something-else"), _arrays(), "not a deltaprop model file"),
        (_meta(version=99), _arrays(), "version 99 is not supported"),
        (_meta(sizes=[3]), _arrays(), "'sizes'"),
        (_meta(sizes=[3, -2]), _arrays(), "'sizes'"),
        (_meta(sizes=[4, 2]), _arrays(), "shape"),
        (_meta(), _arrays(w_2=np.zeros((3, 2), np.float32)), "shape"),
        (_meta(), _arrays(b_2=None), "b_2"),
        (_meta(), _arrays(w_3=np.zeros((1, 2), np.float32)), "w_3"),
        (_meta(), _arrays(w_2=np.zeros((2, 3), np.int32)), "int32"),
        (_meta(activation="nope"), _arrays(), "unknown activation 'nope'"),
        (_meta(cost="cross-entropy", output_activation="tanh"), _arrays(), "needs output"),
        (_meta(dtype="float16"), _arrays(), "dtype"),
        (_meta(activation=7), _arrays(), "'activation'"),
    ],
)
def test_bad_model_files_raise_format_error_naming_the_file(
    tmp_path: Path, meta: dict, arrays: dict, message: str
) -> None:
    path = tmp_path / "bad.npz"
    write_npz(path, arrays, meta)
    with pytest.raises(FormatError, match=message) as info:
        deltaprop.load(path)
    assert "bad.npz" in str(info.value)


def test_non_finite_weights_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "nan.npz"
    net = Network([3, 2], seed=0)
    net.save(path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    raw = bytearray(members["w_2.npy"])
    raw[-4:] = np.array([np.nan], np.float32).tobytes()
    members["w_2.npy"] = bytes(raw)
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(FormatError, match="w_2"):
        deltaprop.load(path)


def test_truncated_and_foreign_files(tmp_path: Path) -> None:
    path = tmp_path / "net.npz"
    Network([30, 20, 10], seed=0).save(path)
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 5):
        path.write_bytes(data[:cut])
        with pytest.raises(FormatError, match=r"net\.npz"):
            deltaprop.load(path)
    path.write_text("just text")
    with pytest.raises(FormatError, match=r"net\.npz"):
        deltaprop.load(path)
    np.savez(path, x=np.arange(3))  # a valid .npz that is not a deltaprop model
    with pytest.raises(FormatError, match=r"net\.npz"):
        deltaprop.load(path)
    with pytest.raises(FileNotFoundError, match=r"missing\.npz"):
        deltaprop.load(tmp_path / "missing.npz")


def test_class_names_are_kept_and_files_without_them_still_load(tmp_path: Path) -> None:
    net = Network([3, 4, 2], seed=0)
    named, plain = tmp_path / "named.npz", tmp_path / "plain.npz"
    weights, biases = net.weights, net.biases
    write_model(named, net.config, weights, biases, classes=["cat", "dog"])
    net.save(plain)  # as every file was written before class names
    assert read_classes(named) == ("cat", "dog") and read_classes(plain) is None
    back = deltaprop.load(named)  # the names change nothing about the network
    assert back.config == net.config
    for p, q in zip(net.weights + net.biases, back.weights + back.biases):
        assert p.tobytes() == q.tobytes()
    assert read_model(named)[0] == read_model(plain)[0]


def test_a_checkpoint_keeps_no_class_names(tmp_path: Path) -> None:
    X = np.random.default_rng(0).random((8, 3))
    net = Network([3, 2], seed=0)
    net.fit(X, np.arange(8) % 2, epochs=1, checkpoint=tmp_path / "ck.npz", verbose=0)
    assert read_classes(tmp_path / "ck.npz") is None


@pytest.mark.parametrize(
    "classes",
    [["cat"], ["cat", "dog", "eel"], ["cat", "cat"], ["cat", ""], ["cat", 7], "cat"],
)
def test_bad_class_names_are_refused_on_writing_and_reading(tmp_path: Path, classes) -> None:
    net = Network([3, 2], seed=0)
    with pytest.raises(ValueError, match="classes must be a list of 2 distinct, non-empty"):
        write_model(tmp_path / "x.npz", net.config, net.weights, net.biases, classes=classes)
    path = tmp_path / "bad.npz"
    write_npz(path, _arrays(), _meta(classes=list(classes)))
    for read in (deltaprop.load, read_classes):
        with pytest.raises(FormatError, match=r"bad.npz: metadata field 'classes' must be a list"):
            read(path)
