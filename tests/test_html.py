"""The notebook displays (``_repr_html_``): escaped text, long tables shortened, the facts."""

from __future__ import annotations

import numpy as np

import deltaprop
from deltaprop import _html


def test_text_is_escaped_everywhere() -> None:
    history = deltaprop.History([{"epoch": 1, "<b>note</b>": "a < b & c"}])
    page = history._repr_html_()
    assert "<b>note</b>" not in page and "&lt;b&gt;note&lt;/b&gt;" in page
    assert "a &lt; b &amp; c" in page
    assert _html.table(["x"], [["<i>"]], titles=['say "hi"']).count("<i>") == 0
    assert 'title="say &quot;hi&quot;"' in _html.table(["x"], [[1]], titles=['say "hi"'])


def test_a_long_history_shows_its_ends() -> None:
    history = deltaprop.History([{"epoch": e, "train_cost": 1.0 / e} for e in range(1, 31)])
    page = history._repr_html_()
    assert "History: 30 epochs" in page and "… 10 more rows …" in page
    assert "<td>1</td>" in page and "<td>30</td>" in page and "<td>15</td>" not in page
    assert page.count("<tr>") == 1 + 10 + 1 + 10


def test_network_shows_sizes_activations_cost_dtype_backend() -> None:
    net = deltaprop.Network(
        [4, 3, 2],
        activation="relu",
        output_activation="softmax",
        cost="cross-entropy",
        dtype="float64",
        init="scaled",
    )
    page = net._repr_html_()
    assert "Network [4, 3, 2]" in page and "<td>relu</td>" in page and "<td>softmax</td>" in page
    assert "<td>3 × 4</td>" in page and "<td>2 × 3</td>" in page
    assert "cost log-likelihood, init scaled, dtype float64, backend numpy, 23 parameters" in page


def test_gradcheck_html_has_a_row_per_layer() -> None:
    net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    X = np.random.default_rng(0).random((6, 4))  # 6 samples, shape (n, 4)
    page = deltaprop.gradcheck(net, X, np.array([0, 1, 1, 0, 1, 0]))._repr_html_()
    assert page.count("<tr>") == 1 + 2 and "max relative error" in page
