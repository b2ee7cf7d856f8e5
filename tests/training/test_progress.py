"""Progress while training: the bar's running mean cost, and where ``fit`` shows progress."""

from __future__ import annotations

import io
import re
import sys
import types

import numpy as np
import pytest

import deltaprop
from deltaprop.training import progress
from deltaprop.training.callbacks import Callback


def _data() -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(0).random((60, 4))  # 60 samples, shape (n, 4)
    return X, (X[:, 0] > 0.5).astype(int)


class Costs(Callback):
    """Keeps every mini-batch's cost."""

    def __init__(self) -> None:
        self.costs: list[float] = []

    def on_batch_end(self, step) -> None:
        self.costs.append(step.cost)


def test_bar_shows_the_running_mean_of_the_epochs_costs(monkeypatch) -> None:
    monkeypatch.setattr(progress, "REFRESH", 0.0)  # redraw after every mini-batch
    out, costs = io.StringIO(), Costs()
    net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    X, y = _data()
    net.fit(X, y, epochs=1, batch_size=10, seed=0, callbacks=[costs, progress.ProgressBar(out)])
    shown = [float(c) for c in re.findall(r"cost (\d\.\d{4})", out.getvalue())]
    means = np.cumsum(costs.costs) / np.arange(1, 7)
    # one draw per mini-batch with the mean so far, then the epoch's train_cost at the end
    assert shown[:6] == pytest.approx(means, abs=6e-5)
    assert shown[-1] == pytest.approx(means[-1], abs=6e-5)
    assert shown[:6] != pytest.approx(costs.costs, abs=6e-5)  # not the last batch's cost


def test_bar_left_as_the_epochs_line_or_cleared() -> None:
    X, y = _data()
    for leave in (True, False):
        out = io.StringIO()
        net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
        net.fit(
            X,
            y,
            epochs=2,
            batch_size=10,
            seed=0,
            validation_data=(X, y),
            verbose=0,
            callbacks=[progress.ProgressBar(out, leave=leave)],
        )
        last = out.getvalue().split("\r")[-1]
        if leave:
            assert last.startswith("Epoch 2/2: 100%") and "val accuracy" in last, last
        else:
            assert last == "", repr(out.getvalue()[-200:])  # the line blanked, cursor at 0


def test_fit_shows_progress_only_where_watched(monkeypatch, capsys) -> None:
    X, y = _data()
    net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    net.fit(X, y, epochs=2, batch_size=10)  # pytest's captured stderr is not a terminal
    assert capsys.readouterr() == ("", "")
    monkeypatch.setattr(progress, "watched", lambda stream=None: True)
    net.fit(X, y, epochs=2, batch_size=10)
    err = capsys.readouterr().err
    assert "Epoch 1/2: 100%" in err and "Epoch 2/2: 100%" in err and "6/6" in err
    net.fit(X, y, epochs=2, batch_size=10, verbose=0)
    assert capsys.readouterr() == ("", "")
    net.fit(X, y, epochs=2, batch_size=10, verbose=2)
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["Epoch 1/2", "Epoch 2/2"]


@pytest.mark.parametrize("verbose", [3, -1, "yes", 1.0])
def test_bad_verbose_is_refused(verbose) -> None:
    X, y = _data()
    net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    with pytest.raises(ValueError, match=r"verbose must be 0 \(silent\)"):
        net.fit(X, y, epochs=1, verbose=verbose)


def test_a_notebook_kernel_counts_as_watched(monkeypatch) -> None:
    shell = types.SimpleNamespace(config={"IPKernelApp": {}})
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert progress.in_notebook() and progress.watched(io.StringIO())
    shell.config = {}  # a terminal IPython: watched only if its stderr is a terminal
    assert not progress.in_notebook() and not progress.watched(io.StringIO())


def test_sklearn_estimators_stay_silent(monkeypatch, capsys) -> None:
    pytest.importorskip("sklearn")
    from deltaprop.sklearn import DeltapropClassifier

    monkeypatch.setattr(progress, "watched", lambda stream=None: True)
    X, y = _data()
    DeltapropClassifier(hidden_layer_sizes=(3,), epochs=2, random_state=0).fit(X, y)
    assert capsys.readouterr() == ("", "")
