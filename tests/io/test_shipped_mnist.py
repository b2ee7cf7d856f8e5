"""The copy of MNIST a source checkout ships in data/mnist: intact, found without a network,
and found in its place in the search order."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from deltaprop.cli.main import main
from deltaprop.io import mnist
from deltaprop.io.mnist import load_mnist

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "mnist"
# SHA-256 of each decompressed file: the canonical IDX content (data/mnist/README.md)
SHA256 = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


@pytest.fixture
def fresh_machine(monkeypatch, tmp_path):
    """No $DELTAPROP_DATA, an empty home and cache, and any download attempt fails the test."""

    def refuse(*args, **kwargs):
        pytest.fail("tried to download MNIST")

    monkeypatch.setattr(mnist, "fetch_from_mirrors", refuse)
    monkeypatch.delenv("DELTAPROP_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def test_the_shipped_files_are_the_canonical_mnist():
    for name, digest in SHA256.items():
        with gzip.open(SHIPPED / name, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, name


def test_the_loader_points_at_the_shipped_copy_and_git_keeps_it():
    assert mnist.CHECKOUT_DIR == SHIPPED
    ignore = (SHIPPED.parents[1] / ".gitignore").read_text(encoding="utf-8").split()
    assert not any(p in ignore for p in ("*.gz", "data/", "/data/", "data/mnist/"))


def test_a_fresh_machine_loads_the_shipped_copy(fresh_machine):
    data = load_mnist(download=False)
    assert data.X_train.shape == (60000, 784) and data.X_test.shape == (10000, 784)
    assert not (fresh_machine / "cache" / "deltaprop").exists()  # nothing copied or fetched


def test_the_cache_and_deltaprop_data_come_before_the_shipped_copy(fresh_machine, fake_mnist):
    cache = fresh_machine / "cache" / "deltaprop" / "mnist"
    fake_mnist.write(cache)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(mnist, "MD5", fake_mnist.md5)
        assert load_mnist(download=False).X_train.shape == (30, 784)  # the cache's files
    m2 = pytest.MonkeyPatch()
    try:
        m2.setenv("DELTAPROP_DATA", str(fake_mnist.write(fresh_machine / "env", "raw")))
        assert load_mnist(download=False).X_train.shape == (30, 784)
    finally:
        m2.undo()
    # a cache whose files do not match the mirrors' MD5s is passed over for the shipped copy
    assert load_mnist(download=False).X_train.shape == (60000, 784)


def test_nothing_anywhere_is_one_short_line_suggesting_digits(fresh_machine, monkeypatch):
    monkeypatch.setattr(mnist, "CHECKOUT_DIR", None)  # an installed package: no data/mnist
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(download=False)
    message = str(info.value).replace(str(fresh_machine), "")  # tmp_path's length varies
    assert "\n" not in message and len(message) < 330, message
    assert "DELTAPROP_DATA" in message and message.endswith("deltaprop train --dataset digits")


def test_train_on_a_fresh_machine_finds_the_shipped_copy(fresh_machine, capsys):
    # the book's split; fewer images so that the test is quick (the slow test trains fully)
    assert main(["train", "--epochs", "1", "--train-samples", "2000", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert "2000 training and 10000 test samples" in out
    assert "/ 10000 (" in out


@pytest.mark.slow
def test_deltaprop_train_with_no_data_options_is_the_books_experiment(fresh_machine, capsys):
    assert main(["train", "--epochs", "1", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert "mnist: 50000 training and 10000 test samples (the book's experiment" in out
    correct = int(out.split("Epoch 1: ")[1].split(" / 10000")[0])
    assert correct > 8500  # one epoch of the classic network: about 90%
