"""Fixtures for the I/O tests: IDX files built from arrays, fake MNIST directories and a
local HTTP server standing in for the download mirrors."""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

# IDX type code for each dtype the format allows (big-endian on disk)
TYPE_CODES = {
    "uint8": 0x08,
    "int8": 0x09,
    "int16": 0x0B,
    "int32": 0x0C,
    "float32": 0x0D,
    "float64": 0x0E,
}


def idx_bytes(
    array: np.ndarray, *, magic: bytes | None = None, dims: tuple[int, ...] | None = None
) -> bytes:
    """The IDX encoding of ``array``, written independently of the reader.

    ``magic`` replaces the 4-byte magic number and ``dims`` the declared dimensions, to build
    malformed files.
    """
    array = np.asarray(array)
    code = TYPE_CODES[array.dtype.name]
    dims = array.shape if dims is None else dims
    if magic is None:
        magic = bytes([0, 0, code, len(dims)])
    header = magic + b"".join(d.to_bytes(4, "big") for d in dims)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


@pytest.fixture(scope="session")
def make_idx() -> Callable[..., bytes]:
    return idx_bytes


MNIST_STEMS = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


@dataclass
class FakeMNIST:
    """A small MNIST look-alike: arrays and the four files' bytes (gzip'd and raw)."""

    arrays: dict[str, np.ndarray]
    raw: dict[str, bytes] = field(default_factory=dict)  # stem -> IDX bytes

    @property
    def gz(self) -> dict[str, bytes]:
        return {stem + ".gz": gz(data) for stem, data in self.raw.items()}

    @property
    def md5(self) -> dict[str, str]:
        return {name: hashlib.md5(data).hexdigest() for name, data in self.gz.items()}

    def write(self, directory: Path, spelling: str = "gz") -> Path:
        """Write the four files: spelling "gz" (standard .gz), "raw" or "dotted" (raw)."""
        directory.mkdir(parents=True, exist_ok=True)
        for stem, data in self.raw.items():
            if spelling == "gz":
                (directory / (stem + ".gz")).write_bytes(gz(data))
            elif spelling == "raw":
                (directory / stem).write_bytes(data)
            else:
                (directory / stem.replace("-idx", ".idx")).write_bytes(data)
        return directory


def make_fake_mnist(n_train: int = 30, n_test: int = 12, seed: int = 0) -> FakeMNIST:
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    fake = FakeMNIST(arrays)
    fake.raw = {MNIST_STEMS[key]: idx_bytes(array) for key, array in arrays.items()}
    return fake


@pytest.fixture
def fake_mnist() -> FakeMNIST:
    return make_fake_mnist()


@dataclass
class Route:
    """What the server answers for one path."""

    body: bytes = b""
    status: int = 200
    declared_length: int | None = None  # a Content-Length larger than the body: cut off
    wait: threading.Event | None = None  # block until set (to test timeouts)
    ranges: bool = False  # honour "Range: bytes=N-" with 206 Partial Content
    cut_after: int | None = None  # send at most this many body bytes, then close
    stall_after: int | None = None  # send this many body bytes, then block until wait is set
    cuts: int = 1 << 30  # responses that are cut off or stall; later ones are whole
    delay: float = 0.0  # seconds to sleep before answering (slow, but within a timeout)


@dataclass
class LocalServer:
    url: str
    routes: dict[str, Route]
    requests: list[str]  # the paths asked for, in order
    ranges: list[str | None] = field(default_factory=list)  # the Range header of each request

    def serve(self, path: str, body: bytes = b"", **route: object) -> str:
        """Answer GET ``path`` with ``body`` (options: see :class:`Route`); return its URL."""
        self.routes[path] = Route(body, **route)  # type: ignore[arg-type]
        return self.url + path


_RANGE = re.compile(r"bytes=(\d+)-")


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """An HTTP server on 127.0.0.1 (ephemeral port) answering from ``routes``; 404 otherwise."""
    routes: dict[str, Route] = {}
    requests: list[str] = []
    ranges: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            ranges.append(self.headers.get("Range"))
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            if route.delay:
                time.sleep(route.delay)
            if route.wait is not None and route.stall_after is None:
                route.wait.wait(10)
            body, status = route.body, route.status
            match = _RANGE.fullmatch(self.headers.get("Range") or "")
            if route.ranges and match and int(match[1]) < len(body):
                start = int(match[1])
                body, status = body[start:], 206
            self.send_response(status)
            if status == 206:
                end = len(route.body) - 1
                self.send_header("Content-Range", f"bytes {start}-{end}/{len(route.body)}")
            length = len(body) if route.declared_length is None else route.declared_length
            self.send_header("Content-Length", str(length))
            self.end_headers()
            faulty = route.cuts > 0
            route.cuts -= faulty
            if faulty and route.cut_after is not None:
                body = body[: route.cut_after]
            if faulty and route.stall_after is not None and route.wait is not None:
                self.wfile.write(body[: route.stall_after])
                self.wfile.flush()
                route.wait.wait(10)
                return  # the client gave up long ago
            self.wfile.write(body)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep the test output clean

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client that timed out and left is expected here

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield LocalServer(f"http://127.0.0.1:{server.server_port}", routes, requests, ranges)
    finally:
        for route in routes.values():
            if route.wait is not None:
                route.wait.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def _no_proxy_for_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests to the local server must not go through a proxy the environment names."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
