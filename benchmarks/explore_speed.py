"""How fast the explorer is: page updates a second, the page's JavaScript time per update,
event bytes, and its training speed beside plain ``Network.fit`` (what ``deltaprop train``
runs), on MNIST's classic network and on the spiral.

    DELTAPROP_DATA=../shared/data/mnist python benchmarks/explore_speed.py
    python benchmarks/explore_speed.py --rounds 3 --seconds 10 --only spiral --no-browser

Two workloads, each trained flat out (``pace=max``):

- ``mnist``: [784, 30, 10], sigmoid, quadratic cost, float32, m = 10, η = 3.0, on the 60,000
  MNIST training images (the 10,000 test images measured after each epoch);
- ``spiral``: the page's default 2-D set, [2, 8, 8, 2], tanh, softmax and log-likelihood,
  m = 10, η = 0.1, on 320 training points (80 held out), with the plane's heat maps.

Each round, for each workload, in turn:

- ``plain``: ``net.fit`` on the same network and data as the explorer's run (its Session
  built and not started): mini-batches a second (wall clock) and CPU µs per mini-batch;
- ``session``: the explorer's run (its Session, with its publishing callback) and no server:
  mini-batches a second and CPU µs per mini-batch;
- ``stream``: the explorer's run through the server, read by a client of its event stream
  (no browser): mini-batches a second, and events a second;
- ``page``: the same with the page open in headless Chromium (the system's, driven by
  Playwright): mini-batches a second, the page's updates a second (snapshots received and
  drawn, counted by the page), and its script time per update: ``performance.now()`` around
  the drawing and around ``JSON.parse`` of the events, measured in the page.

Event bytes are the mean size of the events the page (or the stream's client) received: the
snapshot with the curve points and epoch rows it had not had; the plane's heat maps or the
weight images ride on one snapshot in four (every 0.1 s), and the others are small. The
fraction is each run's mini-batches a second over the same round's plain ``fit``. On a
machine of two cores the browser competes with training for the CPU, so ``page`` measures
the whole machine, not only the server.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import threading
import time
import urllib.request
from typing import Any

from deltaprop.explore.command import background
from deltaprop.explore.session import Session
from deltaprop.explore.settings import Settings

#: the page's settings of each workload, as its address and the session's body carry them
WORKLOADS = {
    "mnist": {
        "data": "mnist",
        "hidden": "30",
        "activation": "sigmoid",
        "init": "normal",
        "output_activation": "sigmoid",
        "cost": "quadratic",
        "eta": "3",
        "batch_size": "10",
        "seed": "1",
        "pace": "max",
    },
    "spiral": {"data": "spiral", "pace": "max"},
}
#: epochs of plain ``fit`` a round (about a second or more of training each)
EPOCHS = {"mnist": 1, "spiral": 300}


def plain(name: str) -> tuple[float, float]:
    """Mini-batches a second (wall clock) and CPU µs per mini-batch of ``net.fit`` on the
    explorer's network and data for the workload, run in this thread."""
    settings = Settings.from_dict(WORKLOADS[name])
    s = Session(settings)  # built, never started: its network, data and test rows
    d, epochs = s.data, EPOCHS[name]
    t0, c0 = time.perf_counter(), time.thread_time()
    s.net.fit(
        d.X_train,
        d.targets(d.y_train),
        epochs=epochs,
        test_data=(d.X_test, d.targets(d.y_test)),
        **settings.training(),
    )
    n = epochs * -(-d.X_train.shape[0] // settings.batch_size)
    return n / (time.perf_counter() - t0), (time.thread_time() - c0) / n * 1e6


def _latest(server: Any) -> Session:
    sessions = server.config.app.app.state.explorer.sessions
    return list(sessions.values())[-1]


def _watch(session: Session, seconds: float) -> tuple[float, float]:
    """Over ``seconds`` of a running session: mini-batches a second and the training
    thread's CPU µs per mini-batch."""
    while session.thread is None or session.thread.ident is None or session.batches < 50:
        time.sleep(0.01)
    clock = time.pthread_getcpuclockid(session.thread.ident)
    time.sleep(1.0)  # past the start
    b0, t0, c0 = session.batches, time.perf_counter(), time.clock_gettime(clock)
    time.sleep(seconds)
    b1, t1, c1 = session.batches, time.perf_counter(), time.clock_gettime(clock)
    return (b1 - b0) / (t1 - t0), (c1 - c0) / (b1 - b0) * 1e6


def session(name: str, seconds: float) -> dict[str, float]:
    """The explorer's run with no server and no page."""
    s = Session(Settings.from_dict(WORKLOADS[name]))
    s.control("start")
    rate, cpu = _watch(s, seconds)
    s.close()
    return {"rate": rate, "cpu": cpu}


def _call(address: str, path: str, data: bytes | None = None) -> Any:
    base, token = address.split("/?token=")
    request = urllib.request.Request(
        f"{base}{path}?token={token}", data=data, headers={"content-type": "application/json"}
    )
    return urllib.request.urlopen(request, timeout=60)


def stream(address: str, server: Any, name: str, seconds: float) -> dict[str, float]:
    """Through the server, read by a client of the event stream."""
    run = json.load(_call(address, "/api/session", json.dumps(WORKLOADS[name]).encode()))["id"]
    events, size, done = [0], [0], threading.Event()

    def read() -> None:
        with _call(address, f"/api/{run}/events") as response:
            for line in response:
                if line.startswith(b"data: "):
                    events[0] += 1
                    size[0] += len(line) - 7  # the JSON, without "data: " and the newline
                if done.is_set():
                    return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    _call(address, f"/api/{run}/control", b'{"action": "start"}')
    (e0, s0), t0 = (events[0], size[0]), time.perf_counter()
    rate, cpu = _watch(_latest(server), seconds)
    (e1, s1), t1 = (events[0], size[0]), time.perf_counter()
    done.set()
    _call(address, f"/api/{run}/control", b'{"action": "stop"}')
    reader.join(timeout=5)
    return {
        "rate": rate,
        "cpu": cpu,
        "bytes": (s1 - s0) / max(1, e1 - e0),
        "events": (e1 - e0) / (t1 - t0),
    }


PROBE = (
    "[window.exploreUpdates, window.exploreRenderMs + window.exploreParseMs,"
    " window.exploreEvents, window.exploreBytes]"
)


def page(browser: Any, address: str, server: Any, name: str, seconds: float) -> dict[str, float]:
    """With the page open in the browser."""
    # the probes below are strings the page's CSP forbids to run: bypass it
    p = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    state = "&".join(f"{k}={v}" for k, v in WORKLOADS[name].items())
    p.goto(f"{address}#{state}")
    p.wait_for_function("() => window.exploreUpdates > 0 && App.info() !== null", timeout=60_000)
    p.click("#start")
    (u0, ms0, e0, s0), t0 = p.evaluate(PROBE), time.perf_counter()
    rate, cpu = _watch(_latest(server), seconds)
    (u1, ms1, e1, s1), t1 = p.evaluate(PROBE), time.perf_counter()
    p.click("#pause")
    p.context.close()
    updates = max(1, u1 - u0)
    return {
        "rate": rate,
        "cpu": cpu,
        "bytes": (s1 - s0) / max(1, e1 - e0),  # characters: the JSON is ASCII but for a few names
        "updates": (u1 - u0) / (t1 - t0),
        "script_ms": (ms1 - ms0) / updates,
    }


def report(name: str, runs: dict[str, list[dict[str, float]]]) -> None:
    """The workload's table: medians over the rounds, and each round's fraction of plain."""
    plain_rates = [r["rate"] for r in runs["plain"]]
    print(f"\n{name}: medians of {len(plain_rates)} rounds")
    print(
        "| run | mini-batches/s | of plain fit | CPU µs/batch | updates/s | script ms/update "
        "| event bytes |"
    )
    print("|---|---|---|---|---|---|---|")
    for run, rows in runs.items():
        if not rows:
            continue
        fraction = [r["rate"] / p for r, p in zip(rows, plain_rates)]

        def med(key: str, form: str, rows: list[dict[str, float]] = rows) -> str:
            values = [r[key] for r in rows if key in r]
            return format(statistics.median(values), form) if values else "—"

        rate = "updates" if run == "page" else "events"
        print(
            f"| {run} | {med('rate', '.0f')} | {statistics.median(fraction):.0%} "
            f"(lowest {min(fraction):.0%}) | {med('cpu', '.0f')} | {med(rate, '.1f')} "
            f"| {med('script_ms', '.2f')} | {med('bytes', ',.0f')} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--only", choices=sorted(WORKLOADS), action="append")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    address, server, thread = background()
    ctx = browser = None
    if not args.no_browser:
        from playwright.sync_api import sync_playwright

        ctx = sync_playwright().start()
        chromium = shutil.which("chromium") or "chromium"
        browser = ctx.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    names = args.only or list(WORKLOADS)
    results = {n: {"plain": [], "session": [], "stream": [], "page": []} for n in names}
    for r in range(args.rounds):
        for name in names:
            rate, cpu = plain(name)
            results[name]["plain"].append({"rate": rate, "cpu": cpu})
            results[name]["session"].append(session(name, args.seconds))
            results[name]["stream"].append(stream(address, server, name, args.seconds))
            if browser is not None:
                results[name]["page"].append(page(browser, address, server, name, args.seconds))
            line = {
                k: {q: round(v, 2) for q, v in rows[-1].items()}
                for k, rows in results[name].items()
                if rows
            }
            print(f"round {r + 1} {name}: {line}", flush=True)
    for name in names:
        report(name, results[name])
    if browser is not None:
        browser.close()
        ctx.stop()  # type: ignore[union-attr]
    server.should_exit = True
    thread.join(timeout=10)


if __name__ == "__main__":
    main()
