"""Downloads against a local HTTP server: fetch, mirror fallback, atomic writes, and
load_mnist's download into the cache."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from deltaprop.io import mnist
from deltaprop.io.download import DownloadError, fetch, fetch_from_mirrors
from deltaprop.io.mnist import load_mnist

BODY = b"some bytes worth downloading" * 100
BODY_MD5 = hashlib.md5(BODY).hexdigest()


def leftovers(directory: Path) -> list[str]:
    """Temporary files a failed download might have left behind."""
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_fetch(http_server, tmp_path):
    url = http_server.serve("/f", BODY)
    fetch(url, tmp_path / "f", BODY_MD5, timeout=5)
    assert (tmp_path / "f").read_bytes() == BODY
    assert leftovers(tmp_path) == []


def test_fetch_md5_mismatch_leaves_nothing(http_server, tmp_path):
    url = http_server.serve("/f", BODY)
    with pytest.raises(DownloadError, match=f"MD5 mismatch: expected {'0' * 32}, got {BODY_MD5}"):
        fetch(url, tmp_path / "f", "0" * 32, timeout=5)
    assert list(tmp_path.iterdir()) == []


def test_fetch_http_error(http_server, tmp_path):
    with pytest.raises(DownloadError, match=r"/nothing-here: HTTP error 404"):
        fetch(http_server.url + "/nothing-here", tmp_path / "f", None, timeout=5)
    assert list(tmp_path.iterdir()) == []


def test_cut_off_download_keeps_the_previous_file(http_server, tmp_path):
    # the server promises more bytes than it sends, as when a connection drops
    url = http_server.serve("/f", BODY, declared_length=len(BODY) + 1000)
    dest = tmp_path / "f"
    dest.write_bytes(b"the old, complete file")
    with pytest.raises(DownloadError, match=r"truncated|IncompleteRead"):
        fetch(url, dest, None, timeout=5)
    assert dest.read_bytes() == b"the old, complete file"
    assert leftovers(tmp_path) == []


def test_fetch_timeout(http_server, tmp_path):
    url = http_server.serve("/slow", BODY, wait=threading.Event())
    with pytest.raises(DownloadError, match="timed out"):
        fetch(url, tmp_path / "f", None, timeout=0.2)
    assert list(tmp_path.iterdir()) == []


def test_fetch_connection_refused(tmp_path):
    with socket.socket() as sock:  # a port that was free a moment ago and is closed now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DownloadError, match=f"127.0.0.1:{port}/f: URLError"):
        fetch(f"http://127.0.0.1:{port}/f", tmp_path / "f", None, timeout=5)


def test_fetch_size_limit(http_server, tmp_path):
    url = http_server.serve("/f", BODY)
    with pytest.raises(DownloadError, match="more than the 100 bytes allowed"):
        fetch(url, tmp_path / "f", None, timeout=5, max_bytes=100)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/f", "no-scheme"])
def test_fetch_only_http(tmp_path, url):
    with pytest.raises(DownloadError, match="only http:// and https://"):
        fetch(url, tmp_path / "f", None)


def test_mirror_fallback_and_error_listing(http_server, tmp_path):
    http_server.serve("/wrong/f", b"not the file")
    http_server.serve("/good/f", BODY)
    mirrors = [http_server.url + "/missing", http_server.url + "/wrong/", http_server.url + "/good"]
    used = fetch_from_mirrors(mirrors, "f", tmp_path / "f", BODY_MD5, timeout=5)
    assert used == http_server.url + "/good/f"
    assert (tmp_path / "f").read_bytes() == BODY
    assert http_server.requests == ["/missing/f", "/wrong/f", "/good/f"]

    with pytest.raises(DownloadError) as info:
        fetch_from_mirrors(mirrors[:2], "f", tmp_path / "g", BODY_MD5, timeout=5)
    message = str(info.value)
    assert f"could not download f to {tmp_path}" in message
    assert "/missing/f: HTTP error 404" in message
    assert "/wrong/f: MD5 mismatch" in message
    assert "\n" not in message  # one line, as the command line prints it
    assert [url for url, _ in info.value.attempts] == [
        http_server.url + "/missing/f",
        http_server.url + "/wrong/f",
    ]
    assert not (tmp_path / "g").exists()


# load_mnist downloading into the cache


@pytest.fixture
def cache(tmp_path, monkeypatch, fake_mnist, http_server):
    """An empty cache in tmp_path, mirrors on the local server, MD5s of the fake files."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("DELTAPROP_DATA", raising=False)
    monkeypatch.setattr(mnist, "MD5", fake_mnist.md5)
    monkeypatch.setattr(mnist, "TIMEOUT", 5.0)
    monkeypatch.setattr(mnist, "CHECKOUT_DIR", None)  # not the repository's copy of MNIST
    for name, body in fake_mnist.gz.items():
        http_server.serve("/good/" + name, body)
        http_server.serve("/wrong/" + name, body[:-1] + bytes([body[-1] ^ 1]))
    monkeypatch.setattr(
        mnist, "MIRRORS", [http_server.url + "/missing/", http_server.url + "/good/"]
    )
    return tmp_path / "xdg" / "deltaprop" / "mnist"


def assert_matches(data, fake):
    np.testing.assert_array_equal(data.X_train * 255, fake.arrays["train_images"].reshape(-1, 784))
    np.testing.assert_array_equal(data.y_train, fake.arrays["train_labels"])
    np.testing.assert_array_equal(data.X_test * 255, fake.arrays["test_images"].reshape(-1, 784))
    np.testing.assert_array_equal(data.y_test, fake.arrays["test_labels"])


def test_load_mnist_downloads_into_cache_once(cache, fake_mnist, http_server):
    assert_matches(load_mnist(), fake_mnist)
    assert sorted(p.name for p in cache.iterdir()) == sorted(fake_mnist.md5)
    assert len([r for r in http_server.requests if r.startswith("/good/")]) == 4

    http_server.requests.clear()
    assert_matches(load_mnist(), fake_mnist)  # now from the cache
    assert http_server.requests == []


def test_load_mnist_falls_back_from_wrong_bytes(cache, fake_mnist, http_server, monkeypatch):
    monkeypatch.setattr(mnist, "MIRRORS", [http_server.url + "/wrong/", http_server.url + "/good/"])
    assert_matches(load_mnist(), fake_mnist)


def test_corrupt_cache_file_is_fetched_again(cache, fake_mnist, http_server):
    load_mnist()
    target = cache / "train-labels-idx1-ubyte.gz"
    target.write_bytes(target.read_bytes()[:-3])  # a torn or bit-rotted file
    http_server.requests.clear()
    assert_matches(load_mnist(), fake_mnist)
    assert http_server.requests == [
        "/missing/train-labels-idx1-ubyte.gz",
        "/good/train-labels-idx1-ubyte.gz",
    ]


def test_all_mirrors_fail(cache, http_server, monkeypatch):
    monkeypatch.setattr(
        mnist, "MIRRORS", [http_server.url + "/missing/", http_server.url + "/wrong/"]
    )
    with pytest.raises(DownloadError) as info:
        load_mnist()
    message = str(info.value)
    assert "/missing/train-images-idx3-ubyte.gz: HTTP error 404" in message  # the first
    assert f"into {cache}" in message
    assert "DELTAPROP_DATA" in message and "--dataset digits" in message
    attempts = [error for _, error in info.value.attempts]  # each mirror's, in order
    assert "HTTP error 404" in attempts[0] and "MD5 mismatch" in attempts[1]
    assert len(attempts) == 2
    assert list(cache.iterdir()) == []  # nothing partial left under any name


def test_no_download_when_disabled(cache, http_server):
    with pytest.raises(FileNotFoundError, match=r"MNIST is not here.*deltaprop download"):
        load_mnist(download=False)
    assert http_server.requests == []


def test_corrupt_cache_file_without_download(cache, http_server):
    load_mnist()
    (cache / "t10k-images-idx3-ubyte.gz").write_bytes(b"rotten")
    with pytest.raises(FileNotFoundError, match=r"does not match its MD5\).*deltaprop download"):
        load_mnist(download=False)


# interrupted, slow and stalled transfers

LONG = bytes(range(256)) * 11  # 2816 bytes
LONG_MD5 = hashlib.md5(LONG).hexdigest()


def test_cut_off_transfer_resumes_with_range_requests(http_server, tmp_path):
    url = http_server.serve("/f", LONG, ranges=True, cut_after=1000)  # every response cut
    fetch(url, tmp_path / "f", LONG_MD5, timeout=5)
    assert (tmp_path / "f").read_bytes() == LONG
    assert http_server.ranges == [None, "bytes=1000-", "bytes=2000-"]
    assert leftovers(tmp_path) == []


def test_server_ignoring_range_restarts_cleanly(http_server, tmp_path):
    # the first response is cut; the server answers the Range request with the whole file
    url = http_server.serve("/f", LONG, cut_after=1000, cuts=1)
    fetch(url, tmp_path / "f", LONG_MD5, timeout=5)
    assert (tmp_path / "f").read_bytes() == LONG  # not the first 1000 bytes twice
    assert http_server.ranges == [None, "bytes=1000-"]


def test_too_many_cut_offs_fail_then_the_next_mirror_serves(http_server, tmp_path):
    http_server.serve("/flaky/f", LONG, ranges=True, cut_after=10)
    http_server.serve("/good/f", LONG)
    with pytest.raises(DownloadError, match=r"truncated: got 30 of 2816 bytes .*2 resume\(s\)"):
        fetch(http_server.url + "/flaky/f", tmp_path / "f", LONG_MD5, timeout=5, resumes=2)
    assert not (tmp_path / "f").exists() and leftovers(tmp_path) == []
    mirrors = [http_server.url + "/flaky", http_server.url + "/good"]
    used = fetch_from_mirrors(mirrors, "f", tmp_path / "f", LONG_MD5, timeout=5, resumes=2)
    assert used.endswith("/good/f") and (tmp_path / "f").read_bytes() == LONG


def test_stalled_transfer_times_out_and_resumes(http_server, tmp_path):
    url = http_server.serve(
        "/f", LONG, ranges=True, stall_after=700, cuts=1, wait=threading.Event()
    )
    fetch(url, tmp_path / "f", LONG_MD5, timeout=0.3)
    assert (tmp_path / "f").read_bytes() == LONG
    assert http_server.ranges == [None, "bytes=700-"]


def test_slow_server_within_the_timeout_is_fine(http_server, tmp_path):
    url = http_server.serve("/f", LONG, delay=0.3)
    fetch(url, tmp_path / "f", LONG_MD5, timeout=5)
    assert (tmp_path / "f").read_bytes() == LONG


def test_unresponsive_mirror_times_out_and_the_next_serves(http_server, tmp_path):
    http_server.serve("/slow/f", LONG, wait=threading.Event())  # never answers
    http_server.serve("/good/f", LONG)
    mirrors = [http_server.url + "/slow", http_server.url + "/good"]
    start = time.perf_counter()
    used = fetch_from_mirrors(mirrors, "f", tmp_path / "f", LONG_MD5, timeout=0.3)
    assert used.endswith("/good/f") and (tmp_path / "f").read_bytes() == LONG
    assert time.perf_counter() - start < 3


def test_load_mnist_survives_cut_off_downloads(cache, fake_mnist, http_server, monkeypatch):
    for name, body in fake_mnist.gz.items():
        http_server.serve("/cut/" + name, body, ranges=True, cut_after=len(body) // 2 + 1)
    monkeypatch.setattr(mnist, "MIRRORS", [http_server.url + "/cut/"])
    assert_matches(load_mnist(), fake_mnist)
    assert sum(r is not None for r in http_server.ranges) == 4  # one resume per file
