"""Does the explorer's server hold its memory steady? A soak: ``deltaprop explore`` in a
process of its own, one page open in headless Chromium training MNIST, and the server's
resident memory (RSS, from ``/proc``, so Linux only) sampled while it runs.

    DELTAPROP_DATA=../shared/data/mnist python benchmarks/explore_soak.py --minutes 30

The network is the classic experiment's ([784, 30, 10], sigmoid, quadratic cost, η = 3.0,
m = 10); ``--data spiral`` trains the page's default network on the spiral instead (thousands
of epochs a minute). The target: after the first minute (MNIST loaded, the first epochs and
the page's curves filled in), the RSS stays within 10 % of its size at one minute. It prints
one row per sample and a summary; the exit status is 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

#: the page's settings: the classic experiment on MNIST, or the page's default on the spiral
STATES = {
    "mnist": (
        "data=mnist&hidden=30&activation=sigmoid&output_activation=sigmoid&cost=quadratic"
        "&init=normal&eta=3&batch_size=10&seed=1"
    ),
    "spiral": "data=spiral&hidden=8,8&seed=1",
}
#: the RSS may grow by this fraction of its size at one minute
TOLERANCE = 0.10


@dataclass
class Soak:
    """The samples of one soak: seconds since the page started training, the server's RSS in
    MiB, and the mini-batches trained as the page shows them."""

    seconds: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)

    def at_one_minute(self) -> float:
        """The RSS of the first sample at or after 60 s."""
        return next(r for t, r in zip(self.seconds, self.rss) if t >= 60.0)

    def growth(self) -> float:
        """The largest RSS after one minute, as a fraction above the RSS at one minute."""
        base = self.at_one_minute()
        return max(r for t, r in zip(self.seconds, self.rss) if t >= 60.0) / base - 1.0


def rss_mib(pid: int) -> float:
    """The resident memory of process ``pid``, in MiB (``VmRSS`` of ``/proc/PID/status``)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def start_server() -> tuple[subprocess.Popen[str], str]:
    """``deltaprop explore --no-browser`` in a process of its own, and its address."""
    server = subprocess.Popen(
        [sys.executable, "-m", "deltaprop", "explore", "--no-browser"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if "?token=" not in line:
        server.kill()
        raise RuntimeError(f"the server did not print its address: {line!r}")
    return server, line.split()[-1]


def soak(minutes: float, every: float = 10.0, report: Any = print, data: str = "mnist") -> Soak:
    """Run the server with one page training ``data`` (a key of STATES) for ``minutes``,
    sampling its RSS every ``every`` seconds; ``report`` gets one line per sample."""
    from playwright.sync_api import sync_playwright

    server, address = start_server()
    result = Soak()
    try:
        with sync_playwright() as p:
            chromium = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            # the probes below are strings the page's CSP forbids to run: bypass it
            context = browser.new_context(viewport={"width": 1220, "height": 900}, bypass_csp=True)
            page = context.new_page()
            page.goto(f"{address}#{STATES[data]}")
            page.wait_for_function(
                "window.exploreUpdates > 0 && App.info() !== null", timeout=120_000
            )
            page.click("#start")
            t0 = time.monotonic()
            while (elapsed := time.monotonic() - t0) < minutes * 60:
                batches = int(page.evaluate("document.querySelector('#status').dataset.batches"))
                result.seconds.append(elapsed)
                result.rss.append(rss_mib(server.pid))
                result.batches.append(batches)
                report(f"{elapsed:7.0f} s  RSS {result.rss[-1]:7.1f} MiB  {batches:>10,} batches")
                page.wait_for_timeout(every * 1000)
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            report("the server did not stop within 10 s of SIGTERM: killed")
            server.kill()
            server.wait()
        assert server.stdout is not None
        server.stdout.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--data", choices=sorted(STATES), default="mnist")
    args = parser.parse_args()
    result = soak(args.minutes, args.every, data=args.data)
    base, growth = result.at_one_minute(), result.growth()
    print(
        f"\nload average {os.getloadavg()[0]:.1f}; {args.minutes:g} minutes, "
        f"{result.batches[-1]:,} mini-batches"
    )
    print(
        f"RSS at 1 min {base:.1f} MiB, largest after {base * (1 + growth):.1f} MiB "
        f"({growth:+.1%}), last {result.rss[-1]:.1f} MiB ({result.rss[-1] / base - 1:+.1%}); "
        f"target: within {TOLERANCE:.0%}"
    )
    return 0 if growth <= TOLERANCE else 1


if __name__ == "__main__":
    raise SystemExit(main())
