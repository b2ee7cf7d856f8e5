"""load_mnist: the real data set, where files are looked for, and malformed sets."""

from __future__ import annotations

import numpy as np
import pytest

from deltaprop.errors import FormatError
from deltaprop.io import mnist
from deltaprop.io.idx import read_idx_images
from deltaprop.io.mnist import cache_dir, load_mnist

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]  # from its README
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(autouse=True)
def _no_downloads(monkeypatch, tmp_path):
    """These tests never download: an attempt fails the test. DELTAPROP_DATA is unset."""

    def refuse(*args, **kwargs):
        pytest.fail("load_mnist tried to download")

    monkeypatch.setattr(mnist, "fetch_from_mirrors", refuse)
    monkeypatch.setattr(mnist, "CHECKOUT_DIR", None)  # the repository's copy: see test_shipped
    monkeypatch.delenv("DELTAPROP_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))


def test_real_mnist(mnist_dir):
    data = load_mnist(mnist_dir)
    X_train, y_train, X_test, y_test = data
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    for X in (X_train, X_test):
        assert X.dtype == np.float32 and X.flags.c_contiguous
        assert X.ctypes.data % 64 == 0  # on a cache line: backend="jax" reads it in place
        assert X.min() == 0.0 and X.max() == 1.0
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    # the first training image is a 5, and X is its pixels / 255, row by row
    pixels = read_idx_images(mnist_dir / "train-images-idx3-ubyte.gz")[0]
    assert y_train[0] == 5
    np.testing.assert_array_equal(X_train[0], (pixels.reshape(784) / 255).astype(np.float32))


def test_real_mnist_float64_from_environment(mnist_dir, monkeypatch):
    monkeypatch.setenv("DELTAPROP_DATA", str(mnist_dir))
    data = load_mnist(dtype="float64")
    assert data.X_test.dtype == np.float64 and data.X_test.flags.c_contiguous
    assert np.bincount(data.y_test).tolist() == TEST_COUNTS


@pytest.mark.parametrize("spelling", ["gz", "raw", "dotted"])
@pytest.mark.parametrize("dtype", ["float32", "float64", np.float32])
def test_spellings_and_scaling(tmp_path, fake_mnist, spelling, dtype):
    directory = fake_mnist.write(tmp_path / "data", spelling)
    X_train, y_train, _, y_test = load_mnist(directory, dtype=dtype)
    # independent route: exact pixel / 255 in float64, then rounded once to the dtype (for
    # a division, rounding twice from 53 to 24 bits gives the same float32)
    expected = fake_mnist.arrays["train_images"].reshape(-1, 784) / 255.0
    assert X_train.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(X_train, expected.astype(dtype))
    np.testing.assert_array_equal(y_test, fake_mnist.arrays["test_labels"])
    assert y_train.dtype == np.int64


def test_path_argument_takes_precedence_over_environment(tmp_path, fake_mnist, monkeypatch):
    monkeypatch.setenv("DELTAPROP_DATA", str(tmp_path / "elsewhere"))
    data = load_mnist(fake_mnist.write(tmp_path / "given"))
    assert len(data.X_train) == 30


def test_missing_files_in_given_directory_are_listed(tmp_path, fake_mnist):
    directory = fake_mnist.write(tmp_path / "data")
    (directory / "t10k-labels-idx1-ubyte.gz").unlink()
    (directory / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(directory)
    message = str(info.value)
    assert f"missing from {directory} (from the path argument)" in message
    assert "train-images-idx3-ubyte, t10k-labels-idx1-ubyte" in message
    assert "train-labels" not in message


def test_missing_files_in_environment_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("DELTAPROP_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"\(from DELTAPROP_DATA\)"):
        load_mnist()


def test_given_directory_does_not_exist(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope \(from the path argument\) does not exist"):
        load_mnist(tmp_path / "nope")


def test_empty_cache_without_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"the cache .*empty-cache.*deltaprop download"):
        load_mnist(download=False)


def test_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "deltaprop" / "mnist"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for value in ("", "relative/dir"):  # the XDG spec says to ignore relative paths
        monkeypatch.setenv("XDG_CACHE_HOME", value)
        assert cache_dir() == tmp_path / "home" / ".cache" / "deltaprop" / "mnist"


def test_count_mismatch(tmp_path, fake_mnist, make_idx):
    directory = fake_mnist.write(tmp_path / "data")
    (directory / "train-labels-idx1-ubyte.gz").unlink()
    (directory / "train-labels-idx1-ubyte").write_bytes(make_idx(np.zeros(29, np.uint8)))
    with pytest.raises(
        FormatError, match=r"holds 30 images but .*train-labels-idx1-ubyte holds 29"
    ):
        load_mnist(directory)


def test_label_out_of_range(tmp_path, fake_mnist, make_idx):
    directory = fake_mnist.write(tmp_path / "data", "raw")
    labels = np.zeros(12, np.uint8)
    labels[7] = 10
    (directory / "t10k-labels-idx1-ubyte").write_bytes(make_idx(labels))
    with pytest.raises(
        FormatError, match=r"t10k-labels-idx1-ubyte: label 10 at index 7 is out of range"
    ):
        load_mnist(directory)


def test_images_not_28x28(tmp_path, fake_mnist, make_idx):
    directory = fake_mnist.write(tmp_path / "data", "raw")
    (directory / "t10k-images-idx3-ubyte").write_bytes(make_idx(np.zeros((12, 27, 28), np.uint8)))
    with pytest.raises(FormatError, match=r"images are 27x28 pixels, expected 28x28"):
        load_mnist(directory)


def test_swapped_files(tmp_path, fake_mnist):
    directory = fake_mnist.write(tmp_path / "data", "raw")
    images, labels = directory / "train-images-idx3-ubyte", directory / "train-labels-idx1-ubyte"
    data = images.read_bytes()
    images.write_bytes(labels.read_bytes())
    labels.write_bytes(data)
    with pytest.raises(FormatError, match=r"magic number 2049 means a label file, expected 2051"):
        load_mnist(directory)


@pytest.mark.parametrize("dtype", ["float16", "int64", None, "nonsense"])
def test_bad_dtype(tmp_path, dtype):
    with pytest.raises(ValueError, match=r"dtype must be 'float32' or 'float64', got"):
        load_mnist(tmp_path, dtype=dtype)


def test_user_files_are_not_md5_checked(tmp_path, fake_mnist, monkeypatch):
    # files in a user's directory may be re-compressed; only the cache is checksummed
    monkeypatch.setattr(mnist, "MD5", {name: "0" * 32 for name in mnist.MD5})
    load_mnist(fake_mnist.write(tmp_path / "data"))


def test_module_attributes():
    assert len(mnist.MIRRORS) >= 2 and all(m.startswith("https://") for m in mnist.MIRRORS)
    assert mnist.MD5["train-images-idx3-ubyte.gz"] == "f68b3c2dcbeaaa9fbdd348bbdeb94873"


def test_the_datasets_module_offers_the_loaders_by_their_usual_name():
    import deltaprop.datasets
    import deltaprop.io

    assert deltaprop.datasets.load_mnist is deltaprop.io.load_mnist
    assert deltaprop.datasets.load_digits is deltaprop.io.load_digits


def test_offline_without_files_says_briefly_where_to_put_them(monkeypatch, tmp_path):
    attempts = [
        (f"https://mirror{i}.example/train-images-idx3-ubyte.gz", f"mirror {i}: no network")
        for i in range(3)
    ]

    def offline(mirrors, filename, dest, md5, **kwargs):
        raise mnist.DownloadError(f"could not download {filename} (tried: ...)", attempts)

    monkeypatch.setattr(mnist, "fetch_from_mirrors", offline)
    with pytest.raises(mnist.DownloadError) as info:
        load_mnist(download=True)
    message = str(info.value)
    cache = str(tmp_path / "empty-cache" / "deltaprop" / "mnist")
    assert cache in message
    assert "\n" not in message and len(message) - len(cache) < 250, message
    assert "set DELTAPROP_DATA (or --data-dir DIR)" in message
    assert "(mirror 0: no network)" in message and "mirror 1" not in message
    assert message.endswith("deltaprop train --dataset digits")
    assert info.value.attempts == attempts  # every mirror's error is still there to look at
