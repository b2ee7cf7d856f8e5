"""What the atheris fuzz targets share: a scratch file, seed corpora, and the rule.

The rule, for every input: the parser returns something valid or raises ``ValueError``
(``deltaprop.FormatError`` is one). Any other exception, a hang (libFuzzer's ``-timeout``)
or runaway memory (``-rss_limit_mb``) is a crash that atheris reports and saves.
"""

from __future__ import annotations

import os
import sys
import tempfile
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


def run(
    name: str, load: Callable[[Path], Any], seeds: dict[str, bytes], check: Callable[[Any], None]
) -> None:
    """Fuzz ``load`` (called with a path) starting from ``seeds`` (file name -> bytes)."""
    path = scratch(f"{name}.input")

    def test_one_input(data: bytes) -> None:
        path.write_bytes(data)
        try:
            result = load(path)
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
        argv.append(str(corpus))
    if not any(a.startswith("-max_len=") for a in argv):  # room to grow the largest seed
        argv.append(f"-max_len={2 * max(len(blob) for blob in seeds.values())}")
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()
