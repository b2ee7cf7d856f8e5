"""The curves' schedule of mini-batches (explore/curves.py): every mini-batch at a slow pace,
spaced out flat out, and at most MAX_POINTS points whatever the run's length."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from deltaprop.explore.curves import Curves
from deltaprop.explore.session import Session
from deltaprop.explore.settings import Settings


def _run(pace: str, seconds: float) -> Session:
    session = Session(Settings.from_dict({"data": "circle", "points": 100, "pace": pace}))
    session.control("start")
    time.sleep(seconds)
    session.close()
    return session


def test_at_a_slow_pace_every_mini_batch_has_a_measured_point():
    session = _run("10", 1.5)  # 100 ms a mini-batch: measuring (about 0.5 ms) fits its 2%
    points = session.curves.points
    assert session.curves.every == session.curves.measured == 1
    assert [p["batch"] for p in points] == list(range(len(points))) and len(points) >= 10
    assert all(p["train_cost"] is not None and p["test_cost"] is not None for p in points)


def test_flat_out_the_points_are_spaced_on_powers_of_two():
    session = _run("max", 1.5)
    c = session.curves
    assert session.batches > 1000 and c.every > 1 and c.measured >= c.every  # spaced out
    assert len(c) <= 300 and c.points[0]["batch"] == 0
    batches = [p["batch"] for p in c.points]
    gaps = [b - a for a, b in zip(batches, batches[1:])]
    assert all(g & (g - 1) == 0 for g in gaps) and gaps == sorted(gaps)  # spaced out, never back
    assert len([p for p in c.points if "train_cost" in p]) >= 2  # measured, less often


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5000), st.integers(2, 40))
def test_a_run_of_any_length_keeps_at_most_most_points_evenly_spaced(batches, most):
    curves = Curves(most=most, budget=float("inf"))  # (the figures cost nothing here)
    for batch in range(batches + 1):
        if curves.due(batch):
            curves.take({"batch": batch}, dict, dict)
    kept = [p["batch"] for p in curves.points]
    assert len(kept) <= most and kept[0] == 0 and kept == sorted(set(kept))
    assert all(b % curves.every == 0 for b in kept)  # on the schedule, the first included
    assert kept[-1] > batches - curves.every  # up to the latest mini-batch on the schedule
