"""The server's memory holds steady: ``benchmarks/explore_soak.py`` (``deltaprop explore`` in a
process of its own, one page open in Chromium training MNIST) for DELTAPROP_SOAK_MINUTES
(5 by default; the benchmark's own run is 30): after the first minute the server's RSS stays
within 10 % of its size at one minute."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SOAK = Path(__file__).resolve().parents[2] / "benchmarks" / "explore_soak.py"


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads RSS from /proc")
def test_the_servers_memory_holds_steady_with_a_page_training_mnist(mnist_dir, monkeypatch):
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    monkeypatch.setenv("DELTAPROP_DATA", str(mnist_dir))  # for the server's process
    spec = importlib.util.spec_from_file_location("explore_soak", SOAK)
    assert spec is not None and spec.loader is not None
    soak = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = soak  # its dataclass looks its module up there
    try:
        spec.loader.exec_module(soak)
        minutes = float(os.environ.get("DELTAPROP_SOAK_MINUTES", "5"))
        result = soak.soak(minutes, every=10.0, report=lambda line: None)
    finally:
        del sys.modules[spec.name]
    assert result.batches[-1] > 0
    assert result.growth() <= soak.TOLERANCE, list(zip(result.seconds, result.rss))
