"""A run's life in the server, without HTTP: whatever ends its training thread, the last
snapshot says so (a failure with its one-line reason) and is valid JSON; a closed run's
thread ends; what a long run keeps is bounded."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import numpy as np
import pytest

from deltaprop import Network
from deltaprop.explore import session as session_module
from deltaprop.explore.publisher import Publisher
from deltaprop.explore.session import MAX_EPOCHS, Session
from deltaprop.explore.settings import Settings
from deltaprop.explore.wire import finite, to_json

SMALL = Settings(data="circle", points=100, hidden=(4,), pace="max")


def strict(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} in JSON")

    return json.loads(text, parse_constant=refuse)


def ended(session: Session, timeout: float = 30.0) -> dict[str, Any]:
    """The last snapshot, once the training thread has ended."""
    assert session.thread is not None
    session.thread.join(timeout)
    assert not session.thread.is_alive()
    snapshot = strict(session.snapshot_json)
    assert isinstance(snapshot, dict)
    return snapshot


def test_non_finite_values_are_sent_as_null():
    value = {"a": [1.0, float("nan")], "b": np.array([np.inf, -1.0]), "c": np.float32(np.nan)}
    assert strict(to_json(value)) == {"a": [1.0, None], "b": [None, -1.0], "c": None}
    assert finite((float("-inf"), "x", None, 2)) == [None, "x", None, 2]
    assert to_json({"x": 1.5}) == '{"x": 1.5}'


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"eta": 1e308}, "training diverged: the cost of mini-batch"),
        ({"l2": 1e300}, "With L2 λ = 1e+300 and L1 λ = 0, try smaller λ too."),
    ],
)
def test_a_diverging_run_fails_with_its_reason_in_valid_json(settings, words):
    session = Session(dataclasses.replace(SMALL, **settings))
    session.control("start")
    snapshot = ended(session)
    assert snapshot["state"] == "failed" and words in snapshot["error"]
    assert "\n" not in snapshot["error"]


def test_an_unexpected_error_in_the_loop_fails_the_run_saying_what_to_do(monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the BLAS went away\nsecond line")

    monkeypatch.setattr(Network, "fit", broken)
    session = Session(SMALL)
    session.control("start")
    snapshot = ended(session)
    assert snapshot["state"] == "failed"
    assert snapshot["error"] == (
        "the run stopped on RuntimeError: the BLAS went away; change a setting (a smaller "
        "network, η or batch) and press Reset"
    )


def test_a_run_whose_pictures_fail_still_says_it_ended(monkeypatch):
    session = Session(SMALL)

    def no_pictures(*args: Any) -> None:
        raise RuntimeError("cannot draw")

    monkeypatch.setattr(session_module, "plane_figures", no_pictures)
    session.control("stop")  # asked before it starts: obeyed after the first mini-batch
    session.control("start")
    snapshot = ended(session)
    assert snapshot["state"] == "stopped" and snapshot["error"] == ""


def test_a_closed_run_stops_and_wakes_its_listeners():
    session = Session(SMALL)
    woken: list[int] = []
    session.listeners.append(lambda: woken.append(1))
    session.control("start")
    time.sleep(0.2)
    session.close("closed for this test", timeout=10)
    assert not session.thread_alive and woken
    assert session.closed == "closed for this test"
    assert strict(session.snapshot_json)["state"] == "stopped"


def test_a_long_run_keeps_a_bounded_history_of_epochs():
    session = Session(SMALL)
    for epoch in range(1, 10 * MAX_EPOCHS + 1):
        session.epochs.append({"epoch": epoch, "train_cost": 1.0 / epoch})  # as the loop does
        session.thin_epochs()  # as the Publisher does after each epoch
    kept = [row["epoch"] for row in session.epochs]
    assert len(kept) <= MAX_EPOCHS + 1
    assert kept[0] == 1 and kept[-200:] == list(range(10 * MAX_EPOCHS - 199, 10 * MAX_EPOCHS + 1))
    assert kept == sorted(kept)  # the report draws them against their epoch


def test_a_runs_only_history_is_the_loops_and_it_stays_bounded(monkeypatch):
    monkeypatch.setattr(session_module, "MAX_EPOCHS", 20)
    trainers: list[Any] = []
    begin = Publisher.on_train_begin

    def watch(publisher: Publisher, trainer: Any) -> None:
        trainers.append(trainer)
        begin(publisher, trainer)

    monkeypatch.setattr(Publisher, "on_train_begin", watch)
    session = Session(dataclasses.replace(SMALL, points=20))  # 2 mini-batches an epoch
    session.control("start")
    deadline = time.monotonic() + 30
    while session.epoch < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    session.close(timeout=10)
    history = trainers[0].state.history
    assert session.epoch >= 100 and session.epochs is history.rows  # one list, not a copy
    assert 2 <= len(history) <= 21 and history.rows[0]["epoch"] == 1


def test_runs_closed_to_make_room_are_freed():
    import gc
    import weakref

    from deltaprop.explore.state import MAX_SESSIONS, ExplorerState

    explorer = ExplorerState()
    made = []
    for _ in range(3 * MAX_SESSIONS):
        session = Session(SMALL)
        session.control("step")  # its thread records a mini-batch and waits, paused
        made.append(weakref.ref(session))
        explorer.add(session)
    del session
    explorer.join(10)  # the closed runs' threads end
    gc.collect()
    assert [ref() is not None for ref in made] == [False] * 2 * MAX_SESSIONS + [True] * MAX_SESSIONS
    explorer.close("the test is over")
    explorer.join(10)
    gc.collect()
    assert sum(ref() is not None for ref in made) == 0  # nothing holds a closed run
    assert len(explorer.closed) == 3 * MAX_SESSIONS and not explorer.ending
