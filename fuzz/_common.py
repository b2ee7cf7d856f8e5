"""What the atheris fuzz targets share: a scratch file, seed corpora, and the rule.

The rule, for every input: the parser returns something valid or raises ``ValueError``
(``deltaprop.FormatError`` is one). An input of one byte is not written to a file: it picks
a path that is not a regular file (a FIFO, a directory, links to /dev/zero and /dev/urandom),
which must be refused at once. Any other exception, a hang (libFuzzer's ``-timeout``)
or runaway memory (``-rss_limit_mb``) is a crash that atheris reports and saves.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atheris

# Every input is written to a file, so an in-memory file system makes far more runs. And
# libFuzzer ends the process without running Python's exit handlers, so the scratch
# directory is the caller's to remove: .ci/run passes one in DELTAPROP_FUZZ_DIR.
_SCRATCH = Path(
    os.environ.get("DELTAPROP_FUZZ_DIR")
    or tempfile.mkdtemp(
        prefix="deltaprop-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None
    )
)


def scratch(name: str) -> Path:
    return _SCRATCH / name


def deflated(blob: bytes) -> bytes:
    """The zip ``blob`` with every member re-compressed with DEFLATE (which loaders refuse)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _not_regular(name: str) -> list[Path]:
    """Paths that are not regular files, for the one-byte inputs: a FIFO (opening it would
    block), a directory, a link to /dev/zero (endless) and /dev/urandom."""
    places = [scratch(f"{name}.dir")]
    places[0].mkdir(exist_ok=True)
    if hasattr(os, "mkfifo"):
        fifo = scratch(f"{name}.fifo")
        if not fifo.exists():
            os.mkfifo(fifo)
        places.append(fifo)
    for device in ("/dev/zero", "/dev/urandom"):
        if os.path.exists(device):
            link = scratch(f"{name}.{Path(device).name}")
            if not link.is_symlink():
                link.symlink_to(device)
            places.append(link)
    return places


def run(
    name: str, load: Callable[[Path], Any], seeds: dict[str, bytes], check: Callable[[Any], None]
) -> None:
    """Fuzz ``load`` (called with a path) starting from ``seeds`` (file name -> bytes)."""
    path = scratch(f"{name}.input")
    others = _not_regular(name)

    def test_one_input(data: bytes) -> None:
        if len(data) == 1:  # one byte picks a path that is not a regular file
            target = others[data[0] % len(others)]
        else:
            path.write_bytes(data)
            target = path
        try:
            result = load(target)
        except ValueError as exc:  # FormatError included: the expected answer to bad bytes
            if not str(exc):
                raise AssertionError("an error without a message") from exc
            return
        check(result)

    argv = list(sys.argv)
    if not any(not a.startswith("-") for a in argv[1:]):  # no corpus given: start from seeds
        corpus = scratch(f"{name}.corpus")
        corpus.mkdir(exist_ok=True)
        for name, blob in seeds.items():
            (corpus / name).write_bytes(blob)
        for i in range(len(others)):
            (corpus / f"not-regular-{i}").write_bytes(bytes([i]))
        argv.append(str(corpus))
    if not any(a.startswith("-max_len=") for a in argv):  # room to grow the largest seed
        argv.append(f"-max_len={2 * max(len(blob) for blob in seeds.values())}")
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()
