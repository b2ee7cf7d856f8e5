"""``deltaprop download``: MNIST fetched with its progress shown and its MD5s checked, and
with no network, a prompt one-line failure (as ``deltaprop train`` without MNIST)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deltaprop.cli import main
from deltaprop.io import mnist
from deltaprop.io.mnist import load_mnist


def test_download_fetches_checks_and_keeps(http_server, fake_mnist, monkeypatch, tmp_path, capsys):
    for name, body in fake_mnist.gz.items():
        http_server.serve(f"/mnist/{name}", body)
    monkeypatch.setattr(mnist, "MIRRORS", [http_server.url + "/mnist/"])
    monkeypatch.setattr(mnist, "MD5", fake_mnist.md5)
    target = tmp_path / "data"
    assert main(["download", "--data-dir", str(target)]) == 0
    out, err = capsys.readouterr()
    assert f"MNIST is in {target} (four files, their MD5 checked)" in out
    for name in fake_mnist.gz:  # a progress bar per file, on stderr
        assert name in err
    assert load_mnist(target).X_train.shape == (30, 784)
    asked = len(http_server.requests)
    assert main(["download", "--data-dir", str(target)]) == 0  # all there: nothing fetched
    assert len(http_server.requests) == asked


def test_download_refuses_a_wrong_checksum(http_server, fake_mnist, monkeypatch, tmp_path, capsys):
    for name, body in fake_mnist.gz.items():
        http_server.serve(f"/mnist/{name}", body[:-1] + b"x")
    monkeypatch.setattr(mnist, "MIRRORS", [http_server.url + "/mnist/"])
    monkeypatch.setattr(mnist, "MD5", fake_mnist.md5)
    assert main(["download", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert "MD5 mismatch" in err[-1] and err[-1].startswith("deltaprop download: error:")
    assert not list(tmp_path.glob("*.gz"))  # nothing torn left behind


def _offline(command: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``command`` in a fresh user and network namespace: no network at all."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a network namespace here: {probe.stderr.decode().strip()}")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    return subprocess.run(
        ["unshare", "-rn", sys.executable, "-m", "deltaprop", *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )


def test_download_without_a_network_fails_within_seconds(tmp_path):
    start = time.monotonic()
    result = _offline(["download"], tmp_path)
    assert time.monotonic() - start < 20, result.stderr
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("deltaprop download: error: could")


def test_train_without_mnist_says_where_it_looked_and_what_to_do(tmp_path, monkeypatch, capsys):
    """No MNIST anywhere: one line, at once (no download tried), pointing to the fixes."""
    monkeypatch.setattr(mnist, "CHECKOUT_DIR", None)  # an installed package
    monkeypatch.delenv("DELTAPROP_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(mnist, "fetch_from_mirrors", lambda *a, **k: pytest.fail("downloaded"))
    start = time.monotonic()
    assert main(["train", "--epochs", "1"]) == 1
    assert time.monotonic() - start < 5
    (line,) = capsys.readouterr().err.strip().splitlines()
    for words in (
        "$DELTAPROP_DATA",
        str(tmp_path / "deltaprop" / "mnist"),
        "data/mnist",
        "'deltaprop download'",
        "deltaprop train --dataset digits",
    ):
        assert words in line, line
