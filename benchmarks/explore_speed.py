"""How fast the explorer is: page updates a second, and its training speed beside plain
``Network.fit`` (what ``deltaprop train`` runs), on the classic experiment.

    DELTAPROP_DATA=../shared/data/mnist python benchmarks/explore_speed.py
    python benchmarks/explore_speed.py --rounds 3 --seconds 10 --no-browser

The classic experiment: [784, 30, 10], sigmoid, quadratic cost, float32, m = 10, η = 3.0, on
the 60,000 MNIST training images (the 10,000 test images measured after each epoch). Each
round, in turn:

- ``plain``: ``net.fit`` for one epoch, timed by the wall clock: mini-batches a second;
- ``session``: the explorer's run (``deltaprop.explore.session.Session``) trained for
  ``--seconds`` with its publishing callback, and no page: mini-batches a second;
- ``stream``: the same through the server, read by a client of its event stream (no
  browser): mini-batches a second and events a second;
- ``page``: the same through the server, with the page open in headless Chromium (the
  system's, driven by Playwright): mini-batches a second, and the page's updates a second
  (snapshots received and drawn, counted by the page itself).

The slowdown is each run's mini-batches a second against the same round's plain run. On a
machine of two cores the browser itself competes with training for the CPU, so ``page``
measures the whole machine, not only the server.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import threading
import time
import urllib.request
from typing import Any

import deltaprop
from deltaprop.explore.session import Session
from deltaprop.explore.settings import Settings
from deltaprop.io.mnist import load_mnist

STATE = ("data=mnist&hidden=30&activation=sigmoid&output_activation=sigmoid&cost=quadratic"
         "&init=normal&eta=3&batch_size=10&seed=1")  # fmt: skip
SETTINGS = Settings(data="mnist", hidden=(30,), activation="sigmoid", output_activation="sigmoid",
                    cost="quadratic", init="normal", eta=3.0, batch_size=10, seed=1)  # fmt: skip


def plain(data: deltaprop.datasets.MNIST) -> tuple[float, float]:
    """Mini-batches a second (wall clock) and CPU µs per mini-batch of one epoch of
    ``net.fit``, run in this thread."""
    net = deltaprop.Network([784, 30, 10], seed=1)
    t0, c0 = time.perf_counter(), time.thread_time()
    net.fit(data.X_train, data.y_train, epochs=1, batch_size=10, eta=3.0, seed=1,
            validation_data=(data.X_test, data.y_test))  # fmt: skip
    n = data.X_train.shape[0] / 10
    return n / (time.perf_counter() - t0), (time.thread_time() - c0) / n * 1e6


def _watch(session: Session, seconds: float) -> tuple[float, float]:
    """Mini-batches a second and the training thread's CPU µs per mini-batch, over
    ``seconds`` of a running session."""
    assert session.thread is not None and session.thread.ident is not None
    clock = time.pthread_getcpuclockid(session.thread.ident)
    time.sleep(1.0)  # past the start
    b0, t0, c0 = session.batches, time.perf_counter(), time.clock_gettime(clock)
    time.sleep(seconds)
    b1, t1, c1 = session.batches, time.perf_counter(), time.clock_gettime(clock)
    return (b1 - b0) / (t1 - t0), (c1 - c0) / (b1 - b0) * 1e6


def session(seconds: float) -> tuple[float, float]:
    """The explorer's run with no server and no page."""
    s = Session(SETTINGS)
    s.control("start")
    result = _watch(s, seconds)
    s.close()
    return result


def _latest(server: object) -> Session:
    sessions = server.config.app.app.state.explorer.sessions  # type: ignore[attr-defined]
    return list(sessions.values())[-1]


def stream(address: str, server: object, seconds: float) -> tuple[float, float, float]:
    """Through the server, read by a client of the event stream: mini-batches a second, CPU
    µs per mini-batch, events a second."""
    base, token = address.split("/?token=")
    body = json.dumps({"data": "mnist", "hidden": "30", "activation": "sigmoid",
                       "output_activation": "sigmoid", "cost": "quadratic", "init": "normal",
                       "eta": 3, "batch_size": 10, "seed": 1}).encode()  # fmt: skip

    def call(path: str, data: bytes | None = None) -> Any:
        request = urllib.request.Request(
            f"{base}{path}?token={token}", data=data, headers={"content-type": "application/json"}
        )
        return urllib.request.urlopen(request, timeout=60)

    run = json.load(call("/api/session", body))["id"]
    events = [0]
    done = threading.Event()

    def read() -> None:
        with call(f"/api/{run}/events") as response:
            for line in response:
                events[0] += line.startswith(b"data: ")
                if done.is_set():
                    return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    call(f"/api/{run}/control", b'{"action": "start"}')
    e0, t0 = events[0], time.perf_counter()
    rate, cpu = _watch(_latest(server), seconds)
    e1, t1 = events[0], time.perf_counter()
    done.set()
    call(f"/api/{run}/control", b'{"action": "stop"}')
    reader.join(timeout=5)
    return rate, cpu, (e1 - e0) / (t1 - t0)


def page(browser: Any, address: str, server: object, seconds: float) -> tuple[float, ...]:
    """With the page open in the browser: mini-batches a second, CPU µs per mini-batch, and
    the page's updates a second."""
    # the probes below are strings the page's CSP forbids to run: bypass it
    p = browser.new_context(viewport={"width": 1220, "height": 900}, bypass_csp=True).new_page()
    p.goto(f"{address}#{STATE}")
    p.wait_for_function("() => window.exploreUpdates > 0 && App.info() !== null", timeout=60_000)
    p.click("#start")
    u0, t0 = p.evaluate("window.exploreUpdates"), time.perf_counter()
    rate, cpu = _watch(_latest(server), seconds)
    u1, t1 = p.evaluate("window.exploreUpdates"), time.perf_counter()
    p.click("#pause")
    p.context.close()
    return rate, cpu, (u1 - u0) / (t1 - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    data = load_mnist(download=False)
    rates: dict[str, list[float]] = {"plain": [], "session": [], "stream": [], "page": []}
    cpu: dict[str, list[float]] = {k: [] for k in rates}
    events: list[float] = []
    updates: list[float] = []
    ctx = browser = None
    from deltaprop.explore.command import background

    address, server, thread = background()
    if not args.no_browser:
        from playwright.sync_api import sync_playwright

        ctx = sync_playwright().start()
        chromium = shutil.which("chromium") or "chromium"
        browser = ctx.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    for r in range(args.rounds):
        for name, results in (
            ("plain", lambda: plain(data)),
            ("session", lambda: session(args.seconds)),
            ("stream", lambda: stream(address, server, args.seconds)),
            ("page", lambda: page(browser, address, server, args.seconds) if browser else None),
        ):
            out = results()
            if out is None:
                continue
            rates[name].append(out[0])
            cpu[name].append(out[1])
            if name == "stream":
                events.append(out[2])
            if name == "page":
                updates.append(out[2])
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.0f}/s {cpu[k][-1]:.0f} µs"
                                             for k, v in rates.items() if v)
              + f", events {events[-1]:.1f}/s"
              + (f", page updates {updates[-1]:.1f}/s" if updates else ""), flush=True)  # fmt: skip
    print(f"\nload average {os.getloadavg()[0]:.1f}; medians of {args.rounds} rounds:")
    print("| run | mini-batches/s (wall) | vs plain | training thread CPU µs/batch: median | "
          "vs plain | fastest | vs plain |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    base, base_cpu = statistics.median(rates["plain"]), statistics.median(cpu["plain"])
    best_cpu = min(cpu["plain"])
    for name, values in rates.items():
        if values:
            m, c, b = statistics.median(values), statistics.median(cpu[name]), min(cpu[name])
            print(f"| {name} | {m:.0f} | {m / base - 1:+.1%} | {c:.0f} | {c / base_cpu - 1:+.1%} "
                  f"| {b:.0f} | {b / best_cpu - 1:+.1%} |")  # fmt: skip
    print(f"events: median {statistics.median(events):.1f}/s, lowest {min(events):.1f}/s")
    if updates:
        print(f"page updates: median {statistics.median(updates):.1f}/s, "
              f"lowest {min(updates):.1f}/s")  # fmt: skip
    if browser is not None:
        browser.close()
        ctx.stop()  # type: ignore[union-attr]
    server.should_exit = True
    thread.join(timeout=10)


if __name__ == "__main__":
    main()
