"""Files that declare far more than they hold, and paths that are not regular files.

Each case is loaded in a fresh process (``hostile.load_in_child``), which measures the load's
time and peak memory: every one must end with a one-line ``FormatError`` within 5 s, having
allocated at most 64 MB + 4 × the file's size (the bytes it really takes on disk).
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hostile import (
    gz_streamed,
    idx_header,
    load_in_child,
    memory_bound,
    meta_member,
    npy,
    npy_header,
    read_members,
    zip_members,
    zip_streamed,
)

from deltaprop import Network

SECONDS = 5.0


def _checkpoint(tmp_path: Path) -> bytes:
    X = np.random.default_rng(0).random((20, 3))
    path = tmp_path / "valid.npz"
    Network([3, 4, 2], seed=0).fit(X, X[:, 0] > 0.5, epochs=1, optimizer="adam", checkpoint=path)
    blob = path.read_bytes()
    path.unlink()
    return blob


def _disk_bytes(path: Path) -> int:
    info = os.stat(path)
    return min(info.st_size, getattr(info, "st_blocks", math.inf) * 512)


def check_refused(kind: str, path: Path, message: str) -> dict[str, object]:
    """Load ``path`` in a child process: a FormatError matching ``message``, quickly and small."""
    result = load_in_child(kind, path)
    error = str(result["error"])
    assert error.startswith("FormatError: "), error
    assert message in error, error
    assert "\n" not in error
    assert float(result["seconds"]) < SECONDS, result  # type: ignore[arg-type]
    bound = memory_bound(_disk_bytes(path) if path.exists() else 0)
    assert int(result["traced"]) <= bound, result  # type: ignore[call-overload]
    assert int(result["rss_growth"]) <= bound, result  # type: ignore[call-overload]
    print(
        f"\n{kind} {path.name}: {float(result['seconds']):.3f} s, "  # type: ignore[arg-type]
        f"traced {int(result['traced']) >> 10} KiB, RSS +{int(result['rss_growth']) >> 10} KiB "
        f"(bound {bound >> 20} MiB)"
    )
    return result


# -- compressed zip members --------------------------------------------------------------------


def test_a_compressed_model_member_is_refused_before_expanding(tmp_path: Path) -> None:
    # 8192 x 8192 float32 zeros (256 MiB) in a file of about 250 kB
    n = 8192
    meta = {
        "format": "deltaprop-model",
        "version": 1,
        "sizes": [n, n],
        "activation": "sigmoid",
        "output_activation": "sigmoid",
        "cost": "quadratic",
        "init": "default",
        "dtype": "float32",
        "seed": 0,
    }
    blob = zip_streamed(
        [
            ("__meta__.npy", meta_member(meta), 0),
            ("w_2.npy", npy_header("<f4", (n, n)), 4 * n * n),
            ("b_2.npy", npy_header("<f4", (n,)), 4 * n),
        ]
    )
    path = tmp_path / "bomb.npz"
    path.write_bytes(blob)
    assert path.stat().st_size < 1 << 20
    check_refused("model", path, "compressed zip member (DEFLATE)")


def _replace_array(node: object, name: str, new: dict[str, object]) -> None:
    """Replace the tree's entry for the array ``name`` by ``new``, in place."""
    children = (
        node if isinstance(node, list) else list(node.values()) if isinstance(node, dict) else []
    )
    for i, child in enumerate(children):
        if isinstance(child, dict) and child.get("array") == name:
            if isinstance(node, list):
                node[i] = new
            else:
                key = next(k for k, v in node.items() if v is child)  # type: ignore[union-attr]
                node[key] = new  # type: ignore[index]
        else:
            _replace_array(child, name, new)


def test_a_compressed_optimizer_array_is_refused(tmp_path: Path) -> None:
    meta, members = read_members(_checkpoint(tmp_path))
    # an Adam moment of 2**25 zeros (128 MiB) in a file of about 130 kB
    _replace_array(
        meta["optimizer"]["state"],
        "opt_4",
        {
            "array": "opt_4",
            "shape": [1 << 25],
            "dtype": "float32",
            "scalar": False,
        },
    )
    members.pop("opt_4")
    path = tmp_path / "c.npz"
    path.write_bytes(
        zip_streamed(
            [
                ("__meta__.npy", meta_member(meta), 0),
                ("opt_4.npy", npy_header("<f4", (1 << 25,)), 4 << 25),
            ]
            + [(f"{name}.npy", data, 0) for name, data in members.items()]
        )
    )
    check_refused("checkpoint", path, "compressed zip member (DEFLATE)")


def test_a_compressed_history_is_refused(tmp_path: Path) -> None:
    meta, members = read_members(_checkpoint(tmp_path))
    history = b"[" + b"{}," * (20 << 20) + b"{}]"  # 60 MB of JSON, millions of objects
    meta["history_bytes"] = len(history)
    members["history"] = npy(np.frombuffer(history, np.uint8))
    pairs = [("__meta__.npy", meta_member(meta))] + [(n + ".npy", d) for n, d in members.items()]
    path = tmp_path / "c.npz"
    path.write_bytes(zip_members(pairs, zipfile.ZIP_DEFLATED))
    assert path.stat().st_size < 1 << 20
    check_refused("checkpoint", path, "compressed zip member (DEFLATE)")


# -- IDX files ---------------------------------------------------------------------------------


def test_a_gzip_idx_expanding_beyond_its_ratio_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    n = 256 << 10  # 256k blank images: 196 MiB of pixels in about 200 kB
    path.write_bytes(gz_streamed(idx_header(0x08, [n, 28, 28]), n * 784))
    check_refused("idx", path, "more than the limit of 64 × the file's")


def _mnist_dir(tmp_path: Path, n_images: int, n_labels: int) -> Path:
    """Raw IDX files whose images are sparse (the header, then a hole of n × 784 bytes)."""
    directory = tmp_path / "mnist"
    directory.mkdir()
    for part in ("train", "t10k"):
        images = directory / f"{part}-images-idx3-ubyte"
        with open(images, "wb") as file:
            file.write(idx_header(0x08, [n_images, 28, 28]))
            file.truncate(16 + n_images * 784)
        labels = directory / f"{part}-labels-idx1-ubyte"
        labels.write_bytes(idx_header(0x08, [n_labels]) + bytes(n_labels))
    return directory


def test_image_and_label_counts_are_compared_before_reading(tmp_path: Path) -> None:
    directory = _mnist_dir(tmp_path, 200_000, 10)  # 157 MB of images on paper, none on disk
    check_refused("mnist", directory, "holds 200000 images but")


def test_the_float_array_is_bounded_before_reading(tmp_path: Path) -> None:
    # 800,000 images take 627 MB as uint8 but 2.5 GB as float32
    directory = _mnist_dir(tmp_path, 800_000, 800_000)
    check_refused("mnist", directory, "would take 2.3 GiB as float32, more than the 2 GiB")


def test_a_sparse_raw_idx_beyond_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sparse-idx1-ubyte"
    size = 3 << 30  # 3 GiB on paper, a few kB on disk
    with open(path, "wb") as file:
        file.write(idx_header(0x08, [size]))
        file.truncate(8 + size)
    check_refused("idx", path, "more than the limit of 2147483648")


# -- paths that are not regular files -----------------------------------------------------------

skip_no_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


@skip_no_fifo
@pytest.mark.parametrize("kind", ["model", "checkpoint", "idx"])
def test_a_fifo_is_refused_without_blocking(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "f.npz"
    os.mkfifo(path)
    check_refused(kind, path, f"{path}: is a named pipe (FIFO), not a regular file")


@skip_no_fifo
def test_a_fifo_run_record_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "run.json")
    check_refused("run", tmp_path, "run.json: is a named pipe (FIFO), not a regular file")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
@pytest.mark.parametrize("kind", ["model", "idx"])
def test_a_link_to_dev_zero_is_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "zeros.npz"
    path.symlink_to("/dev/zero")
    check_refused(kind, path, "is a character device (a symbolic link to /dev/zero)")


@pytest.mark.skipif(not os.path.exists("/dev/urandom"), reason="no /dev/urandom here")
def test_dev_urandom_is_refused() -> None:
    check_refused("idx", Path("/dev/urandom"), "/dev/urandom: is a character device")


@pytest.mark.parametrize("kind", ["model", "checkpoint", "idx"])
def test_a_directory_is_refused(tmp_path: Path, kind: str) -> None:
    check_refused(kind, tmp_path, f"{tmp_path}: is a directory, not a regular file")


def test_a_deeply_nested_run_record_is_a_format_error(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text("[" * 100_000 + "]" * 100_000)
    check_refused("run", tmp_path, "nested too deeply")
    (tmp_path / "run.json").write_text(json.dumps({"format": 1}))
    check_refused("run", tmp_path, "not a deltaprop run record")
